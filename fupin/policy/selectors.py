"""Which policy set applies where and when."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
from django.db.models import Q, QuerySet

from fupin.accounts.authority import FourEyesSetting
from fupin.core.errors import DomainError
from fupin.core.frames import read_frame
from fupin.core.scope import code_range
from fupin.geo.codes import ancestor_codes, significant_prefix
from fupin.policy.models import PolicySet
from fupin.policy.rules import key_assistance_frame
from fupin.registry.models import Household, Member


class NoPolicy(DomainError):
    code = "no_policy"
    status = 409


def current_policy(area_code: str, on: dt.date | None = None, year: int | None = None) -> PolicySet:
    """The policy set in force for an area on a date: for the given year (default the
    date's year, or the latest year that has one), the most specific region first (a
    county's own set, then its province's, then the national default), and of that the
    latest version already in effect."""
    on = on or dt.date.today()
    regions = ancestor_codes(area_code)
    base = PolicySet.objects.filter(
        Q(region_id__in=regions) | Q(region__isnull=True), effective_from__lte=on
    )
    # One query: the sets of the year, or of every year up to the date's (a handful of
    # rows a year), and the latest year that has one.
    candidates = list(
        (base.filter(year=year) if year else base.filter(year__lte=on.year)).select_related(
            "region"
        )
    )
    if candidates:
        latest = max(p.year for p in candidates)
        rank: dict[str | None, int] = {code: i for i, code in enumerate(regions)}
        return min(
            (p for p in candidates if p.year == latest),
            key=lambda p: (rank.get(p.region_id, len(regions)), -p.version, -p.pk),
        )
    raise NoPolicy(f"no policy set in force for {area_code} on {on}")


# The first year with an income line (the national defaults run from 2013).
FIRST_LINE_YEAR = 2013


class NoIncomeLine(NoPolicy, ValueError):
    """No income line for the year: a `NoPolicy` (409 on a page) and a ValueError."""

    code = "no_income_line"


def income_line(year: int, area_code: str = "") -> Decimal:
    """The income line for `year` in `area_code` (the nation's when "" or no region of its
    own): the line of the policy set in force on 31 December of the year, i.e. of the year
    itself or, after the last year that has a policy set, of the latest one before it.
    Before 2013 there is none: NoIncomeLine (both a NoPolicy and a ValueError).

    The one definition: quality rules, monitoring features and the exit test's
    "stably above" years all call it."""
    if year < FIRST_LINE_YEAR:
        raise NoIncomeLine(f"no income line before {FIRST_LINE_YEAR}: {year}")
    try:
        return current_policy(area_code or "", on=dt.date(year, 12, 31)).income_line
    except NoPolicy as exc:
        raise NoIncomeLine(str(exc)) from exc


def versions_of(policy: PolicySet) -> QuerySet[PolicySet]:
    return PolicySet.objects.filter(region_id=policy.region_id, year=policy.year).order_by(
        "-version"
    )


DEFAULT_NOTICE_GRACE_DAYS = 30


def notice_grace_days(area_code: str, on: dt.date | None = None) -> int:
    """How many days a notice's public page stays up after its period, by the policy set
    in force for the area (the default when none is)."""
    try:
        return current_policy(area_code, on=on).notice_grace_days
    except NoPolicy:
        return DEFAULT_NOTICE_GRACE_DAYS


def four_eyes_setting(area_code: str) -> FourEyesSetting:
    """The four-eyes setting of the policy set in force for the area today (on when no
    policy set is in force)."""

    try:
        p = current_policy(area_code)
    except NoPolicy:
        return FourEyesSetting()
    return FourEyesSetting(on=p.four_eyes, countersign_above=p.countersign_above, source=str(p))


def key_assistance_counts(area_code: str, on: dt.date | None = None) -> pl.DataFrame:
    """The key-assistance flag over an area, in whole columns: one row per village with
    `households` (with at least one active member), `flagged` and `codes` (the criteria
    that flagged someone), by the criteria of the policy in force in each county
    (`rules.key_assistance_frame`, the column form of the household page's flag)."""
    prefix = significant_prefix(area_code)
    low, high = code_range(prefix)
    member, household = Member._meta.db_table, Household._meta.db_table
    sql = (
        f"SELECT m.household_id, h.village_id, m.health, m.labour FROM {member} m "  # noqa: S608
        f"JOIN {household} h ON h.id = m.household_id "
        "WHERE m.is_active = %s AND h.village_id BETWEEN %s AND %s"
    )
    members = read_frame(
        sql,
        [True, low, high],
        {
            "household_id": pl.Int64,
            "village_id": pl.String,
            "health": pl.String,
            "labour": pl.String,
        },
    )
    out = []
    counties = members.get_column("village_id").str.slice(0, 6).unique().sort().to_list()
    for county in counties:
        part = members.filter(pl.col("village_id").str.starts_with(county))
        try:
            criteria = current_policy(county, on=on).key_assistance or []
        except NoPolicy:
            criteria = []
        flags = key_assistance_frame(criteria, part.drop("village_id"))
        villages = part.select("household_id", "village_id").unique()
        out.append(
            villages.join(flags, on="household_id", how="left")
            .group_by("village_id")
            .agg(
                households=pl.len(),
                flagged=(pl.col("codes").list.len().fill_null(0) > 0).sum(),
                codes=pl.col("codes").list.explode().drop_nulls().unique().sort(),
            )
        )
    if not out:
        return pl.DataFrame(
            schema={
                "village_id": pl.String,
                "households": pl.UInt32,
                "flagged": pl.UInt32,
                "codes": pl.List(pl.String),
            }
        )
    return pl.concat(out).sort("village_id")


def income_lines_frame(years: list[int], village_codes: list[str]) -> pl.DataFrame:
    """The column form of `income_line` for the villages of a frame: (county, year,
    line_cents), one row per county (the 6-digit prefix of the villages, the lowest level
    a policy set is written for) and year from 2013 on: a county in a province with its
    own line gets the provincial line, not the national one."""
    counties = sorted({code[:6] for code in village_codes if code})
    rows = [
        (county, y, int(income_line(y, county) * 100))
        for county in counties
        for y in sorted(set(years))
        if y >= FIRST_LINE_YEAR
    ]
    return pl.DataFrame(
        rows,
        schema={"county": pl.String, "year": pl.Int64, "line_cents": pl.Int64},
        orient="row",
    )
