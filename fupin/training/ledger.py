"""The training ledger as the programmes toolkit sees it (registered in
TrainingConfig.ready): its household-page panel, its workbook (a courses sheet and an
attendances sheet; natural keys: the course number; course + person) and its export.

The import writes in bulk: the file's rows are checked against the database read once
per sheet (courses, households, members, the days their households are due), with the
rule functions the services use (`rules.course_refusals`, `rules.attendance_refusals`,
`rules.certificate_refusals`, `programmes.due`), row by row in memory; the good rows are
then inserted at once, each with its creation record (set-based). A refusal becomes the
row's reason in the report."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from fupin.core.history import RowRecords
from fupin.core.scope import code_range
from fupin.exchange.layout import CODE, DATE, DIVISION, ID_NUMBER, INFO, INT, TEXT, Column, Sheet
from fupin.programmes.due import DueBook
from fupin.programmes.ledgers import Ledger, dated_benefits
from fupin.programmes.workbook import (
    LedgerImport,
    Register,
    households_of,
    masked_for,
    members_of,
    text_frame,
    write_register,
)
from fupin.registry.models import Household
from fupin.training import rules, selectors
from fupin.training.apps import LEDGER_LABEL
from fupin.training.models import (
    Attendance,
    AttendanceResult,
    CertificateKind,
    Course,
    CourseKind,
)

COURSES = Sheet(
    "courses",
    _l("Courses"),
    Course,
    (
        Column("code", _l("course number"), TEXT, field="code", required=True, width=16),
        Column("name", _l("course name"), TEXT, field="name", required=True, width=24),
        Column("kind", _l("kind of course"), CODE, field="kind", choices=CourseKind, required=True),
        Column("skill", _l("skill taught"), TEXT, field="skill", required=True),
        Column("organiser", _l("organiser"), TEXT, field="organiser", required=True, width=20),
        Column(
            "area_code",
            _l("code of the area held for"),
            DIVISION,
            field="division_id",
            required=True,
            width=14,
        ),
        Column("area_name", _l("held for the area"), INFO),
        Column("place", _l("place"), TEXT, field="place", required=True, width=20),
        Column("starts_on", _l("first day"), DATE, field="starts_on", required=True),
        Column("ends_on", _l("last day"), DATE, field="ends_on", required=True),
        Column(
            "hours",
            _l("class hours"),
            INT,
            field="hours",
            required=True,
            low=1,
            high=rules.MAX_HOURS,
        ),
    ),
)

ATTENDANCES = Sheet(
    "attendances",
    _l("Attendances"),
    Attendance,
    (
        Column("course_code", _l("course number"), TEXT, required=True, width=16),
        Column("household_number", _l("household number"), TEXT, required=True, width=18),
        Column("id_number", _l("ID number"), ID_NUMBER, required=True, width=20),
        Column("name", _l("name"), INFO),
        Column("result", _l("result"), CODE, field="result", choices=AttendanceResult),
        Column("skill_learnt", _l("skill learnt"), TEXT, field="skill_learnt"),
        Column(
            "certificate_kind",
            _l("certificate kind"),
            CODE,
            field="certificate_kind",
            choices=CertificateKind,
        ),
        Column("certificate_number", _l("certificate number"), TEXT, field="certificate_number"),
        Column(
            "certificate_issued_on",
            _l("certificate issued on"),
            DATE,
            field="certificate_issued_on",
        ),
    ),
)

COURSE_RECORDS = RowRecords(Course, repr_sql="t.code || ' ' || t.name", area_sql="t.division_id")
ATTENDANCE_RECORDS = RowRecords(
    Attendance,
    repr_sql="CAST(t.course_id AS TEXT) || ' ' || CAST(t.member_id AS TEXT)",
    area_sql="t.village_id",
    related=(Household, "t.household_id"),
)

# A rule's field → the column its refusal is shown on.
COURSE_COLUMNS = {"ends_on": "ends_on", "hours": "hours"}
ATTENDANCE_COLUMNS = {
    "household": "household_number",
    "member": "id_number",
    "course": "course_code",
}
COURSE_FIELDS = ("name", "kind", "skill", "organiser", "place", "starts_on", "ends_on", "hours")
ATTENDANCE_FIELDS = (
    "result",
    "skill_learnt",
    "certificate_kind",
    "certificate_number",
    "certificate_issued_on",
)


COURSE_REGISTER = Register(
    "courses",
    "code",
    COURSE_FIELDS,
    COURSE_RECORDS,
    twice=_l("This course number is given twice in the file."),
    other_details=_l("A course with this number exists with other details; change it on its page."),
    taken=_l("A course with this number is recorded already."),
)


def _write_courses(batch: LedgerImport) -> None:
    write_register(
        batch,
        COURSE_REGISTER,
        selectors.courses(batch.actor),
        values=lambda row: {f: row[f] for f in COURSE_FIELDS},
        check=lambda row: [
            (COURSE_COLUMNS.get(f, f), text)
            for f, text in rules.course_refusals(
                starts_on=row["starts_on"], ends_on=row["ends_on"], hours=row["hours"]
            )
        ],
    )


def _terms(row: dict[str, Any], course: Course) -> dict[str, Any]:
    return {
        "result": row["result"] or AttendanceResult.COMPLETED.value,
        "skill_learnt": row["skill_learnt"] or course.skill,
        "certificate_kind": row["certificate_kind"] or "",
        "certificate_number": row["certificate_number"] or "",
        "certificate_issued_on": row["certificate_issued_on"],
    }


def _write_attendances(batch: LedgerImport) -> None:
    frame = batch.frame("attendances").with_row_index("_i")
    ok = frame.filter(pl.col("_ok"))
    if ok.is_empty():
        return
    actor = batch.actor
    today = timezone.localdate(batch.now)
    courses = {
        c.code: c
        for c in selectors.courses(actor).filter(code__in=ok["course_code"].unique().to_list())
    }
    households = households_of(actor, ok["household_number"])
    members = members_of(households.values(), ok["id_number"])
    book = DueBook(households.values())
    existing = {
        (a.course_id, a.member_id): a
        for a in Attendance.objects.filter(
            course__in=list(courses.values()), member__in=list(members.values())
        )
    }
    numbers = [n for n in ok["certificate_number"].unique().to_list() if n]
    certificates = set(
        Attendance.objects.filter(certificate_number__in=numbers).values_list(
            "certificate_kind", "certificate_number"
        )
    )
    rejected: list[tuple[int, str, str]] = []
    seen: set[tuple[int, int]] = set()
    new: list[Attendance] = []
    for row in ok.iter_rows(named=True):
        i = row["_i"]
        course = courses.get(row["course_code"])
        if course is None:
            rejected.append((i, "course_code", _("No course with this number in your area.")))
            continue
        household = households.get(row["household_number"])
        if household is None:
            rejected.append(
                (i, "household_number", _("No household with this number in your area."))
            )
            continue
        member = members.get((household.pk, row["id_number"]))
        if member is None:
            rejected.append(
                (i, "id_number", _("The person must be a current member of the household."))
            )
            continue
        if (course.pk, member.pk) in seen:
            rejected.append(
                (i, "id_number", _("This person is given twice for this course in the file."))
            )
            continue
        seen.add((course.pk, member.pk))
        terms = _terms(row, course)
        problems = rules.attendance_refusals(
            household=household,
            member=member,
            course=course,
            due=book.due(household.pk, course.starts_on),
            today=today,
        ) + rules.certificate_refusals(
            result=terms["result"],
            kind=terms["certificate_kind"],
            number=terms["certificate_number"],
            issued_on=terms["certificate_issued_on"],
            course_starts_on=course.starts_on,
            today=today,
        )
        if problems:
            rejected.extend((i, ATTENDANCE_COLUMNS.get(f, f), text) for f, text in problems)
            continue
        stored = existing.get((course.pk, member.pk))
        if stored is not None:
            if all(getattr(stored, f) == terms[f] for f in ATTENDANCE_FIELDS):
                batch.count("attendances").unchanged += 1
            else:
                rejected.append(
                    (
                        i,
                        "id_number",
                        _(
                            "This person is recorded at this course with other details; "
                            "change it on the attendance's page."
                        ),
                    )
                )
            continue
        certificate = (terms["certificate_kind"], terms["certificate_number"])
        if terms["certificate_number"]:
            if certificate in certificates:
                rejected.append(
                    (
                        i,
                        "certificate_number",
                        _("A certificate of this kind with this number is recorded already."),
                    )
                )
                continue
            certificates.add(certificate)
        new.append(
            Attendance(
                household_id=household.pk,
                member_id=member.pk,
                village_id=household.village_id,
                course_id=course.pk,
                recorded_by=actor,
                created_at=batch.now,
                **terms,
            )
        )
    batch.reject_rows("attendances", rejected)
    batch.insert("attendances", new, ATTENDANCE_RECORDS)


def write(batch: LedgerImport) -> None:
    """Courses first (an attendance of a course of the same file finds it)."""
    _write_courses(batch)
    _write_attendances(batch)


def export(user: Any, prefix: str) -> dict[str, pl.DataFrame]:
    """The courses held for the user's area under `prefix`, and the attendances of its
    households, in the sheets' codes. ID numbers are masked unless the role may reveal
    them (then one logged read)."""
    span = code_range(prefix)
    courses = list(
        selectors.courses(user)
        .filter(division__code__range=span)
        .order_by("starts_on", "id")
        .values_list(
            "code",
            "name",
            "kind",
            "skill",
            "organiser",
            "division_id",
            "division__name",
            "place",
            "starts_on",
            "ends_on",
            "hours",
        )
    )
    rows = list(
        selectors.attendances(user)
        .filter(village__code__range=span)
        .order_by("course__starts_on", "id")
        .values_list(
            "course__code",
            "household__number",
            "member__id_number",
            "member__name",
            "result",
            "skill_learnt",
            "certificate_kind",
            "certificate_number",
            "certificate_issued_on",
        )
    )
    people = masked_for(
        user,
        text_frame(rows, ATTENDANCES),
        "id_number",
        kind="id_number",
        object_type="training.attendance",
        prefix=prefix,
    )
    return {"courses": text_frame(courses, COURSES), "attendances": people}


def ledger() -> Ledger:
    return Ledger(
        key="training",
        label=LEDGER_LABEL,
        models=(Attendance,),
        panel_flag=selectors.PANEL_TRAINING,
        panel_template="training/_household_attendances.html",
        panel_rows=selectors.household_attendances,
        actions=selectors.household_actions,
        sheets=(COURSES, ATTENDANCES),
        write=write,
        export=export,
        # A course attended, in the year it ended: no money paid to the household.
        benefits=dated_benefits(
            Attendance,
            date="course__ends_on",
            amount=None,
            label=lambda r: f"{r.course.name} · {r.member or ''} · {r.get_result_display()}",
            related=("course", "member"),
        ),
    )
