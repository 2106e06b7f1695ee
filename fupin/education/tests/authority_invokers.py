"""The decisions of the authority table that the education services enforce, as invokers
for the table walk (fupin.accounts.authority): `fn(actor, users)` opens a fresh dropout
case in conftest.VILLAGE (by the village user) and closes it as `actor`; and, for the
history walk, every writing service of the ledger in turn."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from decimal import Decimal
from itertools import count
from pathlib import Path

from conftest import HOUSEHOLD_DATA, VILLAGE, make_id, member_data, registered_household
from fupin.education import services
from fupin.programmes import ledgers, workbook
from fupin.registry import choices as c
from fupin.registry import services as registry

_numbers = count(1)


def child_of(users, **over):
    """A fresh household of the village with a child of 12 out of school."""
    h = registered_household(
        actor=users["village"], village_code=VILLAGE, data=dict(HOUSEHOLD_DATA)
    )
    n = next(_numbers)
    child = registry.member_add(
        actor=users["village"],
        household=h,
        data=member_data(
            id_number=make_id(birth="20130301", seq=f"{500 + n % 400:03d}"),
            name="盘小",
            relation=c.Relation.SON,
            health=c.Health.HEALTHY,
            labour=c.LabourCapacity.NONE,
            **over,
        ),
    )
    return h, child


def _case(users):
    h, child = child_of(users)
    return services.dropout_open(
        actor=users["village"],
        household=h,
        child=child,
        data={"opened_on": dt.date(2025, 3, 3), "cause": "weary"},
    )


def close(actor, users) -> None:
    services.dropout_close(
        actor=actor, case=_case(users), outcome="home", closed_on=dt.date(2025, 6, 1)
    )


INVOKERS: dict[str, Callable] = {"dropout.close": close}


def history(users) -> None:
    """For the history walk: every writing service of the education ledger."""
    h, pupil = child_of(users, education="", school_status=c.SchoolStatus.JUNIOR)
    services.aid_record(
        actor=users["village"],
        household=h,
        student=pupil,
        data={
            "kind": "two_exemptions",
            "stage": "junior",
            "school": "沱江镇中学",
            "school_year": 2024,
            "term": "autumn",
            "amount": Decimal("625"),
            "paid_on": dt.date(2024, 10, 15),
        },
    )
    # The workbook import writes in bulk, one record per row.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "aids.csv"
        path.write_text(
            "household_number,student_id_number,kind,stage,school,school_year,term,amount,"
            f"paid_on\n{h.number},{pupil.id_number},two_exemptions,junior,沱江镇中学,2024,"
            "spring,625,2025-04-15\n",
            encoding="utf-8",
        )
        out = workbook.import_workbook(ledgers.get("education"), path, actor=users["village"])
        assert out.counts["aids"].created == 1, out.errors
    case = _case(users)
    # Back in school: the child's school status in the registry follows, recorded there.
    services.dropout_close(
        actor=users["county"],
        case=case,
        outcome="returned",
        closed_on=dt.date(2025, 6, 1),
        returned_stage="junior",
    )
