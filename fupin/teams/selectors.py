"""Reads of the work teams: the rules in force, the roster check, the teams a user may
see, and the attendance rates (`attendance_rates`, read by other apps too)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db.models import QuerySet

from fupin.accounts.models import User
from fupin.assistance.models import Cadre, TeamMembership, WorkTeam
from fupin.core.scope import RestrictedQuerySet, area_prefix_of, household_scoped, user_covers
from fupin.core.types import MaybeUser
from fupin.geo.codes import ancestor_codes, significant_prefix
from fupin.teams import attendance
from fupin.teams import choices as c
from fupin.teams.attendance import Days

__all__ = ["AttendanceRates", "Days", "attendance_rates"]
from fupin.teams.models import (
    DEFAULT_MIN_MEMBERS,
    DEFAULT_REQUIRED_DAYS,
    DEFAULT_ROTATION_MONTHS,
    CheckIn,
    DiaryEntry,
    Leave,
    LedgerEntry,
    QuarterlyReport,
    TeamRules,
)

# ---------------------------------------------------------------- the rules in force


@dataclass(frozen=True)
class Rules:
    min_members: int = DEFAULT_MIN_MEMBERS
    rotation_months: int = DEFAULT_ROTATION_MONTHS
    required_days: int = DEFAULT_REQUIRED_DAYS
    needs_first_secretary: bool = True
    needs_leader: bool = True
    source: TeamRules | None = None  # the row that decided (None: the defaults)


def _rules(row: TeamRules | None) -> Rules:
    if row is None:
        return Rules()
    return Rules(
        row.min_members,
        row.rotation_months,
        row.required_days,
        row.needs_first_secretary,
        row.needs_leader,
        row,
    )


class RuleBook:
    """Every rules row, read once: `for_(village, day)` is the most specific region's
    latest version in force on the day, then the national one, then the defaults."""

    def __init__(self) -> None:
        self.by_region: dict[str | None, list[TeamRules]] = {}
        for row in TeamRules.objects.order_by("-effective_from", "-id"):
            self.by_region.setdefault(row.region_id, []).append(row)

    def for_(self, area_code: str, day: dt.date) -> Rules:
        for region in [*ancestor_codes(area_code), None]:
            for row in self.by_region.get(region, []):
                if row.effective_from <= day:
                    return _rules(row)
        return Rules()


def rules_for(area_code: str, day: dt.date) -> Rules:
    return RuleBook().for_(area_code, day)


def rules_versions(user: User) -> QuerySet[TeamRules]:
    """The rules rows of the user's area and above (a region's rules apply below it)."""
    prefix = area_prefix_of(user)
    if prefix is None:
        return TeamRules.objects.none()
    codes = ancestor_codes(prefix) if prefix else []
    qs = TeamRules.objects.filter(region__isnull=True) | TeamRules.objects.filter(
        region_id__in=codes
    )
    if prefix:
        qs = qs | TeamRules.objects.in_area(prefix)
    return qs.select_related("region").order_by("region_id", "-effective_from")


# ---------------------------------------------------------------- teams a user sees


def team_queryset(user: MaybeUser) -> RestrictedQuerySet[WorkTeam]:
    """The teams of the user's area; a paired cadre (who reads no area) sees the teams
    it is or was a member of."""
    if household_scoped(user):
        prefix = area_prefix_of(user) or ""
        mine = TeamMembership.objects.filter(cadre__user_id=user.pk).values("team_id")
        return WorkTeam.objects.in_area(prefix).filter(pk__in=mine)
    return WorkTeam.objects.restrict(user)


def team_get(user: User, pk: int) -> WorkTeam | None:
    return team_queryset(user).select_related("village", "village__parent").filter(pk=pk).first()


def own_cadres(user: User | None) -> list[Cadre]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(Cadre.objects.filter(user_id=user.pk))


def terms_on(team: WorkTeam, day: dt.date) -> list[TeamMembership]:
    return list(
        TeamMembership.objects.filter(team=team)
        .on(day)
        .select_related("cadre")
        .order_by("-is_first_secretary", "-is_leader", "start_date", "id")
    )


def first_secretary_on(team: WorkTeam, day: dt.date) -> TeamMembership | None:
    return (
        TeamMembership.objects.filter(team=team, is_first_secretary=True)
        .on(day)
        .select_related("cadre")
        .first()
    )


# ---------------------------------------------------------------- the roster check


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return day.replace(
        year=year, month=month, day=min(day.day, attendance.days_in_month(dt.date(year, month, 1)))
    )


def past_rotation(term: TeamMembership, rules: Rules, on: dt.date) -> bool:
    """A member is past rotation on the day their term has lasted the rotation period
    (start + N months) or longer."""
    return rules.rotation_months > 0 and on >= add_months(term.start_date, rules.rotation_months)


@dataclass
class TeamStatus:
    team: WorkTeam
    rules: Rules
    terms: list[TeamMembership]
    past: list[TeamMembership] = field(default_factory=list)

    @property
    def units(self) -> list[str]:
        return list(dict.fromkeys(t.unit for t in self.terms))

    @property
    def below_minimum(self) -> bool:
        return len(self.terms) < self.rules.min_members

    @property
    def no_first_secretary(self) -> bool:
        return self.rules.needs_first_secretary and not any(
            t.is_first_secretary for t in self.terms
        )

    @property
    def no_leader(self) -> bool:
        return self.rules.needs_leader and not any(t.is_leader for t in self.terms)

    @property
    def flagged(self) -> bool:
        return self.below_minimum or self.no_first_secretary or self.no_leader or bool(self.past)


def roster(teams: Iterable[WorkTeam], on: dt.date) -> list[TeamStatus]:
    """Each team's members on the day, checked against the rules in force there: below
    the minimum, without a first secretary (or leader) where one is required, members
    past the rotation period."""
    teams = list(teams)
    book = RuleBook()
    by_team: dict[int, list[TeamMembership]] = {}
    for term in (
        TeamMembership.objects.filter(team__in=teams)
        .on(on)
        .select_related("cadre")
        .order_by("-is_first_secretary", "-is_leader", "start_date", "id")
    ):
        by_team.setdefault(term.team_id, []).append(term)
    out = []
    for team in teams:
        rules = book.for_(team.village_id, on)
        terms = by_team.get(team.pk, [])
        out.append(
            TeamStatus(team, rules, terms, [t for t in terms if past_rotation(t, rules, on)])
        )
    return out


def roster_for(
    user: User, on: dt.date, area: str = "", flagged_only: bool = False
) -> list[TeamStatus]:
    qs = team_queryset(user).select_related("village", "village__parent")
    if area:
        qs = qs.in_area(area)
    rows = roster(qs.order_by("village_id", "id"), on)
    return [r for r in rows if r.flagged] if flagged_only else rows


# ---------------------------------------------------------------- attendance


@dataclass(frozen=True)
class MemberDays:
    """One term's days over the period (a member in two teams has two)."""

    term_id: int
    team_id: int
    cadre_id: int
    days: Days


@dataclass(frozen=True)
class AttendanceRates:
    """The attendance of the teams of an area over [start, end] (end cut at today):
    `teams` team id → Days (the sum over its members' terms), `members` cadre id →
    Days (the sum over the cadre's terms in the area), `terms` one MemberDays a term,
    `villages` team id → village code. Days: required, present, credited, leave (ints)
    and `rate` (Decimal to 4 places, credited ÷ required; None where nothing was
    required); the rule is `fupin.teams.attendance`."""

    start: dt.date
    end: dt.date
    teams: dict[int, Days]
    members: dict[int, Days]
    terms: list[MemberDays]
    villages: dict[int, str]

    def by_township(self) -> dict[str, Days]:
        out: dict[str, Days] = {}
        for team_id, days in self.teams.items():
            code = self.villages[team_id][:9] + "000"
            out[code] = out.get(code, Days()) + days
        return out


def attendance_rates(area_code: str, start: dt.date, end: dt.date) -> AttendanceRates:
    """Days required, present, credited and on leave, and the rate, per team and per
    member (cadre id) of the teams whose village is in `area_code` (a division code or
    its significant prefix; "" the whole country) over [start, end], both included. The
    end is cut at today (days to come are not yet due). Not scoped to a user: callers
    scope the area (pages pass the user's)."""
    end = min(end, dt.date.today())
    empty = AttendanceRates(start, end, {}, {}, [], {})
    if end < start:
        return empty
    prefix = significant_prefix(area_code) if area_code else ""
    terms = list(
        TeamMembership.objects.in_area(prefix)
        .overlapping(start, end)
        .values_list("pk", "team_id", "cadre_id", "start_date", "end_date", "team__village_id")
    )
    if not terms:
        return empty
    villages = {t[1]: t[5] for t in terms}
    term_ids = [t[0] for t in terms]
    terms_frame = pl.DataFrame([t[:5] for t in terms], schema=attendance.TERMS_SCHEMA, orient="row")
    leaves = pl.DataFrame(
        list(
            Leave.objects.filter(
                membership_id__in=term_ids,
                state=c.LeaveState.APPROVED,
                start_date__lte=end,
                end_date__gte=start,
            ).values_list("membership_id", "start_date", "end_date")
        ),
        schema={"term_id": pl.Int64, "start": pl.Date, "end": pl.Date},
        orient="row",
    )
    checkins = pl.DataFrame(
        list(
            CheckIn.objects.filter(
                membership_id__in=term_ids, date__range=(start, end)
            ).values_list("membership_id", "date")
        ),
        schema={"term_id": pl.Int64, "day": pl.Date},
        orient="row",
    )
    book = RuleBook()
    months = attendance.months_between(start, end)
    requirement = pl.DataFrame(
        [
            (team_id, m, book.for_(village, m).required_days)
            for team_id, village in villages.items()
            for m in months
        ],
        schema={"team_id": pl.Int64, "month": pl.Date, "per_month": pl.Int64},
        orient="row",
    )
    out = attendance.terms_days(terms_frame, leaves, checkins, requirement, start, end)
    rows = [
        MemberDays(
            r["term_id"],
            r["team_id"],
            r["cadre_id"],
            Days(r["required"], r["present"], r["credited"], r["leave"]),
        )
        for r in out.iter_rows(named=True)
    ]
    teams: dict[int, Days] = {}
    members: dict[int, Days] = {}
    for r in rows:
        teams[r.team_id] = teams.get(r.team_id, Days()) + r.days
        members[r.cadre_id] = members.get(r.cadre_id, Days()) + r.days
    return AttendanceRates(start, end, teams, members, rows, villages)


def month_span(month: dt.date) -> tuple[dt.date, dt.date]:
    first = attendance.month_of(month)
    return first, first.replace(day=attendance.days_in_month(first))


def rates_for(user: User, start: dt.date, end: dt.date) -> AttendanceRates:
    """`attendance_rates` over the user's area; a paired cadre: its own teams only."""
    prefix = area_prefix_of(user)
    if prefix is None:
        return AttendanceRates(start, end, {}, {}, [], {})
    rates = attendance_rates(prefix, start, end)
    if not household_scoped(user):
        return rates
    mine = set(team_queryset(user).values_list("pk", flat=True))
    terms = [t for t in rates.terms if t.team_id in mine]
    return AttendanceRates(
        rates.start,
        rates.end,
        {k: v for k, v in rates.teams.items() if k in mine},
        {t.cadre_id: rates.members[t.cadre_id] for t in terms},
        terms,
        {k: v for k, v in rates.villages.items() if k in mine},
    )


# ---------------------------------------------------------------- a team's page


def checkins(team: WorkTeam, start: dt.date, end: dt.date) -> QuerySet[CheckIn]:
    return (
        CheckIn.objects.filter(team=team, date__range=(start, end))
        .select_related("cadre", "recorded_by")
        .order_by("-date", "cadre__name")
    )


def leaves(team: WorkTeam) -> QuerySet[Leave]:
    return Leave.objects.filter(team=team).select_related("cadre", "requested_by", "decided_by")


def records(team: WorkTeam) -> dict[str, QuerySet[Any]]:
    return {
        "diary": DiaryEntry.objects.filter(team=team).select_related("written_by")[:20],
        "ledger": LedgerEntry.objects.filter(team=team)
        .select_related("written_by")
        .prefetch_related("households")[:20],
        "reports": QuarterlyReport.objects.filter(team=team).select_related(
            "written_by", "received_by"
        ),
    }


def may_see(user: User, team: WorkTeam) -> bool:
    return user_covers(user, team.village_id)
