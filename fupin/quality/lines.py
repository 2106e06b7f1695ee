"""The national income line by year (yuan per person per year, current prices).

Stop-gap until "policy as data" (issue 4) stores thresholds per year and province. Every
rule that needs a line calls `income_line(year)`; nothing else hard-codes a figure.

Sources (see /work/shared/DOMAIN.md §2 and §5):

- 2013: 2,736 — the 2013 income used for the 2014 identification (DOMAIN §2, ogasy).
- 2014: 2,800 — DOMAIN §2 (wzkpw.com).
- 2015: 2,855 — DOMAIN §2 (360docs 0026506379).
- 2016: 2,952 — DOMAIN §2 [U] and DOMAIN §4 (Honghe used 2,952 in 2017's campaign).
- 2017: 3,335 — not in DOMAIN (listed there as an [U] exit line); the widely quoted
  national exit figure, also used by the demo generator.
- 2018: 3,535 — DOMAIN §2 (Guizhou exit line; NBS measurement 2,995 [U]).
- 2019: 3,747 — the widely quoted exit line, as in the demo generator. DOMAIN §2 gives
  3,218 as the NBS current-price measurement; the exit check uses the exit line.
- 2020: 4,000 — DOMAIN §2, exit line stated by 刘永富.
- 2021 onward: 6,000 — the monitoring threshold (1.5 × the old line), DOMAIN §5
  (Jingbian 2021). Provinces set their own later thresholds (8,050 … 10,560 in 2023),
  which issue 4 will store per province; until then the 2021 figure holds.
"""

from __future__ import annotations

from decimal import Decimal

FIRST_YEAR = 2013
LAST_LINE_YEAR = 2020
MONITORING_THRESHOLD = Decimal("6000")

LINES: dict[int, Decimal] = {
    2013: Decimal("2736"),
    2014: Decimal("2800"),
    2015: Decimal("2855"),
    2016: Decimal("2952"),
    2017: Decimal("3335"),
    2018: Decimal("3535"),
    2019: Decimal("3747"),
    2020: Decimal("4000"),
}


def income_line(year: int) -> Decimal:
    """The line for `year`; the monitoring threshold after 2020; ValueError before 2013."""
    if year < FIRST_YEAR:
        raise ValueError(f"no income line before {FIRST_YEAR}: {year}")
    if year > LAST_LINE_YEAR:
        return MONITORING_THRESHOLD
    return LINES[year]


def lines_between(first: int, last: int) -> dict[int, Decimal]:
    """The line of every year from `first` to `last` (both included, clipped at 2013)."""
    return {y: income_line(y) for y in range(max(first, FIRST_YEAR), last + 1)}
