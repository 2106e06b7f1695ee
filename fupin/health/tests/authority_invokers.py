"""For the history walk: every writing service of the health ledger in turn (the ledger
has no decision of the authority table: cover and reimbursements are recorded by staff)."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

from conftest import HOUSEHOLD_DATA, VILLAGE, make_id, member_data, registered_household
from fupin.health import services
from fupin.programmes import ledgers, workbook
from fupin.registry import services as registry


def history(users) -> None:
    h = registered_household(
        actor=users["village"], village_code=VILLAGE, data=dict(HOUSEHOLD_DATA)
    )
    person = registry.member_add(
        actor=users["village"], household=h, data=member_data(id_number=make_id(seq="931"))
    )
    services.cover_record(
        actor=users["village"],
        household=h,
        person=person,
        data={
            "kind": "basic",
            "year": 2025,
            "insured_on": dt.date(2024, 11, 1),
            "premium": Decimal("380"),
            "subsidy": Decimal("380"),
        },
    )
    services.reimbursement_record(
        actor=users["village"],
        household=h,
        patient=person,
        data={
            "number": "HW-1",
            "hospital": "县人民医院",
            "admitted_on": dt.date(2025, 3, 1),
            "settled_on": dt.date(2025, 3, 5),
            "total_cost": Decimal("3000"),
            "basic_paid": Decimal("1800"),
        },
    )
    # The workbook import writes in bulk, one record per row.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "covers.csv"
        path.write_text(
            "household_number,person_id_number,year,kind,insured_on,premium\n"
            f"{h.number},{person.id_number},2025,serious,2024-11-01,0\n",
            encoding="utf-8",
        )
        out = workbook.import_workbook(ledgers.get("health"), path, actor=users["village"])
        assert out.counts["covers"].created == 1, out.errors
