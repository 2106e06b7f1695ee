"""Reading the registry for the quality checks, running them, and scoring areas.

The registry is read with one SQL query per table, restricted to the area by the range of
12-digit division codes (`core.scope.code_range`), straight into Polars frames; the rules
(`quality.rules`) are vectorised expressions over those frames. Nothing goes through the
ORM row by row, so a prefecture of 10^6 people is checked in seconds.

Quality score, the same at every level (village, township, county, …)::

    score = 100 × (1 − (E + W / 2) ÷ N)

where N is the number of households checked in the area, E the households with at least
one error-severity violation, and W the households with warnings but no error. A household
counts once, however many violations it has. Because E, W and N are counts of households,
the score of a township is computed from the summed counts of its villages (not an average
of village scores), so the levels aggregate consistently. An area without households has
no score.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.http import Http404
from django.utils import timezone

from fupin.accounts.models import User
from fupin.core.frames import read_frame
from fupin.core.masking import mask_id_number
from fupin.core.scope import area_prefix_of, code_range
from fupin.geo.models import PREFIX_LENGTH, Division, Level
from fupin.quality.hooks import FindingLink, finding_links, has_links
from fupin.quality.rules import (
    DEATH_SCHEMA,
    ERROR,
    HOUSEHOLD_SCHEMA,
    INCOME_SCHEMA,
    MEMBER_SCHEMA,
    MONEY_COLUMNS,
    RULES,
    RULES_BY_CODE,
    VIOLATION_SCHEMA,
    WARNING,
    Frames,
)
from fupin.registry import choices as c
from fupin.registry.models import Household, IncomeRecord, Member, MemberChange

COUNTY_PREFIX = PREFIX_LENGTH[Level.COUNTY]

# ------------------------------------------------------------------ reading


def _fetch(
    sql: str, params: list[Any], schema: dict[str, Any], dates: tuple[str, ...] = ()
) -> pl.DataFrame:
    """One query into a frame (core.frames: COPY on PostgreSQL), its columns named by
    `schema` in order. Dates come as ISO text (the same on SQLite and PostgreSQL)."""
    raw = read_frame(sql, params)
    raw = raw.rename(dict(zip(raw.columns, schema, strict=True)))
    return raw.with_columns(
        pl.col(k).str.slice(0, 10).str.to_date("%Y-%m-%d") if k in dates else pl.col(k).cast(v)
        for k, v in schema.items()
    )


def load_frames(prefix: str, *, today: dt.date | None = None) -> Frames:
    """The frames the rules read, for the area whose code starts with `prefix`."""
    lo, hi = code_range(prefix)
    h = Household._meta.db_table
    m = Member._meta.db_table
    i = IncomeRecord._meta.db_table
    mc = MemberChange._meta.db_table
    removed = c.HouseholdStatus.REMOVED.value
    # Only table names from the models and fixed column names are put into the SQL text;
    # every value is a bound parameter (hence the S608 exemptions below).
    scope = "h.village_id BETWEEN %s AND %s AND h.status <> %s"
    params = [lo, hi, removed]

    households = _fetch(
        f"SELECT h.id, h.number, h.village_id, h.status, h.main_cause FROM {h} h WHERE {scope}",  # noqa: S608
        params,
        HOUSEHOLD_SCHEMA,
    )
    members = _fetch(
        "SELECT m.id, m.household_id, m.id_number, m.name, m.sex, CAST(m.birth_date AS TEXT), "  # noqa: S608
        "m.relation, m.education, m.school_status, m.health, m.labour "
        f"FROM {m} m JOIN {h} h ON h.id = m.household_id "
        f"WHERE {scope} AND m.is_active = %s",
        [*params, True],
        MEMBER_SCHEMA,
        dates=("birth_date",),
    )
    money = ", ".join(f"CAST(ROUND(i.{col} * 100) AS BIGINT)" for col in MONEY_COLUMNS)
    incomes = _fetch(
        f"SELECT i.household_id, i.year, i.household_size, {money} "  # noqa: S608
        f"FROM {i} i JOIN {h} h ON h.id = i.household_id "
        f"WHERE {scope} AND i.year = "
        f"(SELECT MAX(i2.year) FROM {i} i2 WHERE i2.household_id = i.household_id)",
        params,
        INCOME_SCHEMA,
    )
    deaths = _fetch(
        f"SELECT mc.member_id, CAST(mc.date AS TEXT) FROM {mc} mc "  # noqa: S608
        f"JOIN {h} h ON h.id = mc.household_id WHERE {scope} AND mc.kind = %s",
        [*params, c.MemberChangeKind.DEATH.value],
        DEATH_SCHEMA,
        dates=("date",),
    )
    return Frames(
        households=households,
        members=members,
        incomes=incomes,
        deaths=deaths,
        today=today or timezone.localdate(),
    )


# ------------------------------------------------------------------ checking


def run_rules(frames: Frames, codes: list[str] | None = None) -> pl.DataFrame:
    """Every violation: rule, severity, household_id, member_id, a, b, c, village_code,
    household_number."""
    parts = []
    for rule in RULES:
        if codes and rule.code not in codes:
            continue
        found = rule.check(frames).select(
            pl.lit(rule.code).alias("rule"),
            pl.lit(rule.severity).alias("severity"),
            *[pl.col(k).cast(v) for k, v in VIOLATION_SCHEMA.items()],
        )
        parts.append(found)
    if not parts:
        return pl.DataFrame(
            schema={"rule": pl.String, "severity": pl.String, **VIOLATION_SCHEMA}
        ).with_columns(village_code=pl.lit(""), household_number=pl.lit(""))
    households = frames.households.select(
        pl.col("id").alias("household_id"),
        "village_code",
        pl.col("number").alias("household_number"),
    )
    return (
        pl.concat(parts)
        .join(households, on="household_id", how="left")
        .sort(["village_code", "household_id", "rule", "member_id"], nulls_last=False)
    )


@dataclass
class AreaScore:
    code: str
    households: int
    people: int
    with_error: int
    with_warning: int  # warnings but no error
    violations: int
    name: str = ""
    level: int | None = None

    @property
    def score(self) -> float | None:
        return score(self.households, self.with_error, self.with_warning)


def score(households: int, with_error: int, with_warning: int) -> float | None:
    """100 × (1 − (E + W/2) ÷ N), one decimal; None without households. See module doc."""
    if not households:
        return None
    return round(100 * (1 - (with_error + with_warning / 2) / households), 1)


@dataclass
class Report:
    prefix: str
    frames: Frames
    violations: pl.DataFrame
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def people(self) -> int:
        return self.frames.members.height

    @property
    def households(self) -> int:
        return self.frames.households.height

    def counts_by_rule(self) -> dict[str, int]:
        counts = dict(self.violations.group_by("rule").len().iter_rows())
        return {r.code: int(counts.get(r.code, 0)) for r in RULES}

    def scores(self, length: int) -> list[AreaScore]:
        """One AreaScore per area whose code prefix has `length` digits (12 = villages)."""
        key = pl.col("village_code").str.slice(0, length).alias("area")
        hh = self.frames.households.select(pl.col("id").alias("household_id"), key)
        people = (
            self.frames.members.select("household_id")
            .join(hh, on="household_id")
            .group_by("area")
            .agg(people=pl.len())
        )
        per_household = self.violations.group_by("household_id").agg(
            err=(pl.col("severity") == ERROR).any(),
            warn=(pl.col("severity") == WARNING).any(),
            n=pl.len(),
        )
        table = (
            hh.join(per_household, on="household_id", how="left")
            .group_by("area")
            .agg(
                households=pl.len(),
                with_error=pl.col("err").fill_null(False).sum(),
                with_warning=(
                    pl.col("warn").fill_null(False) & ~pl.col("err").fill_null(False)
                ).sum(),
                violations=pl.col("n").fill_null(0).sum(),
            )
            .join(people, on="area", how="left")
            .with_columns(pl.col("people").fill_null(0))
            .sort("area")
        )
        return [
            AreaScore(
                code=r["area"],
                households=r["households"],
                people=r["people"],
                with_error=r["with_error"],
                with_warning=r["with_warning"],
                violations=r["violations"],
            )
            for r in table.iter_rows(named=True)
        ]

    def total(self) -> AreaScore:
        rows = self.scores(0)
        if rows:
            return rows[0]
        return AreaScore(self.prefix, 0, 0, 0, 0, 0)


def check_area(prefix: str, *, today: dt.date | None = None) -> Report:
    """Load the area and run every rule."""
    t0 = time.perf_counter()
    frames = load_frames(prefix, today=today)
    t1 = time.perf_counter()
    violations = run_rules(frames)
    t2 = time.perf_counter()
    return Report(prefix, frames, violations, {"load": t1 - t0, "check": t2 - t1})


def division_for_code(code: str) -> Division:
    """The division with this code (a 12-digit code, or its significant prefix)."""
    code = (code or "").strip()
    division = Division.objects.filter(code=code.ljust(12, "0")).first()
    if division is None:
        raise Division.DoesNotExist(code)
    return division


# ------------------------------------------------------------------ for pages


def _named(scores: list[AreaScore], length: int) -> list[AreaScore]:
    codes = [s.code.ljust(12, "0") for s in scores]
    divisions = {d.code: d for d in Division.objects.filter(code__in=codes)}
    for s in scores:
        d = divisions.get(s.code.ljust(12, "0"))
        s.name = d.name if d else s.code
        s.level = d.level if d else None
        s.code = s.code.ljust(12, "0")
    return scores


@dataclass
class Overview:
    area: Division | None
    total: AreaScore
    townships: list[AreaScore]
    villages: list[AreaScore]
    counts: list[tuple[Any, ...]]  # (rule, count, findings with an open record or None)


def _linked(user: User, violations: pl.DataFrame) -> dict[str, dict[int, list[FindingLink]]]:
    """The records of the apps above (quality.hooks) answering the member findings of
    each rule that has any registered, by rule and member."""
    out: dict[str, dict[int, list[FindingLink]]] = {}
    for rule in RULES:
        if not has_links(rule.code):
            continue
        ids = (
            violations.filter((pl.col("rule") == rule.code) & pl.col("member_id").is_not_null())[
                "member_id"
            ]
            .unique()
            .to_list()
        )
        out[rule.code] = finding_links(user, rule.code, ids)
    return out


def overview(*, user: User) -> Overview:
    """Scores of the user's area, its townships and villages (scoped to the user), and per
    rule its findings and, for a rule whose findings an app above follows up (the
    education ledger's dropout cases for Q06), how many of them have an open record."""
    prefix = area_prefix_of(user)
    if prefix is None:
        raise Http404
    report = check_area(prefix)
    counts = report.counts_by_rule()
    linked = _linked(user, report.violations)
    followed = {
        code: sum(1 for links in by_member.values() if any(link.open for link in links))
        for code, by_member in linked.items()
    }
    return Overview(
        area=user.area,
        total=report.total(),
        townships=_named(report.scores(PREFIX_LENGTH[Level.TOWNSHIP]), 9),
        villages=_named(report.scores(PREFIX_LENGTH[Level.VILLAGE]), 12),
        counts=[(RULES_BY_CODE[code], n, followed.get(code)) for code, n in counts.items()],
    )


@dataclass
class VillageViolation:
    rule: object
    household_id: int
    household_number: str
    member_name: str
    member_id_number: str  # masked
    detail: str
    # Records of the apps above that answer the finding (quality.hooks).
    links: list[FindingLink] = field(default_factory=list)


@dataclass
class VillageReport:
    village: Division
    score: AreaScore
    violations: list[VillageViolation]
    counts: list[tuple[Any, ...]]


def village_report(*, user: User, code: str) -> VillageReport:
    """A village's violations; 404 unless it is a village in the user's area.

    The checks run on the village's county, or on the user's area if that is smaller, and
    are then cut to the village: cross-household rules (Q14) then see the same people as
    on the overview, and never people outside the user's area.
    """

    village = Division.objects.restrict(user).filter(code=code, level=Level.VILLAGE).first()
    if village is None:
        raise Http404
    user_prefix = area_prefix_of(user) or ""
    county = village.code[:COUNTY_PREFIX]
    prefix = user_prefix if len(user_prefix) > len(county) else county
    report = check_area(prefix)
    rows = report.violations.filter(pl.col("village_code") == village.code)
    names = report.frames.members.select(pl.col("id").alias("member_id"), "name", "id_number")
    rows = rows.join(names, on="member_id", how="left")
    linked = _linked(user, rows)
    violations = [
        VillageViolation(
            rule=RULES_BY_CODE[r["rule"]],
            household_id=r["household_id"],
            household_number=r["household_number"],
            member_name=r["name"] or "",
            member_id_number=mask_id_number(r["id_number"]),
            detail=RULES_BY_CODE[r["rule"]].describe(r["a"], r["b"], r["c"]),
            links=linked.get(r["rule"], {}).get(r["member_id"], []),
        )
        for r in rows.iter_rows(named=True)
    ]
    scores = [s for s in report.scores(12) if s.code == village.code]
    total = scores[0] if scores else AreaScore(village.code, 0, 0, 0, 0, 0)
    by_rule = dict(rows.group_by("rule").len().iter_rows())
    counts = [(rule, int(by_rule[rule.code])) for rule in RULES if rule.code in by_rule]
    return VillageReport(village=village, score=total, violations=violations, counts=counts)
