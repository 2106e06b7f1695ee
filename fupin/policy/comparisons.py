"""How an income is compared with a line: stated once, in the rule's own words.

- **under the line** (低于标准): strictly less than the line. A household whose net income
  per person equals the line is not under it.
- **above the line** (超过标准, 稳定超过): strictly more than the line. A household whose
  net income per person equals the line is not above it, so it does not pass the exit
  test on income.

Every income comparison in policy decisions, exit readiness, monitoring thresholds,
quality checks and indicators goes through these. The row form (one value, `Decimal`)
and the column form (Polars expressions) stand side by side; a property-based test
(`fupin/policy/tests/test_comparisons.py`) proves they agree on every value.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl
from django.utils.translation import gettext_lazy as _

UNDER = "<"
ABOVE = ">"

WORDS = {UNDER: _("under (strictly less than)"), ABOVE: _("above (strictly more than)")}


def under_line(value: Decimal | int | float, line: Decimal | int | float) -> bool:
    """低于: strictly less than the line."""
    return value < line


def above_line(value: Decimal | int | float, line: Decimal | int | float) -> bool:
    """超过: strictly more than the line."""
    return value > line


def under_line_expr(value: pl.Expr, line: pl.Expr) -> pl.Expr:
    """The column form of `under_line`."""
    return value < line


def above_line_expr(value: pl.Expr, line: pl.Expr) -> pl.Expr:
    """The column form of `above_line`."""
    return value > line
