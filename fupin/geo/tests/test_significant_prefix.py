"""`significant_prefix`: a division's full code or its prefix → the prefix whose range is
the division and everything under it (the API's "division code or code prefix")."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fupin.geo.codes import significant_prefix
from fupin.geo.models import PREFIX_LENGTH
from fupin.geo.services import level_of_code


def test_each_level_keeps_its_significant_digits():
    assert significant_prefix("430000000000") == "43"
    assert significant_prefix("431100000000") == "4311"
    assert significant_prefix("431129000000") == "431129"
    assert significant_prefix("431129100000") == "431129100"
    assert significant_prefix("431129100201") == "431129100201"
    assert significant_prefix("431129100200") == "431129100200"  # village 200, not a cut


def test_a_prefix_is_returned_as_it_is():
    for prefix in ("", "43", "431129", "431129100", "4311291"):
        assert significant_prefix(prefix) == prefix


digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


@given(
    province=st.integers(11, 99),
    rest=st.lists(st.sampled_from(["0", "1", "5", "9"]), min_size=10, max_size=10),
)
def test_agrees_with_the_level_read_from_the_code(province, rest):
    code = f"{province}{''.join(rest)}"
    assert significant_prefix(code) == code[: PREFIX_LENGTH[level_of_code(code)]]
