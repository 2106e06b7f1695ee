"""Exit-readiness checklists of villages and counties."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from conftest import NEIGHBOUR, VILLAGE, _user
from fupin.core.errors import NotAllowed, ValidationFailed
from fupin.core.models import ChangeRecord
from fupin.indicators import readiness, services
from fupin.indicators.tests.conftest import AS_OF

COUNTY = "431129000000"


def items(checklist):
    return {i.code: i for i in checklist}


def test_village_checklist(crafted):
    got = items(readiness.village_checklist(VILLAGE, AS_OF))
    assert got["incidence"].met  # 0.6% < 2%
    assert got["incidence"].actual == "0.60%"
    assert got["has_hardened_road"].met and got["has_clinic"].met
    assert not got["has_broadband"].met and got["has_broadband"].missing
    before = items(readiness.village_checklist(VILLAGE, dt.date(2023, 3, 31)))
    assert before["incidence"].actual == "1.40%"  # 7 ÷ 500


def test_village_threshold_from_criteria(crafted, users):
    proposal = services.criteria_propose(
        actor=users["county"],
        region_code="431129",
        data={"village_incidence_max": "0.5", "village_conditions": ["has_power"]},
        reason="县扶贫开发领导小组决定",
    )
    # proposed, not approved: the defaults still apply
    assert items(readiness.village_checklist(VILLAGE, AS_OF))["incidence"].met
    services.criteria_decide(
        actor=_user("county2", "county_office", "431129000000"), proposal=proposal, approve=True
    )
    got = items(readiness.village_checklist(VILLAGE, AS_OF))
    assert not got["incidence"].met  # 0.6% is not under 0.5%
    assert "3" in got["incidence"].missing  # 3 people in poverty, fewer than 3 needed
    assert set(got) == {"incidence", "has_power"}
    assert ChangeRecord.objects.filter(object_type="indicators.exitcriteria").count() == 1


def test_criteria_rules(crafted, users):
    with pytest.raises(NotAllowed):
        services.criteria_propose(
            actor=users["village"], region_code=VILLAGE, data={"approval_min": 80}, reason="x"
        )
    with pytest.raises(ValidationFailed):
        services.criteria_propose(
            actor=users["county"], region_code="431129", data={"approval_min": 180}, reason="x"
        )
    with pytest.raises(ValidationFailed):
        services.criteria_propose(
            actor=users["county"],
            region_code="431129",
            data={"village_conditions": ["has_casino"]},
            reason="x",
        )


def test_county_checklist_not_yet_assessed(crafted, monkeypatch):
    monkeypatch.setattr(readiness, "latest_estimates", lambda code: None)
    got = items(readiness.county_checklist(COUNTY, AS_OF))
    assert got["incidence"].met and got["incidence"].actual == "0.75%"
    for key in ("missed_poor", "wrong_exit", "approval"):
        assert not got[key].met and got[key].actual == "—"
        assert got[key].missing


@dataclass
class Est:
    point: float
    low: float
    high: float


def test_county_checklist_with_estimates(crafted, monkeypatch):
    estimates = {
        "missed_poor": Est(0.012, 0.005, 0.02),
        "wrong_exit": Est(0.031, 0.02, 0.045),
        "approval": Est(0.93, 0.9, 0.95),
    }
    monkeypatch.setattr(readiness, "latest_estimates", lambda code: estimates)
    got = items(readiness.county_checklist(COUNTY, AS_OF))
    assert got["missed_poor"].met and got["missed_poor"].actual.startswith("1.20%")
    assert not got["wrong_exit"].met  # 3.1% is not under 2%
    assert got["approval"].met


def test_estimates_from_the_assessment_app_or_none(crafted):
    # The real provider: no finished assessment for the county yet → None.
    assert readiness.latest_estimates(COUNTY) is None
    assert readiness.criteria_for(NEIGHBOUR).approval_min == Decimal("90")
