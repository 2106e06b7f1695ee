"""Reads of the training ledger, every one scoped to the user: courses by the area they
are held for, attendances by their household's village (`.restrict(user)`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fupin.core.scope import may_edit_in
from fupin.programmes.due import may_be_due
from fupin.programmes.frames import area_rows, dates
from fupin.programmes.ledgers import LedgerAction
from fupin.programmes.paging import Page, in_division, keyset_page
from fupin.registry.models import Household, Member
from fupin.training import rules
from fupin.training.models import Attendance, Course

PANEL_TRAINING = "panel_training"
CHOICES_LIMIT = 300  # courses offered by the attendance form (the newest)


def courses(user: Any) -> QuerySet[Course]:
    return Course.objects.restrict(user)


def attendances(user: Any) -> QuerySet[Attendance]:
    return Attendance.objects.restrict(user)


@dataclass
class CourseFilters:
    area: str = ""
    kind: str = ""
    skill: str = ""
    year: int | None = None


def course_page(
    *, user: Any, filters: CourseFilters, older: int | None = None, newer: int | None = None
) -> Page[Course]:
    qs = in_division(courses(user), "division__code", filters.area).select_related("division")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.skill:
        qs = qs.filter(skill=filters.skill)
    if filters.year:
        qs = qs.filter(starts_on__year=filters.year)
    qs = qs.annotate(people=Count("attendances"))
    return keyset_page(qs, order="starts_on", older=older, newer=newer)


def skills(user: Any) -> list[str]:
    return list(courses(user).order_by("skill").values_list("skill", flat=True).distinct())


def course_get(*, user: Any, pk: int) -> Course:
    course = courses(user).select_related("division", "created_by").filter(pk=pk).first()
    if course is None:
        raise Http404
    return course


def course_attendances(user: Any, course: Course) -> list[Attendance]:
    """The course's attendances the user may read (a village user: its village's)."""
    return list(
        attendances(user)
        .filter(course=course)
        .select_related("household", "member", "village")
        .order_by("village_id", "id")
    )


@dataclass
class AttendanceFilters:
    area: str = ""
    course: str = ""  # a course number
    result: str = ""
    certified: bool = False


def attendance_page(
    *, user: Any, filters: AttendanceFilters, older: int | None = None, newer: int | None = None
) -> Page[Attendance]:
    qs = in_division(attendances(user), "village__code", filters.area).select_related(
        "household", "member", "village", "course"
    )
    if filters.course:
        qs = qs.filter(course__code=filters.course)
    if filters.result:
        qs = qs.filter(result=filters.result)
    if filters.certified:
        qs = qs.exclude(certificate_number="")
    return keyset_page(qs, order="id", older=older, newer=newer)


def attendance_get(*, user: Any, pk: int) -> Attendance:
    row = (
        attendances(user)
        .select_related("household", "member", "village", "course", "course__division")
        .filter(pk=pk)
        .first()
    )
    if row is None:
        raise Http404
    return row


def household_attendances(user: Any, household: Any) -> list[Attendance]:
    """The household page's panel: the household's attendances the user may read."""
    return list(
        attendances(user)
        .filter(household=household)
        .select_related("member", "course")
        .order_by("-course__starts_on", "-id")
    )


NEW_ATTENDANCE = _("Record a training attendance")


def household_actions(user: Any, household: Any) -> list[LedgerAction]:
    """The household page's "Record a training attendance", for a user who may edit the
    household's village when its status may be due assistance (the day's rule is the
    service's). No query."""
    if not may_be_due(household.status) or not may_edit(user, household.village_id):
        return []
    return [LedgerAction(NEW_ATTENDANCE, reverse("training:attend", args=[household.pk]))]


def course_choices(user: Any, household: Any) -> list[Course]:
    """The courses the attendance form offers: of the user's area, held for the
    household's village or an area above it, newest first."""
    village = household.village_id
    above = [village[:n].ljust(12, "0") for n in (2, 4, 6, 9)] + [village]
    return list(
        courses(user).filter(Q(division_id__in=above)).order_by("-starts_on", "-id")[:CHOICES_LIMIT]
    )


def may_edit(user: Any, area_code: str) -> bool:
    return may_edit_in(user, area_code)


# ------------------------------------------------------------------ the indicator engine


def attendance_rows(prefix: str, household_ids: Sequence[int] = ()) -> pl.DataFrame:
    """For the indicator engine (a whole area, no user): the attendances of the people
    whose household is in the area now or is one of `household_ids` (in the area on the
    as-of date, moved out since), as `rules.ATTENDANCE_SCHEMA`."""
    a, c = Attendance._meta.db_table, Course._meta.db_table
    m, h = Member._meta.db_table, Household._meta.db_table
    text = {k: pl.Int64 if k == "person_id" else pl.String for k in rules.ATTENDANCE_SCHEMA}
    frame = area_rows(
        "SELECT a.member_id AS person_id, a.result, CAST(c.ends_on AS TEXT) AS ends_on, "  # noqa: S608 - table names only
        "CAST(a.certificate_issued_on AS TEXT) AS certificate_issued_on "
        f"FROM {a} a JOIN {c} c ON c.id = a.course_id JOIN {m} m ON m.id = a.member_id "
        f"JOIN {h} h ON h.id = m.household_id",
        area="h.village_id",
        household="m.household_id",
        prefix=prefix,
        household_ids=household_ids,
        schema=text,
    )
    return dates(frame, "ends_on", "certificate_issued_on")
