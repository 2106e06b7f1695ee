"""The decisions of the authority table that the microcredit services enforce, as
invokers for the table walk (fupin.accounts.authority): `fn(actor, users)` disburses a
fresh loan in conftest.VILLAGE (by the village user) and, for "loan.extend", has the
township propose its extension, then calls the real service as `actor`."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from decimal import Decimal
from itertools import count
from pathlib import Path

import xlsxwriter

from conftest import HOUSEHOLD_DATA, VILLAGE, make_id, member_data, registered_household
from fupin.microcredit import services
from fupin.programmes import ledgers, workbook
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
    import_loan(users, loan)


def import_loan(users, loan) -> None:
    """The workbook import (set-based): a new loan of the household with its schedule,
    and a repayment in full, which makes it repaid."""
    number = f"IMP-{next(_numbers)}"
    member = loan.member
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "loans.xlsx"
        book = xlsxwriter.Workbook(str(path))
        loans = book.add_worksheet("loans")
        loans.write_row(0, 0, ["number", "household_number", "borrower_id_number", "bank"])
        loans.write_row(0, 4, ["amount", "term_months", "annual_rate", "purpose"])
        loans.write_row(0, 8, ["disbursed_on", "credit_rating"])
        loans.write_row(1, 0, [number, loan.household.number, member.id_number, "农商行"])
        loans.write_row(1, 4, ["20000", "12", "4.35", "养殖", "2024-03-01", "A"])
        pays = book.add_worksheet("repayments")
        pays.write_row(0, 0, ["loan_number", "paid_on", "principal", "receipt"])
        pays.write_row(1, 0, [number, "2024-09-01", "20000", "HK-1"])
        book.close()
        outcome = workbook.import_workbook(ledgers.get("microcredit"), path, actor=users["village"])
    assert not outcome.errors.height, outcome.errors.rows()
    assert outcome.written == 2
