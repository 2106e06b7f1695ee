import datetime as dt

import pytest

from conftest import make_id
from fupin.core.errors import IdNumberInvalid
from fupin.registry import idnumber, rules

# A published sample number (GB 11643 worked example) and its check character.
SAMPLE = "11010519491231002X"


def test_known_check_character():
    assert idnumber.check_char(SAMPLE[:17]) == "X"
    assert idnumber.parse(SAMPLE).birth_date == dt.date(1949, 12, 31)
    assert idnumber.parse(SAMPLE).sex == "F"


def test_lower_case_x_full_width_and_spaces_are_normalised():
    raw = " １１０１０５１９４９１２３１００２ｘ "
    assert idnumber.parse(raw).value == SAMPLE


def test_sex_from_17th_digit():
    assert idnumber.parse(make_id(seq="123")).sex == "M"
    assert idnumber.parse(make_id(seq="124")).sex == "F"


@pytest.mark.parametrize("raw", ["4.31129E+17", "4.31129198001011E+17", "431129198001011234.0"])
def test_excel_float_refused_with_explanation(raw):
    with pytest.raises(IdNumberInvalid) as exc:
        idnumber.parse(raw)
    assert "Excel" in str(exc.value.message)


def test_python_float_refused():
    with pytest.raises(IdNumberInvalid):
        idnumber.parse(4.31129198001011e17)


def test_legacy_15_digit_refused_with_the_upgraded_number():
    legacy = "431129800101123"
    with pytest.raises(IdNumberInvalid) as exc:
        idnumber.parse(legacy)
    upgraded = idnumber.upgrade_legacy(legacy)
    assert upgraded == make_id(birth="19800101", seq="123")
    assert upgraded in str(exc.value.message)


def test_wrong_check_digit_names_the_right_one():
    good = make_id()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(IdNumberInvalid) as exc:
        idnumber.parse(bad)
    assert good[17] in str(exc.value.message)


@pytest.mark.parametrize(
    "raw",
    [
        "43112919800230123",  # 17 characters
        make_id(birth="19800230")[:17] + "0",  # 30 February
        make_id(region="991129"),  # no such province
        make_id(birth="20990101"),  # born in the future
        "43112919800101A23X",
    ],
)
def test_invalid_numbers(raw):
    with pytest.raises(IdNumberInvalid):
        idnumber.parse(raw, today=dt.date(2026, 1, 1))


def test_entered_values_must_agree():
    number = make_id(birth="19800101", seq="123")
    agree = {"id_number": number, "sex": "M", "birth_date": dt.date(1980, 1, 1)}
    assert rules.member_errors({**agree, "education": "primary"}) == []
    errors = rules.member_errors(
        {**agree, "sex": "F", "birth_date": dt.date(1980, 1, 2), "education": "primary"}
    )
    assert [field for field, _message in errors] == ["sex", "birth_date"]
