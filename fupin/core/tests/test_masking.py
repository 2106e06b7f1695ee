"""The one masking rule: row form and column form agree; the hidden digits stay hidden."""

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fupin.core.masking import (
    MASKERS,
    birth_year_expr,
    mask_birth_date,
    mask_expr,
    mask_id_number,
    mask_text,
)

ID_CHARS = st.text(alphabet="0123456789Xx", min_size=0, max_size=20)
ANY_TEXT = st.text(max_size=24)


def test_id_number_shows_only_last_four():
    assert mask_id_number("43112419860712423X") == "**************423X"
    assert mask_id_number("4311") == "****"
    assert mask_id_number("") == ""
    assert mask_id_number(None) == ""


def test_birth_date_as_year():
    assert mask_birth_date(dt.date(1986, 7, 12)) == "1986"
    assert mask_birth_date("1986-07-12") == "1986"
    assert mask_birth_date(None) == ""


@pytest.mark.parametrize("field", sorted(MASKERS))
@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.one_of(st.none(), ID_CHARS, ANY_TEXT), max_size=12))
def test_row_and_column_forms_agree(field, values):
    df = pl.DataFrame({"v": values}, schema={"v": pl.String})
    column = df.select(mask_expr(pl.col("v"), field)).to_series().to_list()
    assert column == [MASKERS[field](v) for v in values]


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.dates(dt.date(1000, 1, 1))), max_size=12))
def test_birth_year_forms_agree(values):
    df = pl.DataFrame({"d": values}, schema={"d": pl.Date})
    column = df.select(birth_year_expr(pl.col("d"))).to_series().to_list()
    assert column == [mask_birth_date(v) for v in values]


@settings(max_examples=200, deadline=None)
@given(
    number=st.text(alphabet="0123456789", min_size=17, max_size=17),
    check=st.sampled_from("0123456789X"),
)
def test_masked_id_number_hides_the_first_fourteen(number, check):
    value = number + check
    masked = mask_id_number(value)
    assert len(masked) == 18
    assert masked[:14] == "*" * 14
    assert masked[14:] == value[14:]


def test_mask_text_masks_numbers_and_dates_in_messages():
    text = "The ID number says 1980-01-01; 43112919800101123X, typed 19800101."
    masked = mask_text(text)
    assert "43112919800101" not in masked and "01-01" not in masked and "0101" not in masked
    assert "**************123X" in masked and "1980" in masked
    assert mask_text("household 4311291002010001") == "household 4311291002010001"


@settings(max_examples=200, deadline=None)
@given(
    number=st.text(alphabet="0123456789", min_size=17, max_size=17),
    words=st.text(alphabet=st.characters(exclude_categories=("Nd",)), max_size=12),
)
def test_mask_text_never_leaves_the_first_fourteen(number, words):
    masked = mask_text(f"{words} {number}X {words}")
    assert number[:14] not in masked
