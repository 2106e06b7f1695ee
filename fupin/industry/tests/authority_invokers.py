"""The decisions of the authority table that the benefit-linking services enforce, as
invokers for the table walk (fupin.accounts.authority): `fn(actor, users)` registers an
enterprise in conftest.VILLAGE and has the village user propose a household's link to
it, then calls the real service as `actor`. `history(users)` walks every writing service
of the training and benefit-linking ledgers for the history walk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from itertools import count

from conftest import HOUSEHOLD_DATA, VILLAGE, make_id, member_data, registered_household
from fupin.industry import rules, services
from fupin.monitoring.tests.authority_invokers import next_seq
from fupin.registry import services as registry
from fupin.training import services as training

D = dt.date(2024, 3, 1)
_codes = count(1)


def credit_code() -> str:
    """A valid unified social credit code not used before in this process."""
    first17 = f"93431129{next(_codes):09d}"
    return first17 + rules.check_character(first17)


def household_for(users):
    """A household in poverty in the village with one member (a labourer of 44)."""
    h = registered_household(
        actor=users["village"], village_code=VILLAGE, data=dict(HOUSEHOLD_DATA)
    )
    registry.member_add(
        actor=users["village"],
        household=h,
        data=member_data(id_number=make_id(seq=f"{next_seq():03d}")),
    )
    return h


def enterprise_for(users):
    return services.enterprise_register(
        actor=users["village"],
        data={
            "name": f"瑶山油茶专业合作社{next(_codes)}",
            "credit_code": credit_code(),
            "kind": "cooperative",
            "sector": "planting",
            "division_id": VILLAGE,
        },
    )


def link_for(users, mode="shareholding"):
    return services.link_propose(
        actor=users["village"],
        enterprise=enterprise_for(users),
        household=household_for(users),
        data={"mode": mode, "starts_on": D, "amount": Decimal("5000")},
    )


def confirm(actor, users) -> None:
    services.link_decide(actor=actor, link=link_for(users), approve=True)


INVOKERS: dict[str, Callable] = {"benefit_link.confirm": confirm}


def history(users) -> None:
    """For the history walk: every writing service of training and benefit-linking."""
    village, county = users["village"], users["county"]
    link = link_for(users)
    services.enterprise_update(
        actor=village,
        enterprise=link.enterprise,
        data={"name": "瑶山油茶合作社", "kind": "cooperative", "sector": "planting"},
    )
    link = services.link_decide(actor=county, link=link, approve=True)
    services.dividend_record(
        actor=village,
        link=link,
        data={"year": 2024, "amount": "400", "paid_on": dt.date(2024, 12, 20)},
        today=dt.date(2025, 1, 5),
    )
    services.link_end(
        actor=village,
        link=link,
        ends_on=dt.date(2025, 1, 1),
        reason="退社",
        today=dt.date(2025, 1, 5),
    )
    other = link_for(users, mode="direct")
    services.links_confirm(actor=county, enterprise=other.enterprise)
    services.purchase_record(
        actor=village,
        enterprise=other.enterprise,
        household=None,
        data={"buyer": "县人民医院", "product": "茶油", "amount": "3000", "purchased_on": D},
    )
    household = household_for(users)
    course = training.course_create(
        actor=village,
        data={
            "code": f"PX-H-{next(_codes)}",
            "name": "油茶种植培训班",
            "kind": "farming",
            "skill": "油茶种植",
            "organiser": "县农业农村局",
            "division_id": VILLAGE,
            "place": "村部",
            "starts_on": D,
            "ends_on": D + dt.timedelta(days=5),
            "hours": 40,
        },
    )
    training.course_update(
        actor=village,
        course=course,
        data={
            "name": "油茶种植技术培训班",
            "kind": "farming",
            "skill": "油茶种植",
            "organiser": "县农业农村局",
            "place": "村部",
            "starts_on": D,
            "ends_on": D + dt.timedelta(days=5),
            "hours": 40,
        },
    )
    attendance = training.attendance_record(
        actor=village,
        course=course,
        household=household,
        member=household.members.get(),
        data={"result": "completed"},
    )
    training.attendance_update(
        actor=village,
        attendance=attendance,
        data={
            "result": "completed",
            "certificate_kind": "completion",
            "certificate_number": f"ZS{next(_codes):06d}",
            "certificate_issued_on": D + dt.timedelta(days=6),
        },
    )
