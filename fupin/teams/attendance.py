"""The attendance rule (驻村考勤), stated once, in a row form and a column form side by
side (`tests/test_attendance.py` proves with Hypothesis that they agree).

For one member's term over a period [start, end] (both included), month by month:

- **due days**: the days of the month inside the period and inside the term, less the
  days of approved leave (请假): leave reduces the requirement, it is not counted as
  absence;
- **required** = ⌈R × due days ÷ days of the month⌉, R the team rules' days in the
  village per month in force on the first of that month (`TeamRules.required_days`):
  a whole month without leave requires R, a part of a month its share, rounded up;
- **present**: the days with a check-in that are due days (a check-in on a leave day
  counts for nothing);
- **credited** = min(present, required) in each month: days beyond a month's
  requirement do not make up for another month or another member;
- **rate** = Σ credited ÷ Σ required over the months (and over the members of a team or
  the teams of a township); no rate where nothing was required;
- a member is **under the requirement** when Σ present < Σ required.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

ONE_DAY = dt.timedelta(days=1)
RATE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Days:
    """Days required, present (checked in on a due day), credited toward the
    requirement, and on approved leave; `rate` = credited ÷ required (None: nothing
    required)."""

    required: int = 0
    present: int = 0
    credited: int = 0
    leave: int = 0

    @property
    def rate(self) -> Decimal | None:
        return rate(self.credited, self.required)

    @property
    def under(self) -> bool:
        return self.present < self.required

    def __add__(self, other: Days) -> Days:
        return Days(
            self.required + other.required,
            self.present + other.present,
            self.credited + other.credited,
            self.leave + other.leave,
        )


def rate(credited: int, required: int) -> Decimal | None:
    if required <= 0:
        return None
    return (Decimal(credited) / Decimal(required)).quantize(RATE_PLACES, ROUND_HALF_UP)


def required_days(per_month: int, due: int, month_days: int) -> int:
    """⌈per_month × due ÷ month_days⌉ in whole numbers."""
    return -(-per_month * due // month_days)


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def days_in_month(day: dt.date) -> int:
    nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (nxt - ONE_DAY).day


# ---------------------------------------------------------------- the row form


def term_days(
    *,
    term_start: dt.date,
    term_end: dt.date | None,
    leaves: Iterable[tuple[dt.date, dt.date]],
    checkins: Iterable[dt.date],
    per_month: Callable[[dt.date], int],
    start: dt.date,
    end: dt.date,
) -> Days:
    """One term's days over [start, end]: `leaves` the approved leaves (from, to),
    `checkins` the days checked in, `per_month(first of month)` the requirement R."""
    lo = max(start, term_start)
    hi = min(end, term_end) if term_end is not None else end
    on_leave = set()
    for a, b in leaves:
        d = max(a, lo)
        while d <= min(b, hi):
            on_leave.add(d)
            d += ONE_DAY
    checked = set(checkins)
    months: dict[dt.date, list[int]] = {}  # month → [due, present, leave]
    d = lo
    while d <= hi:
        m = months.setdefault(month_of(d), [0, 0, 0])
        if d in on_leave:
            m[2] += 1
        else:
            m[0] += 1
            m[1] += d in checked
        d += ONE_DAY
    total = Days()
    for month, (due, present, leave) in months.items():
        required = required_days(per_month(month), due, days_in_month(month))
        total = total + Days(required, present, min(present, required), leave)
    return total


# ---------------------------------------------------------------- the column form

TERMS_SCHEMA = {
    "term_id": pl.Int64,
    "team_id": pl.Int64,
    "cadre_id": pl.Int64,
    "start": pl.Date,
    "end": pl.Date,
}
OUT_SCHEMA = {
    "term_id": pl.Int64,
    "team_id": pl.Int64,
    "cadre_id": pl.Int64,
    "required": pl.Int64,
    "present": pl.Int64,
    "credited": pl.Int64,
    "leave": pl.Int64,
}


def _days(frame: pl.DataFrame, lo: str, hi: str, key: str) -> pl.DataFrame:
    """One row per (key, day) of each row's [lo, hi] (rows with lo > hi give none)."""
    frame = frame.filter(pl.col(lo) <= pl.col(hi))
    return (
        frame.select(pl.col(key), pl.date_ranges(pl.col(lo), pl.col(hi), "1d").alias("day"))
        .explode("day")
        .unique()
    )


def terms_days(
    terms: pl.DataFrame,
    leaves: pl.DataFrame,
    checkins: pl.DataFrame,
    requirement: pl.DataFrame,
    start: dt.date,
    end: dt.date,
) -> pl.DataFrame:
    """`term_days` for whole columns: `terms` (term_id, team_id, cadre_id, start, end —
    end null: open), `leaves` (term_id, start, end) approved, `checkins` (term_id, day),
    `requirement` (team_id, month, per_month) for every team and month of the period.
    One row per term with any day in the period: OUT_SCHEMA."""
    clipped = terms.with_columns(
        pl.max_horizontal(pl.col("start"), pl.lit(start)).alias("lo"),
        pl.min_horizontal(pl.col("end").fill_null(pl.lit(end)), pl.lit(end)).alias("hi"),
    )
    days = _days(clipped, "lo", "hi", "term_id")
    leave_days = _days(
        leaves.join(clipped.select("term_id", "lo", "hi"), on="term_id").with_columns(
            pl.max_horizontal("start", "lo").alias("a"),
            pl.min_horizontal("end", "hi").alias("b"),
        ),
        "a",
        "b",
        "term_id",
    ).with_columns(pl.lit(True).alias("on_leave"))
    checked = checkins.select("term_id", "day").unique().with_columns(pl.lit(True).alias("in"))
    per_day = (
        days.join(leave_days, on=["term_id", "day"], how="left")
        .join(checked, on=["term_id", "day"], how="left")
        .with_columns(
            pl.col("on_leave").fill_null(False),
            pl.col("in").fill_null(False),
            pl.col("day").dt.truncate("1mo").alias("month"),
        )
    )
    months = (
        per_day.group_by("term_id", "month")
        .agg(
            (~pl.col("on_leave")).sum().cast(pl.Int64).alias("due"),
            (pl.col("in") & ~pl.col("on_leave")).sum().cast(pl.Int64).alias("present"),
            pl.col("on_leave").sum().cast(pl.Int64).alias("leave"),
        )
        .join(clipped.select("term_id", "team_id", "cadre_id"), on="term_id")
        .join(requirement, on=["team_id", "month"], how="left")
        .with_columns(pl.col("month").dt.month_end().dt.day().cast(pl.Int64).alias("mdays"))
        .with_columns(
            (
                (pl.col("per_month").cast(pl.Int64) * pl.col("due") + pl.col("mdays") - 1)
                // pl.col("mdays")
            ).alias("required")
        )
        .with_columns(pl.min_horizontal("present", "required").alias("credited"))
    )
    out = months.group_by("term_id", "team_id", "cadre_id").agg(
        pl.col("required").sum(),
        pl.col("present").sum(),
        pl.col("credited").sum(),
        pl.col("leave").sum(),
    )
    return out.select([pl.col(k).cast(v) for k, v in OUT_SCHEMA.items()]).sort("term_id")


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    out, m = [], month_of(start)
    while m <= end:
        out.append(m)
        m = (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out
