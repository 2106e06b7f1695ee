"""Masking of ID numbers, phones, bank accounts and birth dates: the one rule.

An ID number shows only its last four characters (``**************123X``): its first
fourteen digits hold the place of birth and the birth date, which together with the
shown check digits would rebuild the number. For the same reason a birth date is shown
only as its year to roles that may not reveal. Phones keep their first three and last
four digits, bank accounts their first and last four.

Each rule has a row form (a Python function on one value) and a column form (a Polars
expression over a whole column, for exports); ``fupin/core/tests/test_masking.py``
checks that the two agree on any input.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

# (characters kept at the start, characters kept at the end); a value no longer than
# both together is hidden entirely.
KEEP: dict[str, tuple[int, int]] = {
    "id_number": (0, 4),
    "phone": (3, 4),
    "bank_account": (4, 4),
}


def _mask(value: str | None, head: int, tail: int) -> str:
    if not value:
        return ""
    n = len(value)
    if n <= head + tail:
        return "*" * n
    return value[:head] + "*" * (n - head - tail) + value[n - tail :]


def mask_id_number(value: str | None) -> str:
    return _mask(value, *KEEP["id_number"])


def mask_phone(value: str | None) -> str:
    return _mask(value, *KEEP["phone"])


def mask_bank_account(value: str | None) -> str:
    return _mask(value, *KEEP["bank_account"])


MASKERS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "bank_account": mask_bank_account,
}


def mask_birth_date(value: dt.date | str | None) -> str:
    """A birth date as its year only ("1986"); "" when unknown."""
    if not value:
        return ""
    if isinstance(value, dt.date):
        return f"{value.year:04d}"
    return str(value).strip()[:4]


ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[0-9]{14}(?:[0-9]{3}[0-9Xx]|[0-9])(?![0-9A-Za-z])")
_DATE_IN_TEXT = re.compile(
    r"(?<![0-9])((?:1[89]|20)[0-9]{2})(-?)([01][0-9])\2([0-3][0-9])(?![0-9])"
)


def mask_text(text: str | None) -> str:
    """A message or a typed cell for a role that may not reveal: ID numbers in it (15 or 18
    characters) masked, dates shown as their year."""
    if not text:
        return text or ""
    text = ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), str(text))
    return _DATE_IN_TEXT.sub(lambda m: m.group(1), text)


# Column forms ---------------------------------------------------------------------


def _stars(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_all(r"(?s).", "*")


def mask_expr(expr: pl.Expr, field: str) -> pl.Expr:
    """The column form of ``MASKERS[field]``: nulls and "" become ""."""
    head, tail = KEEP[field]
    s = expr.cast(pl.String).fill_null("")
    n = s.str.len_chars()
    middle = s.str.slice(head, n - head - tail)
    return (
        pl.when(n <= head + tail)
        .then(_stars(s))
        .otherwise(pl.concat_str([s.str.head(head), _stars(middle), s.str.tail(tail)]))
    )


def birth_year_expr(expr: pl.Expr) -> pl.Expr:
    """The column form of ``mask_birth_date`` for a Date (or ISO text) column."""
    return expr.cast(pl.String).fill_null("").str.strip_chars().str.head(4)
