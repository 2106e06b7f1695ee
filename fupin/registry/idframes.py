"""The rules of `registry.idnumber`, as Polars expressions over a column of ID numbers.

Imports, quality checks and department comparisons validate millions of ID numbers at a
time; they all use these expressions, so "a valid ID number" means the same everywhere.
Only the numbers found invalid go through `idnumber.parse`, which words the reason. A test
keeps the two in agreement (fupin/registry/tests/test_idframes.py).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from fupin.registry import idnumber

_FULLWIDTH = [chr(0xFF10 + i) for i in range(10)] + ["Ｘ", "ｘ"]
_HALFWIDTH = [str(i) for i in range(10)] + ["X", "X"]
_SPACES = [" ", "\t", "\u3000", "\u00a0"]
_PROVINCES = sorted(idnumber.PROVINCE_CODES)


def normalise(expr: pl.Expr) -> pl.Expr:
    """As `idnumber.normalise`: full-width digits and X to half-width, spaces removed, x
    upper-cased (literal replacements: much faster than a regular expression)."""
    return expr.str.replace_many(
        _FULLWIDTH + _SPACES, _HALFWIDTH + [""] * len(_SPACES)
    ).str.replace("x", "X", literal=True)


def key(expr: pl.Expr) -> pl.Expr:
    """The first 17 characters as an Int64 when they are 17 characters (else null): a
    compact join key, and the digits `valid` computes the check character from. A sign
    that to_integer would accept never survives `valid` (province code first)."""
    first17 = expr.str.slice(0, 17)
    return (
        pl.when(first17.str.len_bytes() == 17)
        .then(first17.str.to_integer(strict=False))
        .otherwise(None)
        .cast(pl.Int64)
    )


def valid(number: pl.Expr, today: dt.date | None = None, first17: pl.Expr | None = None) -> pl.Expr:
    """True where `idnumber.parse` accepts the (normalised) number: 18 characters, 17
    digits and a digit or X, a province code, a real birth date not after today nor before
    1880, and the right check character. Pass `first17` when `key(number)` is at hand."""
    today = today or dt.date.today()
    k = key(number) if first17 is None else first17
    total = pl.lit(0, dtype=pl.Int64)
    for i, w in enumerate(idnumber.WEIGHTS):
        total = total + ((k // 10 ** (16 - i)) % 10) * w
    last = number.str.slice(17, 1)
    last_value = pl.when(last == "X").then(10).otherwise(last.cast(pl.Int64, strict=False))
    birth = birth_date(number)
    return (
        (number.str.len_bytes() == 18)
        & k.is_not_null()
        & (k >= 10**15)
        & number.str.slice(0, 2).is_in(_PROVINCES)
        & birth.is_not_null()
        & (birth <= today)
        & (birth.dt.year() >= 1880)
        & ((total + last_value) % 11 == 1)
    ).fill_null(False)


def birth_date(number: pl.Expr) -> pl.Expr:
    return number.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)


def sex(number: pl.Expr) -> pl.Expr:
    """ "M" or "F" (the codes of choices.Sex) from the 17th digit; null if it is no digit."""
    digit = number.str.slice(16, 1).cast(pl.Int64, strict=False)
    return (
        pl.when(digit.is_null())
        .then(None)
        .when(digit % 2 == 1)
        .then(pl.lit("M"))
        .otherwise(pl.lit("F"))
    )
