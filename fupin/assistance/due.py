"""Who is due assistance on a date (应帮扶对象): one rule, in three forms side by side.

A household is due assistance on day D when on D it is

- in poverty (未脱贫: "poor" or "returned") or a monitoring object ("monitored"), or
- exited ("exited") and D falls within the transition period after its exit (过渡期,
  脱贫不脱帮扶): from the exit date to the exit date plus the policy's `transition_years`
  (AssistancePolicy of the household's village, the most specific region's; five years
  nationally), both days included. A period ending on 29 February of a year without one
  ends on 28 February.

Candidates and removed households are never due. An exited household beyond its period is
no longer due: it leaves the unpaired list, the automatic assignment and the indicators'
"households to be assisted"; its current pairings are not ended here (ending a pairing is
a decision recorded with a reason, `services.pairing_end`), and a pairing page counts them.

The exit date (脱贫日期) of a household on day D is the local date on which its latest exit
case (`cases.Case` of kind "exit") passed on or before D: the case's last step sets the
status in the same transaction and its `closed_at` is that moment, so the case is where
the exit is dated. A household exited without a passed exit case on record (a status
given outside the procedure, e.g. data migrated from an older system) is dated
31 December of its status year, the year the status was set: the latest day that year
allows, so a household is never dropped early for want of a day. Ending a monitoring
(back to "exited") does not move the exit date; exiting again after a return does.

The forms:

- row: `is_due` (and `transition_end`) for one household, `household_due` reads one from
  the database;
- queryset: `due_q` (a Q over registry households, the exit case as an EXISTS), used by
  the unpaired list and the automatic assignment;
- Polars: `due_expr` over a frame with status, exit date and village code, used by the
  indicator engine (`indicators.frames`), with `exit_dates` reading the exit cases.

The column forms do not add years row by row: for each policy region they compare the
exit date with `earliest_exit(D, years)`, the first exit date whose period still covers D,
computed in Python from `transition_end` itself, so the three forms cannot drift apart
(fupin/assistance/tests/test_due.py proves they agree with Hypothesis).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from fupin.assistance.models import DEFAULT_TRANSITION_YEARS, AssistancePolicy
from fupin.cases.models import Case, CaseStatus
from fupin.cases.procedures import CaseKind
from fupin.core.frames import read_frame
from fupin.core.scope import code_range
from fupin.geo.codes import significant_prefix
from fupin.registry import choices as rc
from fupin.registry.models import Household

S = rc.HouseholdStatus
# Due whatever the date: in poverty, returned to poverty, monitoring objects.
ALWAYS_DUE = (S.POOR.value, S.RETURNED.value, S.MONITORED.value)
EXITED = S.EXITED.value


# ------------------------------------------------------------------ the row form


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (29 February → 28 February in a year without one)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def transition_end(exit_date: dt.date, years: int) -> dt.date:
    """The last day of the transition period of a household exited on `exit_date`."""
    return add_years(exit_date, years)


def fallback_exit_date(status_year: int) -> dt.date:
    """The exit date of a household exited without a passed exit case on record."""
    return dt.date(status_year, 12, 31)


def is_due(*, status: str, exit_date: dt.date | None, on: dt.date, years: int) -> bool:
    """Whether a household with this status (and exit date, for an exited one) on `on` is
    due assistance under a transition period of `years`."""
    if status in ALWAYS_DUE:
        return True
    if status != EXITED or exit_date is None:
        return False
    return on <= transition_end(exit_date, years)


def earliest_exit(on: dt.date, years: int) -> dt.date:
    """The first exit date whose transition period still covers `on`: an exited household
    is due on `on` exactly when its exit date is this day or later (`transition_end` never
    decreases with the exit date, so one comparison replaces the row form's addition)."""
    day = add_years(on, -years)
    while transition_end(day, years) < on:
        day += dt.timedelta(days=1)
    while transition_end(day - dt.timedelta(days=1), years) >= on:
        day -= dt.timedelta(days=1)
    return day


# ------------------------------------------------------------------ the periods


@dataclass(frozen=True)
class Periods:
    """The transition period (years) in force in each region: `regions` holds the
    (code prefix, years) of every region with a policy of its own, most specific first;
    `default` applies elsewhere (the national policy, or the code default). The same
    precedence as `selectors.policy_for`, read once for a whole list or frame."""

    default: int = DEFAULT_TRANSITION_YEARS
    regions: tuple[tuple[str, int], ...] = ()

    def years_for(self, village_code: str) -> int:
        for prefix, years in self.regions:
            if village_code.startswith(prefix):
                return years
        return self.default


def periods() -> Periods:
    """The transition periods of every region, from AssistancePolicy (one query)."""
    default = DEFAULT_TRANSITION_YEARS
    regions = []
    for region_id, years in AssistancePolicy.objects.values_list("region_id", "transition_years"):
        if region_id is None:
            default = years
        else:
            regions.append((significant_prefix(region_id), years))
    regions.sort(key=lambda r: (-len(r[0]), r[0]))
    return Periods(default, tuple(regions))


def _decided(p: Periods, area_prefix: str) -> list[tuple[str | None, int]]:
    """(prefix, years) most specific first, then (None, default): the regions that can
    decide for a household of the area (those inside it or containing it)."""
    out: list[tuple[str | None, int]] = [
        (prefix, years)
        for prefix, years in p.regions
        if prefix.startswith(area_prefix) or area_prefix.startswith(prefix)
    ]
    return [*out, (None, p.default)]


# ------------------------------------------------------------------ the queryset form


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def passed_exits(on: dt.date) -> Q:
    """The passed exit cases closed on or before `on` (local days)."""
    return Q(
        kind=CaseKind.EXIT.value,
        status=CaseStatus.PASSED.value,
        closed_at__lt=_start_of(on + dt.timedelta(days=1)),
    )


def _exited_since(on: dt.date, earliest: dt.date) -> Q:
    exits = Case.objects.filter(passed_exits(on), household=OuterRef("pk"))
    return Q(status=EXITED) & (
        Exists(exits.filter(closed_at__gte=_start_of(earliest)))
        | (~Exists(exits) & Q(status_year__gte=earliest.year))
    )


def due_q(on: dt.date, p: Periods, area_prefix: str = "") -> Q:
    """The households (registry.Household) due assistance on `on`, as a filter."""
    out = Q(status__in=ALWAYS_DUE)
    covered: list[str] = []
    for prefix, years in _decided(p, area_prefix):
        here = Q(village__code__range=code_range(prefix)) if prefix is not None else Q()
        for inner in covered:
            here &= ~Q(village__code__range=code_range(inner))
        out |= here & _exited_since(on, earliest_exit(on, years))
        if prefix is not None:
            covered.append(prefix)
    return out


# ------------------------------------------------------------------ the Polars form


def due_expr(
    on: dt.date,
    p: Periods,
    *,
    status: str = "status",
    exit_date: str = "exit_date",
    village: str = "village_code",
) -> pl.Expr:
    """Whether each household row is due on `on`: `status` and `village` text columns,
    `exit_date` a date column already resolved (`exit_date_expr`)."""
    code = pl.col(village).cast(pl.String)
    regions = _decided(p, "")
    # Nested from the least specific region outwards: the most specific is tested first.
    earliest = pl.lit(earliest_exit(on, regions[-1][1]), pl.Date)
    for prefix, years in reversed(regions[:-1]):
        value = pl.lit(earliest_exit(on, years), pl.Date)
        earliest = pl.when(code.str.starts_with(str(prefix))).then(value).otherwise(earliest)
    st = pl.col(status).cast(pl.String)
    exited = (st == EXITED) & (pl.col(exit_date) >= earliest)
    return (st.is_in(ALWAYS_DUE) | exited).fill_null(False)


def exit_date_expr(case_date: str = "exit_case_date", status_year: str = "status_year") -> pl.Expr:
    """The exit date: the latest passed exit case's day, else 31 December of the status
    year (`fallback_exit_date`)."""
    fallback = pl.date(pl.col(status_year).cast(pl.Int32), 12, 31)
    return pl.coalesce(pl.col(case_date), fallback)


def exit_dates(
    area_prefix: str, on: dt.date, household_ids: list[int] | None = None, chunk: int = 5000
) -> pl.DataFrame:
    """household_id, exit_case_date: the local day of each household's latest exit case
    passed on or before `on`, for the cases of the area (a case keeps its household's
    village, and moves with it) and of `household_ids` (households of the area on `on`
    that have moved out since). Read as text: both databases give the UTC instant as
    'YYYY-MM-DD HH:MM:SS…' (Django keeps the connection in UTC)."""
    lo, hi = code_range(area_prefix)
    until = connection.ops.adapt_datetimefield_value(_start_of(on + dt.timedelta(days=1)))
    select = (
        "SELECT household_id, CAST(MAX(closed_at) AS TEXT) AS closed "  # noqa: S608 - model metadata only
        f"FROM {Case._meta.db_table} WHERE kind = %s AND status = %s AND closed_at < %s AND "
    )
    params = [CaseKind.EXIT.value, CaseStatus.PASSED.value, until]
    schema = {"household_id": pl.Int64, "closed": pl.String}
    parts = [
        read_frame(
            select + "village_id BETWEEN %s AND %s GROUP BY household_id",
            [*params, lo, hi],
            schema=schema,
        )
    ]
    ids = household_ids or []
    for i in range(0, len(ids), chunk):
        part = ids[i : i + chunk]
        marks = ", ".join(["%s"] * len(part))
        parts.append(
            read_frame(
                select + f"household_id IN ({marks}) GROUP BY household_id",
                [*params, *part],
                schema=schema,
            )
        )
    raw = pl.concat(parts).group_by("household_id").agg(pl.col("closed").max())
    local = (
        pl.col("closed")
        .str.slice(0, 19)
        .str.to_datetime("%Y-%m-%d %H:%M:%S", time_zone="UTC")
        .dt.convert_time_zone(timezone.get_default_timezone_name())
        .dt.date()
    )
    return raw.select("household_id", local.alias("exit_case_date"))


# ------------------------------------------------------------------ one household


@dataclass(frozen=True)
class Due:
    due: bool
    exit_date: dt.date | None = None
    until: dt.date | None = None  # the transition period's last day (exited households)


def exit_date_on(
    *, status: str, status_year: int, exit_days: Iterable[dt.date], on: dt.date
) -> dt.date | None:
    """The exit date on `on` of a household with this status and status year whose
    passed exit cases closed on `exit_days` (local days): the latest of them on or before
    `on`, else `fallback_exit_date`; None for a household not exited."""
    if status != EXITED:
        return None
    days = [d for d in exit_days if d <= on]
    return max(days) if days else fallback_exit_date(status_year)


def exit_days_of(household_ids: Iterable[int], chunk: int = 5000) -> dict[int, list[dt.date]]:
    """The local days on which each household's exit cases passed (every one), for
    `exit_date_on` over many households and days at once (a workbook's rows)."""
    out: dict[int, list[dt.date]] = {}
    ids = sorted(set(household_ids))
    for i in range(0, len(ids), chunk):
        rows = Case.objects.filter(
            household_id__in=ids[i : i + chunk],
            kind=CaseKind.EXIT.value,
            status=CaseStatus.PASSED.value,
            closed_at__isnull=False,
        ).values_list("household_id", "closed_at")
        for household_id, closed in rows:
            out.setdefault(household_id, []).append(timezone.localdate(closed))
    return out


def household_exit_date(household: Household, on: dt.date) -> dt.date | None:
    """The exit date of an exited household on `on` (None for any other status)."""
    if household.status != EXITED:
        return None
    closed = (
        Case.objects.filter(passed_exits(on), household=household)
        .order_by("-closed_at")
        .values_list("closed_at", flat=True)
        .first()
    )
    days = [timezone.localdate(closed)] if closed is not None else []
    return exit_date_on(
        status=household.status, status_year=household.status_year, exit_days=days, on=on
    )


def household_due(household: Household, on: dt.date, p: Periods | None = None) -> Due:
    """The row form for one household, read from the database."""
    p = p or periods()
    years = p.years_for(household.village_id)
    exit_date = household_exit_date(household, on)
    due = is_due(status=household.status, exit_date=exit_date, on=on, years=years)
    until = transition_end(exit_date, years) if exit_date is not None else None
    return Due(due, exit_date, until)
