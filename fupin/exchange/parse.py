"""Column parsers: text as typed in a workbook → typed values, plus the reason when a
value cannot be read. Vectorised with Polars: a million rows are parsed without a
Python loop; only rejected cells go through Python to word their reason exactly.

Each parser takes the column's text expression (already NFKC-normalised and stripped,
null when empty) and returns (value expression, error expression): the error is null
when the cell is fine, else the reason in the user's language.
"""

from __future__ import annotations

import datetime as dt
import re as _re
from functools import lru_cache

import polars as pl
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

from fupin.exchange.readers import clean_text
from fupin.registry import idframes, idnumber

EXCEL_EPOCH = dt.date(1899, 12, 30)
YES = ["是", "yes", "y", "true", "t", "1", "√", "✓", "有", "已"]
NO = ["否", "no", "n", "false", "f", "0", "×", "✗", "无", "未"]


def normalised(code: str, nfkc: bool = True) -> pl.Expr:
    """NFKC (full-width digits, letters and spaces to half-width), trimmed, empty → null.
    `nfkc=False` only for a column of ASCII text, which NFKC leaves as it is."""
    text = pl.col(code)
    if nfkc:
        text = text.str.normalize("NFKC")
    # replace() rather than when/then, which computed the text twice (half the cost).
    return text.str.strip_chars().replace("", None).alias(code)


def normalised_frame(frame: pl.DataFrame, codes: list[str]) -> pl.DataFrame:
    """`normalised` over the columns `codes`. NFKC runs only on columns holding a
    non-ASCII character: the numbers, dates and codes of a million-row file are ASCII,
    and NFKC was most of the cost of reading them."""
    if not codes:
        return frame
    wide = frame.select(
        (pl.col(c).str.len_bytes() != pl.col(c).str.len_chars()).any().alias(c) for c in codes
    ).row(0)
    return frame.with_columns(normalised(c, nfkc=bool(w)) for c, w in zip(codes, wide, strict=True))


@lru_cache(maxsize=64)
def _choice_index(choices: type[models.Choices], lang: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for value, label in choices.choices:
        index[clean_text(str(value)).lower()] = str(value)
        for language in ("zh-hans", "en"):
            with translation.override(language):
                index[clean_text(str(label)).lower()] = str(value)
    return index


def choice_index(choices: type[models.Choices]) -> dict[str, str]:
    return _choice_index(choices, translation.get_language() or "")


def code_key(expr: pl.Expr) -> pl.Expr:
    """The lookup key of a coded cell: no inner spaces, lower case."""
    return expr.str.replace_all(r"\s+", "").str.to_lowercase()


def resolve_codes(series: pl.Series, choices: type[models.Choices]) -> pl.Series:
    """Keys → codes. Keys not found directly are tried in simplified characters (因學 →
    因学); the distinct unknown keys are few, so that goes through Python."""
    index = choice_index(choices)
    codes = series.replace_strict(index, default=None, return_dtype=pl.String)
    unknown = series.filter(codes.is_null() & series.is_not_null()).unique()
    if unknown.len():
        extra = {k: index.get(clean_text(k).lower()) for k in unknown.to_list()}
        extra = {k: v for k, v in extra.items() if v}
        if extra:
            codes = codes.fill_null(series.replace_strict(extra, default=None))
    return codes


def unknown_code_reason(choices: type[models.Choices]) -> str:
    allowed = "、".join(str(label) for _v, label in choices.choices[:12])
    more = "…" if len(choices.choices) > 12 else ""
    return _("Not a value of this column's list (allowed: %(allowed)s%(more)s).") % {
        "allowed": allowed,
        "more": more,
    }


def parse_bool(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    key = text.str.to_lowercase()
    value = pl.when(key.is_in(YES)).then(True).when(key.is_in(NO)).then(False).otherwise(None)
    error = (
        pl.when(text.is_not_null() & value.is_null())
        .then(pl.lit(_("Write 是 (yes) or 否 (no).")))
        .otherwise(None)
    )
    return value, error


def parse_int(
    text: pl.Expr, low: int | None = None, high: int | None = None
) -> tuple[pl.Expr, pl.Expr]:
    # Excel gives whole numbers as "2020" or "2020.0".
    value = text.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
    bad = text.is_not_null() & value.is_null()
    not_whole = pl.when(bad).then(pl.lit(_("Not a whole number.")))
    if low is None and high is None:
        return value, not_whole.otherwise(None)
    out = value.is_not_null() & (
        (value < low if low is not None else pl.lit(False))
        | (value > high if high is not None else pl.lit(False))
    )
    error = not_whole.when(out).then(
        pl.lit(_("Out of range (%(low)s to %(high)s).") % {"low": low, "high": high})
    )
    return value, error.otherwise(None)


def amount_too_precise_message() -> str:
    return _("An amount has at most two decimal places (fen).")


def loss_message() -> str:
    return _(
        "Amounts cannot be negative; a loss in production goes into production expenses "
        "(生产经营性支出)."
    )


def parse_money(text: pl.Expr, negative: str | None = None) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(value, error, sub_fen). The value is read exactly (as a decimal, not a float) and
    rounded half-up to the fen; `sub_fen` is true where that rounding changed it (more
    than two decimals: 1234.567), so that the import can refuse the cell or, where the
    county prefers rounding, keep the rounded value with a warning. The noise a binary
    float leaves beyond the eighth decimal (0.30000000000000004 from a formula cell) does
    not count. `negative`: the reason for a negative amount (default "Cannot be
    negative.")."""
    cleaned = text.str.replace_all(r"[,，¥￥元\s]", "")
    exact = cleaned.cast(pl.Decimal(38, 8), strict=False)
    rounded = exact.round(2, mode="half_away_from_zero")
    value = rounded.cast(pl.Decimal(14, 2), strict=False)
    sub_fen = (exact != rounded).fill_null(False)
    error = (
        pl.when(text.is_not_null() & value.is_null())
        .then(pl.lit(_("Not a number.")))
        .when(exact < 0)
        .then(pl.lit(negative or _("Cannot be negative.")))
        .otherwise(None)
    )
    return value, error, sub_fen


def parse_date(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """2020-01-02, 2020/1/2, 2020.1.2, 2020年1月2日, 20200102, 2020-01-02 00:00:00 or an
    Excel serial day number (43832)."""
    t = text.str.replace(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "")
    t = t.str.replace_all(r"[年月/.]", "-").str.replace("日$", "")
    iso = t.str.to_date("%Y-%m-%d", strict=False)
    compact = t.str.to_date("%Y%m%d", strict=False)
    serial = (
        pl.when(t.str.contains(r"^\d{5}(\.0+)?$"))
        .then(t.str.replace(r"\.0+$", "").cast(pl.Int32, strict=False))
        .otherwise(None)
    )
    from_serial = pl.lit(EXCEL_EPOCH) + pl.duration(days=serial)
    value = pl.coalesce(iso, compact, from_serial.cast(pl.Date))
    error = (
        pl.when(text.is_not_null() & value.is_null())
        .then(pl.lit(_("Not a date (write it as 2020-01-31).")))
        .otherwise(None)
    )
    return value, error


def id_number_ok(text: pl.Expr, today: dt.date) -> pl.Expr:
    """True where `idnumber.parse` would accept the number (`registry.idframes`); the
    rejected ones are worded by `idnumber.parse` itself."""
    return idframes.valid(text, today)


def id_number_reason(value: str | None, today: dt.date) -> str:
    try:
        idnumber.parse(value, today=today)
    except Exception as exc:
        return str(getattr(exc, "message", exc))
    return ""


def message(template: str, **values: pl.Expr) -> pl.Expr:
    """A translated message with %(name)s placeholders filled per row, vectorised: the
    template is translated once, not once a row."""

    parts: list[pl.Expr] = []
    pos = 0
    for match in _re.finditer(r"%\((\w+)\)s", template):
        parts.append(pl.lit(template[pos : match.start()]))
        parts.append(values[match.group(1)].cast(pl.String).fill_null(""))
        pos = match.end()
    parts.append(pl.lit(template[pos:]))
    return pl.concat_str(parts)
