"""The education-aid workbook through the programmes toolkit, written set-based: per-row
reasons (sheet, row, column) with the good rows kept, all-or-nothing, an idempotent
re-import, one change record per row written, and the export read back (masked for a
role without reveal)."""

from __future__ import annotations

import csv

import pytest

from fupin.core.models import ChangeRecord, SensitiveRead
from fupin.education.ledger import AIDS, DROPOUTS
from fupin.education.models import DropoutCase, StudentAid
from fupin.programmes import ledgers, workbook

AID_HEAD = [
    "household_number",
    "student_id_number",
    "kind",
    "stage",
    "school",
    "school_year",
    "term",
    "amount",
    "paid_on",
]
CASE_HEAD = ["household_number", "child_id_number", "opened_on", "cause", "school"]


def _csv(tmp_path, name, head, rows):
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        w.writerows(rows)
    return path


def _run(path, user, **kw):
    return workbook.import_workbook(ledgers.get("education"), path, actor=user, **kw)


@pytest.fixture
def aid_rows(household, pupil, neighbour_household):
    n, idn = household.number, pupil.id_number
    return [
        # row 2: good
        [n, idn, "两免一补", "初中", "沱江镇中学", "2024", "autumn", "625", "2024-10-15"],
        # row 3: no such household in the area (the neighbour's)
        [
            neighbour_household.number,
            idn,
            "grant",
            "senior",
            "一中",
            "2024",
            "autumn",
            "1000",
            "2024-10-15",
        ],
        # row 4: the head is not this ID's household member? (a made-up ID number)
        [
            n,
            "431129198001011239",
            "two_exemptions",
            "junior",
            "中学",
            "2024",
            "autumn",
            "625",
            "2024-10-15",
        ],
        # row 5: a grant to a junior pupil
        [n, idn, "grant", "junior", "沱江镇中学", "2024", "spring", "1000", "2025-04-01"],
        # row 6: row 2 again
        [n, idn, "two_exemptions", "junior", "沱江镇中学", "2024", "autumn", "625", "2024-10-15"],
        # row 7: not a number
        [n, idn, "two_exemptions", "junior", "沱江镇中学", "2023", "autumn", "abc", "2023-10-15"],
        # row 8: good, the spring term
        [n, idn, "two_exemptions", "junior", "沱江镇中学", "2024", "spring", "625", "2025-04-01"],
    ]


def test_bad_rows_are_reported_good_rows_kept_and_recorded(tmp_path, users, aid_rows):
    out = _run(_csv(tmp_path, "aid.csv", AID_HEAD, aid_rows), users["village"])
    assert out.counts["aids"].created == 2
    errors = {(r, c) for r, c in zip(out.errors["row"], out.errors["column"], strict=True)}
    header = lambda code: str(AIDS.column(code).header)  # noqa: E731
    assert (3, header("household_number")) in errors
    assert (4, header("student_id_number")) in errors
    assert (5, header("stage")) in errors
    assert (6, header("term")) in errors  # given twice in the file
    assert (7, header("amount")) in errors
    assert {r for r, _c in errors} == {3, 4, 5, 6, 7}
    rows = list(StudentAid.objects.order_by("paid_on"))
    assert [r.term for r in rows] == ["autumn", "spring"]
    records = ChangeRecord.objects.filter(object_type="education.studentaid")
    assert sorted(int(r.object_id) for r in records) == sorted(r.pk for r in rows)
    rec = records.first()
    assert (
        rec.action == "create"
        and rec.user_name == "village"
        and rec.related_type == "registry.household"
    )
    assert rec.post_data["amount"] == "625.00" and "village_id" not in rec.post_data
    # The same file again: nothing new, the two good rows unchanged.
    again = _run(_csv(tmp_path, "aid.csv", AID_HEAD, aid_rows), users["village"])
    assert (again.counts["aids"].created, again.counts["aids"].unchanged) == (0, 2)
    assert StudentAid.objects.count() == 2 and records.count() == 2


def test_a_stored_benefit_with_other_values_is_refused(tmp_path, users, aid_rows):
    _run(_csv(tmp_path, "a.csv", AID_HEAD, aid_rows[:1]), users["village"])
    changed = [[*aid_rows[0][:7], "600", "2024-10-15"]]
    out = _run(_csv(tmp_path, "b.csv", AID_HEAD, changed), users["village"])
    assert out.counts["aids"].created == 0 and out.errors["row"].to_list() == [2]
    assert StudentAid.objects.get().amount == 625


def test_not_due_on_the_day_paid_is_refused(tmp_path, users, household, aid_rows):
    from conftest import give_status

    give_status(household, "exited", 2016)
    out = _run(_csv(tmp_path, "a.csv", AID_HEAD, aid_rows[:1]), users["village"])
    assert out.errors["column"].to_list() == [str(AIDS.column("household_number").header)]
    give_status(household, "exited", 2022)  # within the transition period in 2024
    assert (
        _run(_csv(tmp_path, "a.csv", AID_HEAD, aid_rows[:1]), users["village"])
        .counts["aids"]
        .created
        == 1
    )


def test_all_or_nothing_refuses_the_whole_file(tmp_path, users, aid_rows):
    out = _run(_csv(tmp_path, "aid.csv", AID_HEAD, aid_rows), users["village"], atomic=True)
    assert out.refused and not StudentAid.objects.exists()
    assert not ChangeRecord.objects.filter(object_type="education.studentaid").exists()


def test_dropout_cases_one_open_per_child_and_school_age(
    tmp_path, users, household, child_out_of_school
):
    head = household.members.get(relation="head")
    n = household.number
    rows = [
        [n, child_out_of_school.id_number, "2025-03-03", "厌学", "沱江镇中学"],
        [n, child_out_of_school.id_number, "2025-04-03", "weary", ""],  # a second open case
        [n, head.id_number, "2025-03-03", "work", ""],  # 45 years old
    ]
    out = _run(_csv(tmp_path, "c.csv", CASE_HEAD, rows), users["village"])
    assert out.counts["dropouts"].created == 1
    header = str(DROPOUTS.column("child_id_number").header)
    assert list(zip(out.errors["row"], out.errors["column"], strict=True)) == [
        (3, header),
        (4, header),
    ]
    case = DropoutCase.objects.get()
    assert (case.status, case.opened_by) == ("open", users["village"])
    again = _run(_csv(tmp_path, "c.csv", CASE_HEAD, rows[:1]), users["village"])
    assert again.counts["dropouts"].unchanged == 1 and not again.errors.height


def test_export_reads_back_and_masks_for_a_role_without_reveal(
    tmp_path, users, aid_rows, child_out_of_school
):
    _run(_csv(tmp_path, "aid.csv", AID_HEAD, aid_rows), users["village"])
    ledger = ledgers.get("education")
    frames = ledger.export(users["department"], "431129")
    shown = frames["aids"]["student_id_number"].to_list()
    assert len(shown) == 2 and all("*" in s for s in shown)
    assert not SensitiveRead.objects.exists()
    frames = ledger.export(users["village"], "431129100201")
    assert frames["aids"]["student_id_number"].to_list()[0] == aid_rows[0][1]
    assert SensitiveRead.objects.get().count == 2
    xlsx = workbook.export_workbook(ledger, users["village"], "431129", tmp_path / "out.xlsx")
    again = workbook.import_workbook(ledger, xlsx, actor=users["village"])
    assert again.counts["aids"].unchanged == 2 and again.written == 0
