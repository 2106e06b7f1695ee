"""The calculations of village scoring and performance assessment, as pure functions
(no database): the services and selectors feed them, the tests check them directly.

Village classes (村级考评等次), with a sheet's configurable thresholds (defaults in
brackets) and a village's total T out of 100:

- T ≥ consolidate threshold (90)                  → 达标巩固 (standard met, consolidate)
- yellow threshold (80) ≤ T < consolidate (90)    → 整改提升 (rectify and improve)
- T < yellow threshold (80)                       → 黄牌警告 (yellow-card warning)
- T < yellow threshold and either T < key threshold (60) or the village is below the
  yellow threshold for the N-th round running (N = key_consecutive_rounds, 2)
                                                  → 重点管理 (key management)

Both 黄牌警告 and 重点管理 put the village on the yellow-card list; the card stays until a
later round scores the village at or above the yellow threshold. Totals are exact
decimals (item points have one decimal place): 79.9 is a yellow card, 80 is not.

Performance assessment (绩效考核): each indicator's values across the compared set are
normalised to 0–100 (best = 100), then weighted:

- min–max: s = 100·(v − min)/(max − min) if higher is better, 100·(max − v)/(max − min)
  if lower is better; when every subject has the same value, each gets 100.
- rank: subjects ordered best first, equal values share the better rank r (1, 2, 2, 4);
  s = 100·(n − r)/(n − 1) over the n subjects with a value (a single subject gets 100).

A subject's total = Σ wᵢ·sᵢ / Σ wᵢ over the indicators for which it HAS a value, rounded
half-up to 0.01. A missing value is never counted as zero: the row names the indicators
it lacks, and an indicator no subject has a value for is listed as "no data". Subjects
with no value at all are not ranked. Ties: equal totals (after rounding) share the same
rank (competition ranking 1, 2, 2, 4) and are listed by their code.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from fupin.scoring.choices import Grade, Normalisation, Rating

HUNDRED = Decimal("100")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Thresholds:
    consolidate: Decimal = Decimal("90")
    yellow: Decimal = Decimal("80")
    key: Decimal = Decimal("60")
    key_consecutive_rounds: int = 2

    @classmethod
    def of(cls, sheet) -> Thresholds:
        return cls(
            consolidate=Decimal(sheet.consolidate_threshold),
            yellow=Decimal(sheet.yellow_threshold),
            key=Decimal(sheet.key_threshold),
            key_consecutive_rounds=sheet.key_consecutive_rounds,
        )


def threshold_errors(t: Thresholds) -> list[str]:
    """Codes of what is wrong with a set of thresholds (empty if they are consistent)."""
    errors = []
    if not (Decimal("0") <= t.key <= t.yellow <= t.consolidate <= HUNDRED):
        errors.append("order")
    if t.key_consecutive_rounds < 2:
        errors.append("consecutive")
    return errors


def classify(total: Decimal, t: Thresholds, carded_before: int = 0) -> Grade:
    """The class of a total; `carded_before` is how many rounds running the village was
    below the yellow threshold just before this one."""
    total = Decimal(total)
    if total >= t.consolidate:
        return Grade.CONSOLIDATED
    if total >= t.yellow:
        return Grade.IMPROVE
    if total < t.key or carded_before + 1 >= t.key_consecutive_rounds:
        return Grade.KEY
    return Grade.YELLOW


@dataclass(frozen=True)
class ScoreStep:
    """One of a village's scores, in round order, as the card tracker sees it."""

    round_id: int
    total: Decimal
    thresholds: Thresholds


@dataclass
class CardSpan:
    carded_round_id: int
    rounds_carded: int = 1
    recovered_round_id: int | None = None


def track(steps: Sequence[ScoreStep]) -> tuple[list[Grade], list[CardSpan]]:
    """Classes of a village's scores in round order, and its yellow cards."""
    grades: list[Grade] = []
    cards: list[CardSpan] = []
    streak = 0
    for step in steps:
        grade = classify(step.total, step.thresholds, streak)
        grades.append(grade)
        carded = step.total < step.thresholds.yellow
        open_card = cards[-1] if cards and cards[-1].recovered_round_id is None else None
        if carded:
            streak += 1
            if open_card is None:
                cards.append(CardSpan(step.round_id))
            else:
                open_card.rounds_carded += 1
        else:
            streak = 0
            if open_card is not None:
                open_card.recovered_round_id = step.round_id
    return grades, cards


# Performance assessment -----------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    key: str  # area code of a township, or "unit:<id>"
    name: str
    area_code: str = ""


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    weight: Decimal
    higher_is_better: bool = True


@dataclass
class RankedRow:
    subject: Subject
    values: dict[str, Decimal | None]
    scores: dict[str, Decimal | None]
    total: Decimal | None
    missing: list[str] = field(default_factory=list)
    rank: int | None = None
    tied: bool = False  # shares its rank with another subject


@dataclass
class Ranking:
    indicators: list[IndicatorSpec]
    rows: list[RankedRow]
    no_data: list[str]  # indicators without a value for any subject
    method: str


def _normalise(
    values: dict[str, Decimal], higher_is_better: bool, method: str
) -> dict[str, Decimal]:
    if not values:
        return {}
    if method == Normalisation.RANK:
        n = len(values)
        ordered = sorted(values.values(), reverse=higher_is_better)
        out = {}
        for key, v in values.items():
            r = ordered.index(v) + 1  # equal values share the better rank
            out[key] = HUNDRED if n == 1 else HUNDRED * (n - r) / (n - 1)
        return out
    lo, hi = min(values.values()), max(values.values())
    if hi == lo:
        return dict.fromkeys(values, HUNDRED)
    span = hi - lo
    if higher_is_better:
        return {k: HUNDRED * (v - lo) / span for k, v in values.items()}
    return {k: HUNDRED * (hi - v) / span for k, v in values.items()}


def rank_subjects(
    subjects: Sequence[Subject],
    indicators: Sequence[IndicatorSpec],
    values: Mapping[tuple[str, str], Decimal | None],
    method: str = Normalisation.MINMAX,
) -> Ranking:
    """Normalise, weight and rank. `values[(subject.key, indicator.code)]` is the raw
    value, None (or absent) for no data."""
    raw: dict[str, dict[str, Decimal]] = {}
    for ind in indicators:
        raw[ind.code] = {
            s.key: Decimal(value)
            for s in subjects
            if (value := values.get((s.key, ind.code))) is not None
        }
    normalised = {
        ind.code: _normalise(raw[ind.code], ind.higher_is_better, method) for ind in indicators
    }
    scored: list[tuple[Decimal, RankedRow]] = []
    unscored: list[RankedRow] = []
    for s in subjects:
        scores = {ind.code: normalised[ind.code].get(s.key) for ind in indicators}
        present = {code: v for code, v in scores.items() if v is not None}
        used = [ind for ind in indicators if ind.code in present]
        weight = sum((Decimal(ind.weight) for ind in used), Decimal("0"))
        total: Decimal | None = None
        if used and weight > 0:
            weighted = sum((Decimal(ind.weight) * present[ind.code] for ind in used), Decimal("0"))
            total = (weighted / weight).quantize(CENT, rounding=ROUND_HALF_UP)
        row = RankedRow(
            subject=s,
            values={ind.code: raw[ind.code].get(s.key) for ind in indicators},
            scores={
                k: (v.quantize(CENT, rounding=ROUND_HALF_UP) if v is not None else None)
                for k, v in scores.items()
            },
            total=total,
            missing=[ind.code for ind in indicators if scores[ind.code] is None],
        )
        if total is None:
            unscored.append(row)
        else:
            scored.append((total, row))
    ranked = [row for _, row in sorted(scored, key=lambda p: (-p[0], p[1].subject.key))]
    ranks = competition_ranks([(row.subject.key, row.total) for row in ranked])
    for row in ranked:
        row.rank, row.tied = ranks[row.subject.key]
    unranked = sorted(unscored, key=lambda r: r.subject.key)
    return Ranking(
        indicators=list(indicators),
        rows=ranked + unranked,
        no_data=[ind.code for ind in indicators if not raw[ind.code]],
        method=method,
    )


def competition_ranks(totals: Sequence[tuple[str, Decimal | None]]) -> dict[str, tuple[int, bool]]:
    """{key: (rank, tied)} of the keys with a total, best first: equal totals share the
    better rank (competition ranking 1, 2, 2, 4) and are listed by key."""
    ordered = sorted(((t, k) for k, t in totals if t is not None), key=lambda p: (-p[0], p[1]))
    out: dict[str, tuple[int, bool]] = {}
    previous: tuple[Decimal, str] | None = None
    for position, (total, key) in enumerate(ordered, start=1):
        if previous is not None and previous[0] == total:
            rank = out[previous[1]][0]
            out[previous[1]] = (rank, True)
            out[key] = (rank, True)
        else:
            out[key] = (position, False)
        previous = (total, key)
    return out


# Yearly assessment of paired cadres and work teams (年度考核) ---------------------------
#
# Each item has a maximum; items add up to 100. A computed item's points are its rate
# (a percentage from the data) times its maximum, rounded half-up to 0.1; a manual item's
# points are entered. The total is out of the items that HAVE points, scaled to 100
# (Σ points ÷ Σ their maxima × 100, rounded half-up to 0.1): an item without data is
# never counted as zero, and the result names it. The class (考核等次):
#   total ≥ excellent (90) → 优秀; ≥ competent (75) → 称职; ≥ basic (60) → 基本称职;
#   below → 不称职. 89.9 is competent, 90 excellent (tested).

TENTH = Decimal("0.1")


@dataclass(frozen=True)
class RatingThresholds:
    excellent: Decimal = Decimal("90")
    competent: Decimal = Decimal("75")
    basic: Decimal = Decimal("60")

    def ordered(self) -> bool:
        return Decimal("0") <= self.basic <= self.competent <= self.excellent <= HUNDRED


def rate(total: Decimal, t: RatingThresholds) -> Rating:
    total = Decimal(total)
    if total >= t.excellent:
        return Rating.EXCELLENT
    if total >= t.competent:
        return Rating.COMPETENT
    if total >= t.basic:
        return Rating.BASIC
    return Rating.INCOMPETENT


def item_points(max_points: Decimal, percent: Decimal) -> Decimal:
    """A computed item's points: its rate (0–100, clamped) of its maximum, to 0.1."""
    share = min(max(Decimal(percent), Decimal("0")), HUNDRED)
    return (Decimal(max_points) * share / HUNDRED).quantize(TENTH, rounding=ROUND_HALF_UP)


def assessment_total(
    items: Sequence[tuple[str, Decimal]], points: Mapping[str, Decimal | None]
) -> tuple[Decimal | None, list[str]]:
    """(total out of 100 over the items with points, codes of the items without)."""
    have = [(code, Decimal(mx)) for code, mx in items if points.get(code) is not None]
    missing = [code for code, _mx in items if points.get(code) is None]
    full = sum((mx for _c, mx in have), Decimal("0"))
    if not have or full <= 0:
        return None, missing
    got = sum((Decimal(points[code]) for code, _mx in have), Decimal("0"))  # type: ignore[arg-type]
    return (got * HUNDRED / full).quantize(TENTH, rounding=ROUND_HALF_UP), missing


def windows_met(
    start: dt.date, end: dt.date, interval: int, visits: Sequence[dt.date]
) -> tuple[int, int]:
    """Visits on time over one pairing's days in a period (走访及时): the days from
    `start` to `end` (both included) are cut into consecutive windows of `interval` days
    from `start`; only whole windows count. Returns (windows, windows with at least one
    of the sorted `visits` in them). A pairing shorter than one interval owes nothing."""
    n = ((end - start).days + 1) // interval if end >= start else 0
    met = 0
    for k in range(n):
        lo = start + dt.timedelta(days=k * interval)
        hi = lo + dt.timedelta(days=interval - 1)
        i = bisect.bisect_left(visits, lo)
        met += i < len(visits) and visits[i] <= hi
    return n, met
