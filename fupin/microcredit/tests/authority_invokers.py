"""The decisions of the authority table that the microcredit services enforce, as
invokers for the table walk (fupin.accounts.authority): `fn(actor, users)` disburses a
fresh loan in conftest.VILLAGE (by the village user) and, for "loan.extend", has the
township propose its extension, then calls the real service as `actor`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from itertools import count

from conftest import HOUSEHOLD_DATA, VILLAGE, make_id, member_data, registered_household
from fupin.microcredit import services
from fupin.registry import services as registry

_numbers = count(1)


def loan_for(users):
    h = registered_household(
        actor=users["village"], village_code=VILLAGE, data=dict(HOUSEHOLD_DATA)
    )
    n = next(_numbers)
    member = registry.member_add(
        actor=users["village"],
        household=h,
        data=member_data(id_number=make_id(seq=f"{600 + n % 300:03d}")),
    )
    return services.loan_disburse(
        actor=users["village"],
        household=h,
        borrower=member,
        data={
            "number": f"AUTH-{n}",
            "bank": "农商行",
            "amount": Decimal("30000"),
            "term_months": 12,
            "annual_rate": Decimal("4.35"),
            "subsidy_rate": Decimal("4.35"),
            "credit_rating": "A",
            "purpose": "养殖",
            "disbursed_on": dt.date(2024, 3, 1),
        },
    )


def extend(actor, users) -> None:
    loan = loan_for(users)
    ext = services.extension_propose(
        actor=users["township"], loan=loan, new_due_on=dt.date(2026, 3, 1), reason="减产"
    )
    services.extension_decide(actor=actor, extension=ext, approve=True)


def write_off(actor, users) -> None:
    services.loan_write_off(actor=actor, loan=loan_for(users), reason="借款人死亡")


INVOKERS: dict[str, Callable] = {"loan.extend": extend, "loan.write_off": write_off}


def history(users) -> None:
    """For the history walk: every writing service of microcredit in turn."""
    loan = loan_for(users)
    services.repayment_record(
        actor=users["village"],
        loan=loan,
        paid_on=dt.date(2024, 6, 1),
        principal="1000",
        today=dt.date(2024, 6, 1),
    )
    ext = services.extension_propose(
        actor=users["village"], loan=loan, new_due_on=dt.date(2026, 3, 1), reason="减产"
    )
    services.extension_decide(actor=users["county"], extension=ext, approve=True)
    other = loan_for(users)
    services.mark_overdue(day=dt.date(2025, 3, 2))
    services.loan_write_off(actor=users["county"], loan=other, reason="核销")
