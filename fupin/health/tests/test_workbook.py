"""The health workbook through the programmes toolkit, written set-based: cover first (a
serious-illness cover finds the basic cover of the same file, a reimbursement the cover
of its year), per-row reasons with the good rows kept, all-or-nothing, an idempotent
re-import, one change record per row, and the export read back."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from conftest import give_status
from fupin.core.models import ChangeRecord
from fupin.health.ledger import COVERS, REIMBURSEMENTS
from fupin.health.models import Cover, Reimbursement
from fupin.programmes import ledgers, workbook

COVER_HEAD = [
    "household_number",
    "person_id_number",
    "year",
    "kind",
    "insured_on",
    "premium",
    "subsidy",
]
PAY_HEAD = [
    "number",
    "household_number",
    "patient_id_number",
    "hospital",
    "admitted_on",
    "settled_on",
    "total_cost",
    "basic_paid",
    "serious_paid",
    "assistance_paid",
    "other_paid",
]


def _csv(tmp_path, name, head, rows):
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        w.writerows(rows)
    return path


def _run(path, user, **kw):
    return workbook.import_workbook(ledgers.get("health"), path, actor=user, **kw)


@pytest.fixture
def person(household):
    return household.members.get()


def test_cover_sheet_rules_and_idempotence(tmp_path, users, household, person):
    n, idn = household.number, person.id_number
    rows = [
        [n, idn, "2025", "basic", "2024-11-01", "380", "380"],  # 2: good
        [n, idn, "2025", "serious", "2024-11-01", "0", ""],  # 3: good, basic of row 2
        [n, idn, "2024", "serious", "2023-11-01", "0", ""],  # 4: no basic cover of 2024
        [n, idn, "2026", "basic", "2024-12-31", "400", "0"],  # 5: enrolled too early
        [n, idn, "2025", "commercial", "2025-01-05", "100", "100.01"],  # 6: subsidy > premium
        [n, idn, "2025", "basic", "2024-11-02", "380", "380"],  # 7: row 2 again
    ]
    out = _run(_csv(tmp_path, "c.csv", COVER_HEAD, rows), users["village"])
    header = lambda code: str(COVERS.column(code).header)  # noqa: E731
    assert sorted(zip(out.errors["row"], out.errors["column"], strict=True)) == [
        (4, header("kind")),
        (5, header("insured_on")),
        (6, header("subsidy")),
        (7, header("kind")),
    ]
    assert sorted(Cover.objects.values_list("kind", flat=True)) == ["basic", "serious"]
    assert ChangeRecord.objects.filter(object_type="health.cover").count() == 2
    again = _run(_csv(tmp_path, "c.csv", COVER_HEAD, rows[:2]), users["village"])
    assert (again.counts["covers"].created, again.counts["covers"].unchanged) == (0, 2)


def test_a_serious_cover_whose_basic_row_fails_is_refused_too(tmp_path, users, household, person):
    give_status(household, "exited", 2016)  # not due: the government may not pay
    n, idn = household.number, person.id_number
    rows = [
        [n, idn, "2025", "basic", "2024-11-01", "380", "380"],  # refused: subsidy
        [n, idn, "2025", "serious", "2024-11-01", "0", "0"],
    ]
    out = _run(_csv(tmp_path, "c.csv", COVER_HEAD, rows), users["village"])
    assert sorted(out.errors["row"].to_list()) == [2, 3]
    assert not Cover.objects.exists()


def test_reimbursements_with_the_cover_of_the_same_file(tmp_path, users, household, person):
    n, idn = household.number, person.id_number
    covers = [[n, idn, "2025", "basic", "2024-11-01", "380", "380"]]
    pays = [
        [
            "JS-1",
            n,
            idn,
            "县人民医院",
            "2025-03-01",
            "2025-03-10",
            "10000",
            "6000",
            "",
            "2000",
            "1000",
        ],
        ["JS-2", n, idn, "县人民医院", "2025-03-01", "2025-03-10", "10000", "6000", "500", "", ""],
        [
            "JS-3",
            n,
            idn,
            "县人民医院",
            "2025-03-01",
            "2025-03-10",
            "10000",
            "9000",
            "",
            "1000.01",
            "",
        ],
        ["JS-4", n, idn, "县人民医院", "2024-03-01", "2024-03-10", "800", "500", "", "", ""],
        [
            "JS-1",
            n,
            idn,
            "县人民医院",
            "2025-03-01",
            "2025-03-10",
            "10000",
            "6000",
            "",
            "2000",
            "1000",
        ],
    ]
    covers_path = _csv(tmp_path, "c.csv", COVER_HEAD, covers)
    pays_path = _csv(tmp_path, "p.csv", PAY_HEAD, pays)
    _run(covers_path, users["village"])
    out = _run(pays_path, users["village"])
    header = lambda code: str(REIMBURSEMENTS.column(code).header)  # noqa: E731
    assert sorted(zip(out.errors["row"], out.errors["column"], strict=True)) == [
        (3, header("serious_paid")),  # no serious-illness cover
        (4, header("total_cost")),  # the layers pay more than the total
        (5, header("basic_paid")),  # no basic cover in 2024
        (6, header("number")),  # given twice
    ]
    row = Reimbursement.objects.get()
    assert (row.number, row.out_of_pocket) == ("JS-1", Decimal("1000.00"))
    rec = ChangeRecord.objects.get(object_type="health.reimbursement")
    assert rec.post_data["out_of_pocket"] == "1000.00" and rec.related_id == str(household.pk)
    again = _run(pays_path, users["village"])
    assert again.counts["reimbursements"].unchanged == 1 and again.written == 0


def test_a_number_in_use_elsewhere_is_refused_without_saying_where(
    tmp_path, users, household, person, neighbour_household
):
    other = neighbour_household.members.get()

    def row(n, idn):
        return ["JS-1", n, idn, "医院", "2025-03-01", "2025-03-10", "500", "", "", "500", ""]

    _run(
        _csv(tmp_path, "a.csv", PAY_HEAD, [row(neighbour_household.number, other.id_number)]),
        users["neighbour"],
    )
    out = _run(
        _csv(tmp_path, "b.csv", PAY_HEAD, [row(household.number, person.id_number)]),
        users["village"],
    )
    assert out.errors["row"].to_list() == [2]
    assert neighbour_household.number not in out.errors["reason"].to_list()[0]
    assert Reimbursement.objects.count() == 1


def test_all_or_nothing(tmp_path, users, household, person):
    n, idn = household.number, person.id_number
    rows = [
        [n, idn, "2025", "basic", "2024-11-01", "380", "380"],
        [n, idn, "2024", "serious", "2023-11-01", "0", ""],
    ]
    out = _run(_csv(tmp_path, "c.csv", COVER_HEAD, rows), users["village"], atomic=True)
    assert out.refused and not Cover.objects.exists()


def test_export_reads_back(tmp_path, users, household, person):
    n, idn = household.number, person.id_number
    _run(
        _csv(
            tmp_path, "c.csv", COVER_HEAD, [[n, idn, "2025", "basic", "2024-11-01", "380", "380"]]
        ),
        users["village"],
    )
    pays = [
        [
            "JS-1",
            n,
            idn,
            "县人民医院",
            "2025-03-01",
            "2025-03-10",
            "10000",
            "6000",
            "",
            "2000",
            "1000",
        ]
    ]
    _run(_csv(tmp_path, "p.csv", PAY_HEAD, pays), users["village"])
    ledger = ledgers.get("health")
    masked = ledger.export(users["department"], "431129")
    assert all("*" in s for s in masked["covers"]["person_id_number"].to_list())
    assert masked["reimbursements"]["out_of_pocket"].to_list() == ["1000.00"]
    xlsx = workbook.export_workbook(ledger, users["village"], "431129", tmp_path / "out.xlsx")
    again = workbook.import_workbook(ledger, xlsx, actor=users["village"])
    assert (again.counts["covers"].unchanged, again.counts["reimbursements"].unchanged) == (1, 1)
