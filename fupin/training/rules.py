"""The rules of training, each in one place, with a row form (one attendance, for the
services and the workbook import) and, where the figures need it, a column form (Polars,
for the indicator engine). Tests check that the two forms agree.

Who may be recorded at a course: a current member of a household due assistance on the
day the course starts (`programmes.due`), aged 16 or more that day (working age, 劳动
年龄); the course has started by the day it is recorded.

A certificate (证书) is recorded with its kind, number and day of issue together, only
for a completed course, issued between the course's first day and today.

On day D a person is *trained* when an attendance of theirs is completed and its course
ended on or before D, and *certified* when such an attendance holds a certificate issued
on or before D. A *labourer* (劳动力) is a person whose labour capacity is skilled,
ordinary, or weak or half labour (`registry.choices.LabourCapacity`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from django.utils.translation import gettext as _

from fupin.programmes.due import not_due_reason
from fupin.registry.choices import WORKING_CAPACITIES
from fupin.training.models import AttendanceResult

MIN_AGE = 16
MAX_HOURS = 2000
LABOURER = WORKING_CAPACITIES
COMPLETED = AttendanceResult.COMPLETED.value


def course_refusals(
    *, starts_on: dt.date | None, ends_on: dt.date | None, hours: Any
) -> list[tuple[str, str]]:
    """Why a course's dates or hours are wrong: (field, reason) pairs; empty: right."""
    out: list[tuple[str, str]] = []
    if starts_on and ends_on and ends_on < starts_on:
        out.append(("ends_on", _("A course ends on or after the day it starts.")))
    if not isinstance(hours, int) or not 1 <= hours <= MAX_HOURS:
        out.append(("hours", _("Between 1 and %(n)d class hours.") % {"n": MAX_HOURS}))
    return out


def attendance_refusals(
    *, household: Any, member: Any, course: Any, due: bool, today: dt.date
) -> list[tuple[str, str]]:
    """Why the member may not be recorded at the course: (field, reason) pairs; empty:
    it may. `due`: the household is due assistance on the course's first day."""
    out: list[tuple[str, str]] = []
    if not due:
        out.append(("household", not_due_reason(household.status, course.starts_on)))
    if member is None or member.household_id != household.pk or not member.is_active:
        out.append(("member", _("The person must be a current member of the household.")))
    else:
        age = member.age_on(course.starts_on)
        if age < MIN_AGE:
            out.append(
                (
                    "member",
                    _("Only people aged %(n)d or more may be trained (%(age)d on the first day).")
                    % {"n": MIN_AGE, "age": age},
                )
            )
    if course.starts_on > today:
        out.append(("course", _("The course has not started yet.")))
    return out


def certificate_refusals(
    *,
    result: str,
    kind: str,
    number: str,
    issued_on: dt.date | None,
    course_starts_on: dt.date,
    today: dt.date,
) -> list[tuple[str, str]]:
    """Why an attendance's certificate is wrong: (field, reason) pairs; empty: right
    (no certificate at all is right)."""
    given = [bool(kind), bool(number), issued_on is not None]
    if not any(given):
        return []
    out: list[tuple[str, str]] = []
    if not all(given):
        out.append(
            (
                "certificate_number",
                _("A certificate is recorded with its kind, number and day of issue."),
            )
        )
    if result != COMPLETED:
        out.append(("result", _("Only a completed course gives a certificate.")))
    if issued_on is not None and not course_starts_on <= issued_on <= today:
        out.append(
            (
                "certificate_issued_on",
                _("A certificate is issued between the first day of the course and today."),
            )
        )
    return out


# ------------------------------------------------------------------ a person on a day


def is_labourer(labour: str | None) -> bool:
    return labour in LABOURER


def labourer_expr(labour: pl.Expr) -> pl.Expr:
    """Column form of `is_labourer`."""
    return labour.is_in(list(LABOURER)).fill_null(False)


def attendance_state(
    *, result: str, ends_on: dt.date, issued_on: dt.date | None, day: dt.date
) -> tuple[bool, bool]:
    """(trained, certified) by one attendance on `day` (row form)."""
    trained = result == COMPLETED and ends_on <= day
    return trained, trained and issued_on is not None and issued_on <= day


ATTENDANCE_SCHEMA = {
    "person_id": pl.Int64,
    "result": pl.String,
    "ends_on": pl.Date,
    "certificate_issued_on": pl.Date,
}


def attendance_states(attendances: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """Column form of `attendance_state`: the rows (ATTENDANCE_SCHEMA) with `trained`
    and `certified`."""
    trained = ((pl.col("result") == COMPLETED) & (pl.col("ends_on") <= day)).fill_null(False)
    certified = trained & (pl.col("certificate_issued_on") <= day).fill_null(False)
    return attendances.with_columns(trained=trained, certified=certified)


def household_counts(
    attendances: pl.DataFrame, people: pl.DataFrame, day: dt.date, start: dt.date
) -> pl.DataFrame:
    """Per household on `day`: household_id, tr_trained (labourers trained),
    tr_certified (labourers certified), tr_completions (completed attendances of courses
    that ended from `start` to `day`). `people`: person_id, household_id, labour of the
    people in their households on `day` (a person counts in that household)."""
    states = attendance_states(attendances, day)
    per_person = states.group_by("person_id").agg(
        trained=pl.col("trained").any(),
        certified=pl.col("certified").any(),
        completions=(pl.col("trained") & (pl.col("ends_on") >= start)).sum(),
    )
    joined = people.select("person_id", "household_id", "labour").join(
        per_person, on="person_id", how="inner"
    )
    labourer = labourer_expr(pl.col("labour"))
    return joined.group_by("household_id").agg(
        tr_trained=(labourer & pl.col("trained")).sum().cast(pl.Int32),
        tr_certified=(labourer & pl.col("certified")).sum().cast(pl.Int32),
        tr_completions=pl.col("completions").sum().cast(pl.Int32),
    )
