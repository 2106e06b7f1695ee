"""The training workbook through the programmes toolkit: bad rows reported with their
row, column and reason while the good rows are written in bulk (each with its creation
record), all-or-nothing on request, an import of the same file again changes nothing,
and the export reads back (masked for a role without reveal)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from conftest import make_id
from fupin.core.models import ChangeRecord
from fupin.programmes import ledgers, workbook
from fupin.programmes.tests.helpers import write_csv
from fupin.training.models import Attendance, Course

COURSE_HEAD = [
    "code",
    "name",
    "kind",
    "skill",
    "organiser",
    "area_code",
    "place",
    "starts_on",
    "ends_on",
    "hours",
]
PEOPLE_HEAD = [
    "course_code",
    "household_number",
    "id_number",
    "result",
    "skill_learnt",
    "certificate_kind",
    "certificate_number",
    "certificate_issued_on",
]
TODAY = dt.date(2024, 6, 1)


@pytest.fixture(autouse=True)
def _english():
    """The report's headers and reasons read in English here (the default is Chinese)."""
    with translation.override("en"):
        yield


def run(path, user, **kw):
    return workbook.import_workbook(ledgers.get("training"), path, actor=user, today=TODAY, **kw)


COURSES = [
    [
        "PX-1",
        "电工培训班",
        "vocational",
        "电工",
        "县人社局",
        "431129100201",
        "村部",
        "2024-03-01",
        "2024-03-10",
        "120",
    ],
    [
        "PX-2",
        "烹调班",
        "vocational",
        "中式烹调",
        "县人社局",
        "431129100202",
        "村部",
        "2024-03-01",
        "2024-03-10",
        "80",
    ],
    [
        "PX-3",
        "焊工班",
        "vocational",
        "焊工",
        "县人社局",
        "431129100201",
        "村部",
        "2024-03-10",
        "2024-03-01",
        "80",
    ],
    [
        "PX-4",
        "育婴班",
        "vocational",
        "育婴员",
        "县人社局",
        "431129100201",
        "村部",
        "2024-03-01",
        "2024-03-02",
        "0",
    ],
    [
        "PX-1",
        "电工培训班",
        "vocational",
        "电工",
        "县人社局",
        "431129100201",
        "村部",
        "2024-03-01",
        "2024-03-10",
        "120",
    ],
]


def test_courses_bad_rows_reported_good_rows_kept_once(tmp_path, users):
    path = write_csv(tmp_path, "courses.csv", COURSE_HEAD, COURSES)
    out = run(path, users["village"])
    assert list(Course.objects.values_list("code", flat=True)) == ["PX-1"]
    reasons = {(r["row"], r["column"]): r["reason"] for r in out.errors.iter_rows(named=True)}
    assert set(reasons) == {
        (3, "code of the area held for"),
        (4, "last day"),
        (5, "class hours"),
        (6, "course number"),
    }
    assert "twice" in reasons[(6, "course number")]
    assert out.counts["courses"].created == 1
    # Each created row has its creation record, by the importer, in the course's area.
    record = ChangeRecord.objects.get(object_type="training.course")
    assert (record.user.username, record.area_code, record.action) == (
        "village",
        "431129100201",
        "create",
    )
    assert record.post_data["code"] == "PX-1"
    again = run(path, users["village"])
    assert again.counts["courses"].unchanged == 1 and not again.written
    assert ChangeRecord.objects.filter(object_type="training.course").count() == 1


def test_all_or_nothing(tmp_path, users):
    path = write_csv(tmp_path, "courses.csv", COURSE_HEAD, COURSES[:3])
    out = run(path, users["village"], atomic=True)
    assert out.refused and not Course.objects.exists()
    assert not ChangeRecord.objects.filter(object_type="training.course").exists()


def test_attendances_checked_by_the_services_rules(tmp_path, users, household, neighbour_household):
    from conftest import member_data
    from fupin.registry import services as registry

    child = registry.member_add(
        actor=users["village"],
        household=household,
        data=member_data(
            id_number=make_id(birth="20120101", seq="772"), name="孩子", relation="son"
        ),
    )
    adult = household.members.exclude(pk=child.pk).get()
    write_csv(tmp_path, "c.csv", COURSE_HEAD, COURSES[:1])
    run(tmp_path / "c.csv", users["county"])
    rows = [
        [
            "PX-1",
            household.number,
            adult.id_number,
            "completed",
            "",
            "completion",
            "Z-1",
            "2024-03-11",
        ],
        ["PX-1", household.number, child.id_number, "", "", "", "", ""],  # aged 12
        ["PX-9", household.number, adult.id_number, "", "", "", "", ""],  # no such course
        ["PX-1", "NOPE", adult.id_number, "", "", "", "", ""],
        ["PX-1", household.number, neighbour_household.members.get().id_number, "", "", "", "", ""],
        ["PX-1", household.number, adult.id_number, "", "", "", "", ""],  # twice
        [
            "PX-1",
            neighbour_household.number,
            neighbour_household.members.get().id_number,
            "dropped",
            "",
            "completion",
            "Z-2",
            "2024-03-11",
        ],
    ]
    path = write_csv(tmp_path, "people.csv", PEOPLE_HEAD, rows)
    out = run(path, users["county"])
    reasons = {(r["row"], r["column"]): r["reason"] for r in out.errors.iter_rows(named=True)}
    assert set(reasons) == {
        (3, "ID number"),
        (4, "course number"),
        (5, "household number"),
        (6, "ID number"),
        (7, "ID number"),
        (8, "result"),
    }
    assert "16" in reasons[(3, "ID number")]
    row = Attendance.objects.get()
    assert (row.member_id, row.certificate_number, row.skill_learnt) == (adult.pk, "Z-1", "电工")
    record = ChangeRecord.objects.get(object_type="training.attendance")
    assert record.related_id == str(household.pk) and record.area_code == household.village_id
    # The village user imports the same rows: its own household's row is unchanged, the
    # course is its village's; the neighbour's household is not in its area.
    again = run(path, users["village"])
    assert again.counts["attendances"].unchanged == 1 and Attendance.objects.count() == 1


def test_a_household_not_due_is_refused_in_the_import_as_by_the_service(tmp_path, users, household):
    from conftest import give_status
    from fupin.registry import choices as c

    give_status(household, c.HouseholdStatus.EXITED, 2018)
    write_csv(tmp_path, "c.csv", COURSE_HEAD, COURSES[:1])
    run(tmp_path / "c.csv", users["village"])
    path = write_csv(
        tmp_path,
        "p.csv",
        PEOPLE_HEAD,
        [["PX-1", household.number, household.members.get().id_number, "", "", "", "", ""]],
    )
    out = run(path, users["village"])
    reason = out.errors.row(0, named=True)
    assert reason["column"] == "household number" and "due assistance" in reason["reason"]


def test_long_text_is_refused_not_cut(tmp_path, users):
    row = list(COURSES[0])
    row[1] = "长" * 121
    out = run(write_csv(tmp_path, "c.csv", COURSE_HEAD, [row]), users["village"])
    assert out.errors.row(0, named=True)["reason"] == "At most 120 characters."
    assert not Course.objects.exists()


def test_export_reads_back_and_masks(tmp_path, users, household):
    write_csv(tmp_path, "c.csv", COURSE_HEAD, COURSES[:1])
    run(tmp_path / "c.csv", users["village"])
    member = household.members.get()
    write_csv(
        tmp_path,
        "p.csv",
        PEOPLE_HEAD,
        [["PX-1", household.number, member.id_number, "", "", "", "", ""]],
    )
    run(tmp_path / "p.csv", users["village"])
    ledger = ledgers.get("training")
    frames = ledger.export(users["department"], "431129")
    assert frames["attendances"]["id_number"].to_list() == ["*" * 14 + member.id_number[-4:]]
    path = workbook.export_workbook(ledger, users["village"], "431129100201", tmp_path / "t.xlsx")
    out = run(path, users["village"])
    assert not out.errors.height and not out.written
    assert out.counts["courses"].unchanged == 1 and out.counts["attendances"].unchanged == 1


@pytest.mark.parametrize("user", ["department", "cadre"])
def test_roles_that_may_not_edit_import_nothing(tmp_path, users, user):
    from fupin.core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        run(write_csv(tmp_path, "c.csv", COURSE_HEAD, COURSES[:1]), users[user])
