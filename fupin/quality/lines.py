"""The income line by year, as the policy sets say (fupin.policy: the national defaults
2013–2026 are a data migration; a county's own version applies in its area).

Quality rules compare a household's net income per person with the line of the income's
year; nothing here hard-codes a figure any more.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

FIRST_YEAR = 2013


def income_line(year: int, area_code: str = "") -> Decimal:
    """The line for `year` in `area_code` (national by default); the latest year's line
    after the last year that has a policy set; ValueError before 2013."""
    from fupin.policy.selectors import NoPolicy, current_policy

    if year < FIRST_YEAR:
        raise ValueError(f"no income line before {FIRST_YEAR}: {year}")
    try:
        return current_policy(area_code, on=dt.date(year, 12, 31)).income_line
    except NoPolicy as exc:
        raise ValueError(str(exc)) from exc


def lines_between(first: int, last: int, area_code: str = "") -> dict[int, Decimal]:
    """The line of every year from `first` to `last` (both included, clipped at 2013)."""
    return {y: income_line(y, area_code) for y in range(max(first, FIRST_YEAR), last + 1)}
