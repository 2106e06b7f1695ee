"""The decision of the authority table that the employment services enforce, as an
invoker for the table walk (fupin.accounts.authority): `fn(actor, users)` has the
conftest village user create a post in conftest.VILLAGE and propose a fresh member of a
fresh household for it, then calls the real service as `actor`. `history(users)` walks
every writing service of the app for the history walk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from itertools import count

from conftest import HOUSEHOLD_DATA, VILLAGE, make_id, member_data, registered_household
from fupin.employment import services
from fupin.monitoring.tests.authority_invokers import next_seq
from fupin.registry import services as registry

START = dt.date(2024, 3, 1)
_posts = count(1)


def person(users, **over):
    """A fresh member (of working age, able to work) of a fresh poor household."""
    h = registered_household(
        actor=users["village"], village_code=VILLAGE, data=dict(HOUSEHOLD_DATA)
    )
    seq = next_seq()
    return registry.member_add(
        actor=users["village"],
        household=h,
        data=member_data(id_number=make_id(seq=f"{seq:03d}"), name=f"护林员{seq}", **over),
    )


def post(users, **over):
    data = {
        "code": f"GY-AUTH-{next(_posts)}",
        "kind": "forest_ranger",
        "unit": "县林业局",
        "village_id": VILLAGE,
        "monthly_pay": Decimal("833.33"),
        "funding": "central",
        "opened_on": dt.date(2023, 1, 1),
        **over,
    }
    return services.post_create(actor=users["village"], data=data)


def proposal(users):
    return services.holding_propose(
        actor=users["village"], post=post(users), member=person(users), start_on=START
    )


def appoint(actor, users) -> None:
    services.holding_decide(actor=actor, holding=proposal(users), approve=True, today=START)


INVOKERS: dict[str, Callable] = {"post.appoint": appoint}


def history(users) -> None:
    """For the history walk: every writing service of employment in turn."""
    village, township = users["village"], users["township"]
    holding = services.holding_decide(
        actor=township, holding=proposal(users), approve=True, today=START
    )
    services.payment_record(
        actor=village,
        holding=holding,
        month=START,
        amount="833.33",
        paid_on=dt.date(2024, 4, 10),
        today=dt.date(2024, 5, 1),
    )
    services.holding_end(
        actor=village,
        holding=holding,
        end_on=dt.date(2024, 5, 1),
        end_reason="resigned",
        today=dt.date(2024, 5, 1),
    )
    services.post_close(
        actor=village,
        post=holding.post,
        closed_on=dt.date(2024, 6, 1),
        reason="撤岗",
        today=dt.date(2024, 6, 1),
    )
    worker = person(users)
    job = services.placement_record(
        actor=village,
        household=worker.household,
        member=worker,
        data={
            "kind": "migrant",
            "employer": "东莞电子厂",
            "place": "广东省东莞市",
            "place_scope": "out_province",
            "start_on": dt.date(2024, 2, 20),
            "monthly_income": Decimal("4500"),
        },
        today=dt.date(2024, 6, 1),
    )
    services.subsidy_record(
        actor=village,
        placement=job,
        paid_on=dt.date(2024, 3, 1),
        amount="500",
        today=dt.date(2024, 6, 1),
    )
    services.placement_end(
        actor=village, placement=job, end_on=dt.date(2024, 6, 1), today=dt.date(2024, 6, 1)
    )
