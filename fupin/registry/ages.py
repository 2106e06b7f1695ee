"""A person's age: completed years on a day (周岁), the one rule every app uses — the
household page, the programme ledgers' age limits, the data-quality checks. The row form
(`age_on`, one birth date) and the column form (`age_on_expr`, Polars columns) stand side
by side; `fupin/registry/tests/test_ages.py` proves with Hypothesis that they agree."""

from __future__ import annotations

import datetime as dt

import polars as pl


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years on `day`: the years since birth, less one before the birthday."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_on_expr(birth: pl.Expr, on: pl.Expr) -> pl.Expr:
    """The column form of `age_on` (Int32)."""
    before_birthday = (birth.dt.month() > on.dt.month()) | (
        (birth.dt.month() == on.dt.month()) & (birth.dt.day() > on.dt.day())
    )
    return (on.dt.year() - birth.dt.year() - before_birthday.cast(pl.Int32)).cast(pl.Int32)
