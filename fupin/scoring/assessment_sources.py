"""Where the computed items of the yearly assessment of paired cadres and work teams
come from: one rate (percent, or None for "no data", never zero) per cadre or team and
period, all read in one pass per source over the region.

The households of a subject: a cadre's are those of its pairings in force some day of
the period; a work team's are the households of its village with such a pairing (the
households due assistance that the team looks after).

- visits on time (走访及时率): each pairing's days in the period are cut into windows of
  the visit interval of its village's assistance policy (`indicators.frames.
  visit_intervals`, from `assistance.selectors.policy_for`); a window is met when the
  pairing's cadre visited the household in it (`rules.windows_met`). Rate = windows met
  ÷ windows, over the subject's pairings.
- measures delivered (措施落实率): share of the subject's households with at least one
  assistance measure dated in the period while paired.
- households' risk eliminated (风险消除率): of the monitoring warnings on the subject's
  households open some day of the period, the share closed as risk eliminated in it.
- satisfaction (满意度): of the third-party assessment survey answers given in the period
  on whether the household approves of the work (including the cadres' help), the share
  that approve: for a cadre, its households; for a team, every sampled household of its
  village (registered or not).
- attendance (驻村考勤率): of the days a resident work team's members were required in
  the village over the period (cut at today; approved leave lowers the requirement), the
  share credited by check-ins: `fupin.teams.selectors.attendance_rates`, the rule
  `fupin.teams.attendance`. For a team, the sum over its members' terms; for a cadre, the
  sum over its terms on the region's teams. A cadre on no team in the period, or with no
  day due, has no data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from fupin.assessment.models import Contact, SurveyResponse
from fupin.assistance.models import Cadre, Measure, Pairing, Visit, WorkTeam
from fupin.indicators.frames import visit_intervals
from fupin.monitoring.models import RiskWarning, WarningStatus
from fupin.scoring import rules
from fupin.scoring.choices import Assessed, ItemSource
from fupin.teams.selectors import attendance_rates

CENT = Decimal("0.01")
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Subject:
    key: str  # "cadre:<id>" or "team:<id>"
    name: str
    detail: str
    area_code: str


@dataclass(frozen=True)
class Span:
    cadre_id: int
    household_id: int
    village: str
    start: dt.date  # first day in the period
    end: dt.date  # last day in the period


def _pct(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(CENT, rounding=ROUND_HALF_UP)


def _local(moment: dt.datetime | None) -> dt.date | None:
    return None if moment is None else timezone.localtime(moment).date()


def spans(prefix: str, start: dt.date, end: dt.date) -> list[Span]:
    """The pairings of the region's households in force some day of the period, cut to it
    (a pairing's end date is its first day without the cadre)."""
    out = []
    rows = (
        Pairing.objects.in_area(prefix)
        .filter(start_date__lte=end)
        .exclude(end_date__lte=start)
        .values_list("cadre_id", "household_id", "household__village_id", "start_date", "end_date")
    )
    for cadre_id, hid, village, p_start, p_end in rows:
        lo = max(p_start, start)
        hi = end if p_end is None else min(end, p_end - ONE_DAY)
        if hi >= lo:
            out.append(Span(cadre_id, hid, village, lo, hi))
    return out


def subjects_of(kind: str, prefix: str, found: list[Span]) -> list[Subject]:
    if kind == Assessed.TEAM:
        teams = WorkTeam.objects.in_area(prefix).select_related("village").order_by("village_id")
        return [
            Subject(f"team:{t.pk}", f"{t.village.name}驻村工作队", t.unit, t.village_id)
            for t in teams
        ]
    ids = {s.cadre_id for s in found}
    cadres = Cadre.objects.filter(pk__in=ids).order_by("home_area_id", "name", "pk")
    return [
        Subject(f"cadre:{cd.pk}", cd.name, f"{cd.unit} · {cd.get_rank_display()}", cd.home_area_id)
        for cd in cadres
    ]


def _keys(kind: str, subjects: list[Subject]) -> dict[object, list[str]]:
    """What ties a pairing to subject keys: the cadre id, or the village of the teams."""
    out: dict[object, list[str]] = defaultdict(list)
    for s in subjects:
        if kind == Assessed.TEAM:
            out[s.area_code].append(s.key)
        else:
            out[int(s.key.split(":", 1)[1])].append(s.key)
    return out


def _owner(kind: str, span: Span) -> object:
    return span.village if kind == Assessed.TEAM else span.cadre_id


def visits_on_time(
    kind: str, subjects: list[Subject], found: list[Span], prefix: str, start: dt.date, end: dt.date
) -> dict[str, Decimal | None]:
    keys = _keys(kind, subjects)
    dates: dict[tuple[int, int], list[dt.date]] = defaultdict(list)
    for cadre_id, hid, day in (
        Visit.objects.in_area(prefix)
        .filter(date__gte=start, date__lte=end)
        .values_list("cadre_id", "household_id", "date")
    ):
        dates[(cadre_id, hid)].append(day)
    for v in dates.values():
        v.sort()
    intervals = visit_intervals(sorted({s.village for s in found}))
    due: dict[str, int] = defaultdict(int)
    met: dict[str, int] = defaultdict(int)
    for span in found:
        owners = keys.get(_owner(kind, span))
        if not owners:
            continue
        n, ok = rules.windows_met(
            span.start,
            span.end,
            intervals[span.village],
            dates.get((span.cadre_id, span.household_id), []),
        )
        for key in owners:
            due[key] += n
            met[key] += ok
    return {s.key: _pct(met[s.key], due[s.key]) for s in subjects}


def _households(kind: str, subjects: list[Subject], found: list[Span]) -> dict[str, set[int]]:
    keys = _keys(kind, subjects)
    out: dict[str, set[int]] = defaultdict(set)
    for span in found:
        for key in keys.get(_owner(kind, span), []):
            out[key].add(span.household_id)
    return out


def measures_delivered(
    kind: str, subjects: list[Subject], found: list[Span], prefix: str, start: dt.date, end: dt.date
) -> dict[str, Decimal | None]:
    delivered: dict[int, list[dt.date]] = defaultdict(list)
    for hid, day in (
        Measure.objects.in_area(prefix)
        .filter(date__gte=start, date__lte=end)
        .values_list("household_id", "date")
    ):
        delivered[hid].append(day)
    keys = _keys(kind, subjects)
    have: dict[str, set[int]] = defaultdict(set)
    served: dict[str, set[int]] = defaultdict(set)
    for span in found:
        got = any(span.start <= d <= span.end for d in delivered.get(span.household_id, ()))
        for key in keys.get(_owner(kind, span), []):
            served[key].add(span.household_id)
            if got:
                have[key].add(span.household_id)
    return {s.key: _pct(len(have[s.key]), len(served[s.key])) for s in subjects}


def risk_eliminated(
    kind: str, subjects: list[Subject], found: list[Span], prefix: str, start: dt.date, end: dt.date
) -> dict[str, Decimal | None]:
    households = _households(kind, subjects, found)
    warned: dict[int, list[bool]] = defaultdict(list)
    for hid, status, created, closed in RiskWarning.objects.in_area(prefix).values_list(
        "household_id", "status", "created_at", "closed_at"
    ):
        opened, shut = _local(created), _local(closed)
        if opened is None or opened > end or (shut is not None and shut < start):
            continue
        warned[hid].append(status == WarningStatus.ELIMINATED and shut is not None and shut <= end)
    out: dict[str, Decimal | None] = {}
    for s in subjects:
        flags = [f for hid in households.get(s.key, ()) for f in warned.get(hid, ())]
        out[s.key] = _pct(sum(flags), len(flags))
    return out


def satisfaction(
    kind: str, subjects: list[Subject], found: list[Span], prefix: str, start: dt.date, end: dt.date
) -> dict[str, Decimal | None]:
    answers = list(
        SurveyResponse.objects.in_area(prefix)
        .filter(
            contact=Contact.SURVEYED,
            approves__isnull=False,
            surveyed_on__gte=start,
            surveyed_on__lte=end,
        )
        .values_list("unit__household_id", "unit__village_id", "surveyed_on", "approves")
    )
    out: dict[str, Decimal | None] = {}
    if kind == Assessed.TEAM:
        by_village: dict[str, list[bool]] = defaultdict(list)
        for _hid, village, _day, approves in answers:
            by_village[village].append(bool(approves))
        for s in subjects:
            flags = by_village.get(s.area_code, [])
            out[s.key] = _pct(sum(flags), len(flags))
        return out
    # A cadre: the answers of its households given while it was paired with them.
    keys = _keys(kind, subjects)
    by_household: dict[int, list[tuple[dt.date, bool]]] = defaultdict(list)
    for hid, _village, day, approves in answers:
        if hid is not None:
            by_household[hid].append((day, bool(approves)))
    flags_of: dict[str, list[bool]] = defaultdict(list)
    for span in found:
        for day, approves in by_household.get(span.household_id, ()):
            if span.start <= day <= span.end:
                for key in keys.get(span.cadre_id, []):
                    flags_of[key].append(approves)
    for s in subjects:
        flags = flags_of.get(s.key, [])
        out[s.key] = _pct(sum(flags), len(flags))
    return out


def attendance(
    kind: str, subjects: list[Subject], found: list[Span], prefix: str, start: dt.date, end: dt.date
) -> dict[str, Decimal | None]:
    found_rates = attendance_rates(prefix, start, end)
    days = found_rates.teams if kind == Assessed.TEAM else found_rates.members
    out: dict[str, Decimal | None] = {}
    for s in subjects:
        d = days.get(int(s.key.split(":", 1)[1]))
        rate = None if d is None else d.rate
        out[s.key] = None if rate is None else (rate * 100).quantize(CENT, ROUND_HALF_UP)
    return out


SOURCES = {
    ItemSource.VISITS_ON_TIME: visits_on_time,
    ItemSource.MEASURES_DELIVERED: measures_delivered,
    ItemSource.RISK_ELIMINATED: risk_eliminated,
    ItemSource.SATISFACTION: satisfaction,
    ItemSource.ATTENDANCE: attendance,
}


def rates(
    kind: str, prefix: str, start: dt.date, end: dt.date, sources: Iterable[str]
) -> tuple[list[Subject], dict[str, dict[str, Decimal | None]]]:
    """The subjects of a region and {source: {subject key: rate or None}}."""
    found = spans(prefix, start, end)
    subjects = subjects_of(kind, prefix, found)
    table = {
        source: SOURCES[ItemSource(source)](kind, subjects, found, prefix, start, end)
        for source in dict.fromkeys(sources)
        if source in SOURCES
    }
    return subjects, table
