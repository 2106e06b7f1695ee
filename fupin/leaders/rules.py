"""The rules of the contact system as pure functions (no database).

- Periods are calendar periods: a month, a quarter (Jan–Mar …), a half-year (Jan–Jun,
  Jul–Dec) or a year. `period_of(kind, day)` is the period containing `day`.
- Which rule applies to a link (`pick_rule`): among the rules for its target level (a
  township or a village), the one of the most specific region containing the contact
  point wins (a county's before its prefecture's before the national one); within a
  region a rule naming the leader's rank wins over one for any rank. Without any rule:
  one visit a quarter (`DEFAULT`), the usual requirement for a county leader's township.
- A link owes the period's full number of visits in every period it is in force on some
  day of (a leader linked mid-quarter still owes that quarter's visit). Reports count in
  the period their date falls in; a shortfall is required − done when positive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fupin.leaders.choices import Period

MONTHS = {Period.MONTH: 1, Period.QUARTER: 3, Period.HALF: 6, Period.YEAR: 12}


@dataclass(frozen=True)
class Requirement:
    period: str
    visits: int
    rule_id: int | None = None  # None: the code default

    @property
    def label(self) -> str:
        return str(Period(self.period).label)


DEFAULT = Requirement(Period.QUARTER, 1)


def period_of(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the calendar period of `kind` containing `day`."""
    months = MONTHS[Period(kind)]
    first_month = (day.month - 1) // months * months + 1
    start = dt.date(day.year, first_month, 1)
    nxt = first_month + months
    after = dt.date(day.year + 1, 1, 1) if nxt > 12 else dt.date(day.year, nxt, 1)
    return start, after - dt.timedelta(days=1)


def previous_period(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period just before the one containing `day`."""
    start, _end = period_of(kind, day)
    return period_of(kind, start - dt.timedelta(days=1))


@dataclass(frozen=True)
class RuleRow:
    rule_id: int
    region: str | None  # 12-digit code; None: national
    target: int
    rank: str  # "" any rank
    period: str
    visits: int


def pick_rule(
    rules: Iterable[RuleRow], *, ancestors: Sequence[str], target: int, rank: str
) -> Requirement:
    """The requirement of a link whose contact point has `ancestors` (its own code
    first, most specific first), at `target` level, for a leader of `rank`."""
    order = {code: n for n, code in enumerate(ancestors)}
    best: tuple[int, int] | None = None
    found = DEFAULT
    for r in rules:
        if r.target != target or r.rank not in ("", rank):
            continue
        if r.region is None:
            specificity = len(order)
        elif r.region in order:
            specificity = order[r.region]
        else:
            continue
        key = (specificity, 0 if r.rank else 1)
        if best is None or key < best:
            best, found = key, Requirement(r.period, r.visits, r.rule_id)
    return found


def in_force(start: dt.date, end: dt.date | None, p_start: dt.date, p_end: dt.date) -> bool:
    """Whether a link from `start` to `end` (None: open) is in force some day of the
    period."""
    return start <= p_end and (end is None or end >= p_start)


def shortfall(required: int, done: int) -> int:
    return max(required - done, 0)
