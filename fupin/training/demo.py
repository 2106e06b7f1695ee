"""Demo training ledger for the demo county. The field reports give no county figure for
training, so the shape follows the policy's aim (every household with labour to have one
person holding a skill, 一户一技能): each year from 2016 to this one the county (人社局,
农业农村局) and every township hold courses of 20 to 60 people, about one labourer in
three of the households due assistance attends one, nine in ten complete it, and a bit
over half of those obtain a certificate (most a training certificate, some a special
ability or skill level certificate).

Deterministic (seeded), every row with its creation record; bulk inserts; the
attendance rules are the services' own (`rules.attendance_refusals`, `programmes.due`)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

import polars as pl
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core.bulk import bulk_insert
from fupin.core.frames import reserve_ids
from fupin.core.history import BulkRecorder, type_label
from fupin.core.models import ChangeRecord
from fupin.programmes.due import DueBook, may_be_due_households
from fupin.registry.models import Member
from fupin.training import rules
from fupin.training.ledger import ATTENDANCE_RECORDS, COURSE_RECORDS
from fupin.training.models import (
    Attendance,
    AttendanceResult,
    CertificateKind,
    Course,
    CourseKind,
)

MODELS = (Attendance, Course)
SHARE = 0.33  # of the labourers of households due assistance, trained once
FIRST_YEAR = 2016
# (kind, skill, organiser, hours)
COURSES = [
    (CourseKind.VOCATIONAL, "电工", "县人力资源和社会保障局", 120),
    (CourseKind.VOCATIONAL, "焊工", "县人力资源和社会保障局", 120),
    (CourseKind.VOCATIONAL, "家政服务", "县人力资源和社会保障局", 80),
    (CourseKind.VOCATIONAL, "中式烹调", "县职业中专", 100),
    (CourseKind.VOCATIONAL, "育婴员", "县妇联", 80),
    (CourseKind.FARMING, "油茶种植", "县农业农村局", 40),
    (CourseKind.FARMING, "生猪养殖", "县农业农村局", 40),
    (CourseKind.FARMING, "柑橘栽培", "县农业农村局", 40),
    (CourseKind.FARMING, "香芋种植", "县农业农村局", 32),
    (CourseKind.BUSINESS, "电子商务", "县商务局", 60),
    (CourseKind.BUSINESS, "创业培训（SYB）", "县人力资源和社会保障局", 80),
    (CourseKind.ORDER, "电子装配", "县工业园企业", 60),
]
CERTIFICATES = [
    (CertificateKind.COMPLETION, 0.55),
    (CertificateKind.SPECIAL, 0.25),
    (CertificateKind.SKILL_LEVEL, 0.15),
    (CertificateKind.QUALIFICATION, 0.05),
]


def build_demo(*, seed: int, log: Callable[[str], None] | None = None) -> None:
    rng = random.Random(seed + 23)
    today = timezone.localdate()
    households = may_be_due_households()
    if not households:
        return
    county_code = households[0].village_id[:6].ljust(12, "0")
    by_id = {h.pk: h for h in households}
    book = DueBook(households)
    people: list[Member] = [
        m
        for m in Member.objects.filter(is_active=True, household_id__in=list(by_id))
        .only("id", "household_id", "birth_date", "labour", "is_active")
        .order_by("id")
        if rules.is_labourer(m.labour)
    ]
    rng.shuffle(people)
    trained = people[: int(len(people) * SHARE)]
    townships = sorted({h.village_id[:9] for h in households})
    years = list(range(FIRST_YEAR, today.year + 1))
    courses: list[Course] = []
    seq = 0
    for year in years:
        hosts = [county_code] + [t.ljust(12, "0") for t in townships]
        for host in hosts:
            kind, skill, organiser, hours = rng.choice(COURSES)
            starts = dt.date(year, rng.randint(3, 11), rng.randint(1, 28))
            if starts + dt.timedelta(days=30) > today:  # this year's courses held by now
                starts = today - dt.timedelta(days=rng.randint(30, 60))
            seq += 1
            courses.append(
                Course(
                    code=f"PX{year}{seq:04d}",
                    name=f"{year}年{skill}培训班",
                    kind=kind,
                    skill=skill,
                    organiser=organiser,
                    division_id=host,
                    place=f"{organiser}培训中心" if host == county_code else "乡镇文化服务中心",
                    starts_on=starts,
                    ends_on=starts + dt.timedelta(days=max(2, hours // 8)),
                    hours=hours,
                )
            )
    by_host: dict[str, list[Course]] = {}
    for course in courses:
        by_host.setdefault(course.division_id[:9], []).append(course)
    rows: list[tuple[Attendance, Course]] = []
    numbers = 0
    for member in trained:
        h = by_id[member.household_id]
        # A township's own course, or the county's.
        choices = by_host.get(h.village_id[:9], []) + by_host.get(county_code[:9], [])
        if not choices:
            continue
        course = rng.choice(choices)
        if rules.attendance_refusals(
            household=h,
            member=member,
            course=course,
            due=book.due(h.pk, course.starts_on),
            today=today,
        ):
            continue
        completed = rng.random() < 0.9
        certificate, number, issued = "", "", None
        if completed and rng.random() < 0.55:
            kinds, weights = zip(*CERTIFICATES, strict=True)
            certificate = rng.choices(kinds, weights=weights)[0]
            numbers += 1
            number = f"{course.starts_on.year}{numbers:07d}"
            issued = min(course.ends_on + dt.timedelta(days=rng.randint(0, 30)), today)
        rows.append(
            (
                Attendance(
                    household_id=h.pk,
                    member_id=member.pk,
                    village_id=h.village_id,
                    result=AttendanceResult.COMPLETED if completed else AttendanceResult.DROPPED,
                    skill_learnt=course.skill,
                    certificate_kind=certificate,
                    certificate_number=number,
                    certificate_issued_on=issued,
                ),
                course,
            )
        )
    used = {id(c) for _a, c in rows}
    courses = [c for c in courses if id(c) in used]
    for course, pk in zip(courses, reserve_ids(Course, len(courses)), strict=True):
        course.pk = pk
    attendances = []
    for (row, course), pk in zip(rows, reserve_ids(Attendance, len(rows)), strict=True):
        row.pk, row.course_id = pk, course.pk
        attendances.append(row)
    # Each row's creation record, built in the database from the stored row (as the
    # workbook import writes them).
    history = BulkRecorder(actor=None, now=timezone.now(), reason=_("Demo data: training"))
    with transaction.atomic():
        for written, model, records in (
            (courses, Course, COURSE_RECORDS),
            (attendances, Attendance, ATTENDANCE_RECORDS),
        ):
            bulk_insert(written, model)
            history.created(records, pl.Series("id", [r.pk for r in written], dtype=pl.Int64))
    if log:
        certified = sum(1 for a in attendances if a.certificate_number)
        log(
            _("training: %(courses)d courses, %(people)d attendances, %(certified)d certificates")
            % {"courses": len(courses), "people": len(attendances), "certified": certified}
        )


def wipe_demo() -> None:
    """Remove the ledger and its history (the demo is rebuilt whole)."""
    labels = [type_label(m) for m in MODELS]
    with transaction.atomic():
        ChangeRecord.objects.filter(object_type__in=labels)._raw_delete(connection.alias)
        for model in MODELS:
            model.objects.all()._raw_delete(connection.alias)
