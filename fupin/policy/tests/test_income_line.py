"""The income line for a place and year: one home, `fupin.policy.selectors.income_line`
(used by the quality rules, monitoring features and the exit test's earlier years)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import OTHER_COUNTY_VILLAGE, VILLAGE
from fupin.policy.models import PolicySet
from fupin.policy.selectors import NoIncomeLine, NoPolicy, current_policy, income_line
from fupin.policy.services import policy_new_version
from fupin.quality import lines


def test_the_line_of_each_policy_year_is_that_years_set(db):
    for year in range(2013, 2027):
        expected = current_policy(VILLAGE, on=dt.date(year, 12, 31), year=year).income_line
        assert income_line(year, VILLAGE) == expected
        assert income_line(year) == expected
    assert income_line(2016) == Decimal("2952")
    assert income_line(2021) == Decimal("6000")


def test_before_2013_there_is_no_line_and_the_error_is_both_kinds(db):
    with pytest.raises(NoIncomeLine) as caught:
        income_line(2012, VILLAGE)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, NoPolicy)


def test_after_the_last_policy_year_the_latest_line_applies(db):
    PolicySet.objects.filter(region__isnull=True, year=2026).update(income_line=Decimal("6500"))
    assert income_line(2026) == Decimal("6500")
    assert income_line(2030, VILLAGE) == Decimal("6500")


def test_no_policy_set_at_all_is_no_line(db):
    PolicySet.objects.all().delete()
    with pytest.raises(NoIncomeLine) as caught:
        income_line(2016)
    assert isinstance(caught.value, ValueError)


def test_a_countys_own_line_applies_in_its_area_only(users):
    national = current_policy(VILLAGE, on=dt.date(2016, 6, 1))
    policy_new_version(
        actor=users["county"],
        base=national,
        data={"income_line": Decimal("3200"), "effective_from": dt.date(2016, 7, 1)},
        reason="县定标准",
        region_code="431129000000",
    )
    assert income_line(2016, VILLAGE) == Decimal("3200")
    assert income_line(2016, "431129") == Decimal("3200")
    assert income_line(2016, OTHER_COUNTY_VILLAGE) == Decimal("2952")
    assert income_line(2016) == Decimal("2952")


def test_the_quality_app_names_the_same_function():
    assert lines.income_line is income_line
