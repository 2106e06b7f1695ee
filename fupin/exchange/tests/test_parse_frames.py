"""Reading cells in bulk: the shortcuts taken for speed give what the plain form gives.

`normalised_frame` skips NFKC on columns of ASCII text (NFKC leaves ASCII as it is), and
`parse_sheet` parses the expression-kind columns (yes/no, integers, money, dates) in one
select; both are checked here against the one-column-at-a-time forms on generated cells."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from fupin.exchange import layout as L
from fupin.exchange import parse as P
from fupin.exchange.parsing import EXPRESSION_KINDS, _parse_column, parse_sheet
from fupin.exchange.readers import RawSheet

SETTINGS = settings(max_examples=120, deadline=None, derandomize=True)
TODAY = dt.date(2026, 12, 7)

# Cells as people type them: ASCII, full-width digits and letters, ideographic spaces,
# Chinese text, circled numbers (NFKC turns ① into 1), blanks and None.
ascii_cell = st.one_of(st.none(), st.text(st.characters(min_codepoint=32, max_codepoint=126)))
any_cell = st.one_of(
    ascii_cell,
    st.text(st.sampled_from(list("０１２３４５６７８９ＡＢｘ　 ①②李王是否元.,-\t")), max_size=8),
)


def plain(frame: pl.DataFrame, codes: list[str]) -> pl.DataFrame:
    """NFKC on every column, trimmed, empty → null: what every cell must come out as."""
    return frame.with_columns(
        pl.col(c).str.normalize("NFKC").str.strip_chars().replace("", None).alias(c) for c in codes
    )


@SETTINGS
@given(st.lists(st.tuples(ascii_cell, any_cell, ascii_cell), min_size=1, max_size=30))
def test_skipping_nfkc_on_ascii_columns_changes_no_cell(rows):
    frame = pl.DataFrame(rows, schema=dict.fromkeys("abc", pl.String), orient="row")
    codes = ["a", "b", "c"]
    assert P.normalised_frame(frame, codes).equals(plain(frame, codes))


def test_a_column_with_one_full_width_cell_is_normalised():
    frame = pl.DataFrame({"a": ["123", "１２３", "  ", None], "b": ["x ", "y", "", "z"]})
    out = P.normalised_frame(frame, ["a", "b"])
    assert out["a"].to_list() == ["123", "123", None, None]
    assert out["b"].to_list() == ["x", "y", None, "z"]


money_cell = st.one_of(
    st.none(),
    st.decimals(min_value=-(10**7), max_value=10**7, places=3).map(str),
    st.sampled_from(["1,234.5", "１２", "abc", "3.14159", "-0", "1e3", "12元"]),
)
int_cell = st.one_of(st.none(), st.integers(-5, 200).map(str), st.sampled_from(["x", "3.0"]))


@SETTINGS
@given(
    st.lists(
        st.tuples(st.integers(2015, 2030).map(str), int_cell, money_cell, money_cell, money_cell),
        min_size=1,
        max_size=25,
    )
)
def test_expression_columns_parsed_together_as_one_by_one(rows):
    sheet = L.INCOMES
    cols = [c for c in sheet.columns if c.kind in EXPRESSION_KINDS][:5]
    assert len(cols) == 5
    codes = [c.code for c in cols]
    frame = pl.DataFrame(rows, schema=dict.fromkeys(codes, pl.String), orient="row").with_columns(
        pl.lit(None, dtype=pl.String).alias(c) for c in sheet.codes if c not in codes
    )
    raw = frame.with_columns(
        pl.int_range(2, frame.height + 2).alias("_row"), pl.lit("incomes").alias("_sheet")
    )
    parsed = parse_sheet(sheet, RawSheet("incomes", raw, ["incomes"]), TODAY)
    text = P.normalised_frame(raw, list(sheet.codes))
    for col in cols:
        value, reason, *_flag = _parse_column(col, text[col.code], TODAY)
        assert parsed.frame[col.code].equals(value.alias(col.code)), col.code
        rejected = reason.is_not_null()
        assert (~parsed.frame["_ok"] | ~rejected).all()
