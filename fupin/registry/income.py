"""Net income per person (人均纯收入): one definition, one rounding rule.

Every figure of a household's net income per person (the registry's pages and API,
monitoring's income warnings, the quality rules, the export, scoring's income growth)
comes from here, in one of two forms that are proven to agree
(`fupin/registry/tests/test_income_rule.py`):

- the **row form** on one income record, in `Decimal` yuan: `net_income(record)` and
  `net_per_person(net, household_size)` (what `IncomeRecord.net_income_per_capita` returns);
- the **column form** on whole frames, in integer fen (分): `net_income_expr()` and
  `net_per_person_expr(net, household_size)`, with `fen_expr` and `fen_select_sql` to
  bring amounts in yuan into fen exactly.

The definition
--------------
*Income* is the sum of the household's income of the year, by source (`INCOME_FIELDS`):
wages, production and business income, property income and the transfers (subsistence
allowance 低保金, extreme-poverty support, pension, ecological compensation,
family-planning subsidy, other transfers).

*Net income* is that sum minus the production expenses (`EXPENSE_FIELDS`): the cost of
earning the production income (seed, fertiliser, feed, fuel, hired work). It is exact
(every amount is stored to the fen) and may be negative.

*Net income per person* is the net income divided by the household size of the income
record (the people the income was shared among that year, at least one), **rounded to
the fen, half away from zero** (`ROUND_HALF_UP` in `decimal`: 0.125 yuan is 0.13 yuan,
-0.125 is -0.13). The column form does the same division in integers, so no binary
floating point enters the figure; it is compared to an income line in fen or in
`Decimal`, never after a float round (Polars' `round` rounds ties to even).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import polars as pl
from django.db.models import F
from django.db.models.expressions import Combinable

FEN = Decimal("0.01")

TRANSFER_FIELDS = (
    "subsistence_allowance",
    "extreme_poverty_support",
    "pension",
    "ecological_compensation",
    "family_planning",
    "other_transfer",
)
# What counts as income (added) and what is subtracted from it.
INCOME_FIELDS = ("wages", "production", "property_income", *TRANSFER_FIELDS)
EXPENSE_FIELDS = ("production_expenses",)
MONEY_FIELDS = (*INCOME_FIELDS, *EXPENSE_FIELDS)


# ------------------------------------------------------------------ row form


def total_income(record: Any) -> Decimal:
    """All income of the record's year, by source, before expenses."""
    return sum((getattr(record, f) for f in INCOME_FIELDS), Decimal("0"))


def net_income(record: Any) -> Decimal:
    """Income minus production expenses, in yuan (exact)."""
    return total_income(record) - sum((getattr(record, f) for f in EXPENSE_FIELDS), Decimal("0"))


def net_per_person(net: Decimal | int, household_size: int) -> Decimal:
    """`net` yuan shared among `household_size` people, rounded to the fen half away from
    zero. `net` holds whole fen (at most two decimal places)."""
    return (Decimal(net) / household_size).quantize(FEN, rounding=ROUND_HALF_UP)


def record_net_per_person(record: Any) -> Decimal:
    """Net income per person of one income record (anything with the income fields and
    `household_size`)."""
    return net_per_person(net_income(record), record.household_size)


# ------------------------------------------------------------------ column form


def fen_expr(yuan: pl.Expr) -> pl.Expr:
    """An amount in yuan (text, float or decimal column, two decimal places at most) as
    Int64 fen. The float product is within rounding noise of a whole number, so rounding
    it recovers the exact fen."""
    return (yuan.cast(pl.Float64) * 100).round(0).cast(pl.Int64)


def fen_select_sql(alias: str) -> str:
    """The SELECT list of the money fields of income-record table `alias`, each in whole
    fen (BIGINT) under its field name, for `core.frames.read_frame`."""
    return ", ".join(f"CAST(ROUND({alias}.{f} * 100) AS BIGINT) AS {f}" for f in MONEY_FIELDS)


def net_income_expr(*, in_yuan: bool = False) -> pl.Expr:
    """Net income in Int64 fen of a frame whose money columns are named as the model's
    fields and hold Int64 fen (or amounts in yuan, with `in_yuan`). A null amount counts
    as zero."""

    def amount(name: str) -> pl.Expr:
        return fen_expr(pl.col(name)) if in_yuan else pl.col(name)

    income = pl.sum_horizontal([amount(f) for f in INCOME_FIELDS])
    expenses = pl.sum_horizontal([amount(f) for f in EXPENSE_FIELDS])
    return (income - expenses).cast(pl.Int64)


def net_per_person_expr(
    net: pl.Expr | None = None, household_size: pl.Expr | None = None
) -> pl.Expr:
    """Int64 fen: `net` fen (default `net_income_expr()`) divided by `household_size`
    (default the `household_size` column), half away from zero, in integers:
    sign(n) · ⌊(2|n| + d) / 2d⌋."""
    n = (net_income_expr() if net is None else net).cast(pl.Int64)
    d = (pl.col("household_size") if household_size is None else household_size).cast(pl.Int64)
    return ((2 * n.abs() + d) // (2 * d) * n.sign()).cast(pl.Int64)


# ------------------------------------------------------------------ database form


def net_income_orm() -> Combinable:
    """Net income in yuan as an ORM expression over IncomeRecord (for sums in the
    database)."""
    income: Combinable = F(INCOME_FIELDS[0])
    for f in INCOME_FIELDS[1:]:
        income = income + F(f)
    for f in EXPENSE_FIELDS:
        income = income - F(f)
    return income
