"""`ancestor_codes`: the codes above a division, defined once (fupin.geo.codes)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fupin.geo.codes import ancestor_codes
from fupin.geo.models import PREFIX_LENGTH, Level
from fupin.geo.services import level_of_code

VILLAGE = "431129100201"


def test_a_village_lists_itself_then_township_county_prefecture_province():
    assert ancestor_codes(VILLAGE) == [
        "431129100201",
        "431129100000",
        "431129000000",
        "431100000000",
        "430000000000",
    ]
    assert ancestor_codes(VILLAGE, include_self=False) == ancestor_codes(VILLAGE)[1:]


def test_a_county_is_listed_once_and_a_prefix_names_its_division():
    assert ancestor_codes("431129000000") == ["431129000000", "431100000000", "430000000000"]
    assert ancestor_codes("431129") == ancestor_codes("431129000000")
    assert ancestor_codes("431129", include_self=False) == ["431100000000", "430000000000"]
    assert ancestor_codes("430000000000", include_self=False) == []


def test_the_nation_is_no_code():
    assert ancestor_codes("") == []
    assert ancestor_codes("000000000000") == []
    assert ancestor_codes("", include_self=False) == []


def _segment(width: int):
    return st.integers(min_value=1, max_value=10**width - 1).map(lambda n: f"{n:0{width}d}")


@st.composite
def division_codes(draw):
    """A 12-digit code of a division at any level (no level's own digits all zero)."""
    level = draw(st.sampled_from(list(Level)))
    province = draw(st.integers(min_value=11, max_value=65).map(str))
    digits = province + draw(_segment(2)) + draw(_segment(2)) + draw(_segment(3))
    digits += draw(_segment(3))
    return digits[: PREFIX_LENGTH[level]].ljust(12, "0"), level


@given(division_codes())
def test_agrees_with_the_levels_of_the_division(item):
    """An independent statement: the codes above a division of level L are its first
    PREFIX_LENGTH[l] digits, padded, for every level l above L."""
    code, level = item
    assert level_of_code(code) == level
    above = [code[: PREFIX_LENGTH[lv]].ljust(12, "0") for lv in Level if lv < level]
    assert ancestor_codes(code, include_self=False) == above[::-1]
    assert ancestor_codes(code) == [code, *above[::-1]]
    assert ancestor_codes(code[: PREFIX_LENGTH[level]]) == ancestor_codes(code)
    assert [level_of_code(c) for c in ancestor_codes(code)] == sorted(
        (lv for lv in Level if lv <= level), reverse=True
    )
