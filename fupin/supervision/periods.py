"""Periods: of task lists (year/quarter/month/week) and of escalation counting.

A period is stored as its kind and its first day; the first day must be where such a
period begins (a quarter on 1 January/April/July/October, a month on the 1st, a week
on a Monday, a year on 1 January). The last day follows from the two.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _

from fupin.supervision.choices import PeriodKind

# The period within which a unit's failures are counted for escalation. Calendar year
# by default; a deployment may set FUPIN_SUPERVISION_PERIOD = "half" or "quarter".
ESCALATION_PERIODS = {"year": 12, "half": 6, "quarter": 3}


def _add_months(day: dt.date, months: int) -> dt.date:
    m = day.month - 1 + months
    return dt.date(day.year + m // 12, m % 12 + 1, 1)


def period_start_error(kind: str, start: dt.date) -> str | None:
    """Why `start` cannot begin a period of `kind`, or None when it can."""
    if kind == PeriodKind.YEAR and (start.month, start.day) != (1, 1):
        return _("A year starts on 1 January.")
    if kind == PeriodKind.QUARTER and (start.day != 1 or start.month not in (1, 4, 7, 10)):
        return _("A quarter starts on 1 January, 1 April, 1 July or 1 October.")
    if kind == PeriodKind.MONTH and start.day != 1:
        return _("A month starts on its first day.")
    if kind == PeriodKind.WEEK and start.weekday() != 0:
        return _("A week starts on a Monday.")
    if kind not in PeriodKind.values:
        return _("Unknown kind of period.")
    return None


def period_end(kind: str, start: dt.date) -> dt.date:
    if kind == PeriodKind.WEEK:
        return start + dt.timedelta(days=6)
    months: dict[str, int] = {PeriodKind.YEAR: 12, PeriodKind.QUARTER: 3, PeriodKind.MONTH: 1}
    return _add_months(start, months[kind]) - dt.timedelta(days=1)


def period_containing(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period of `kind` that contains `day`: (first day, last day)."""
    if kind == PeriodKind.WEEK:
        start = day - dt.timedelta(days=day.weekday())
    elif kind == PeriodKind.MONTH:
        start = day.replace(day=1)
    elif kind == PeriodKind.QUARTER:
        start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    else:
        start = dt.date(day.year, 1, 1)
    return start, period_end(kind, start)


def escalation_period_kind() -> str:
    kind = getattr(settings, "FUPIN_SUPERVISION_PERIOD", "year")
    return kind if kind in ESCALATION_PERIODS else "year"


def escalation_period(day: dt.date, kind: str | None = None) -> tuple[dt.date, dt.date]:
    """The escalation period containing `day` (calendar year by default)."""
    months = ESCALATION_PERIODS[kind or escalation_period_kind()]
    first_month = months * ((day.month - 1) // months) + 1
    start = dt.date(day.year, first_month, 1)
    return start, _add_months(start, months) - dt.timedelta(days=1)
