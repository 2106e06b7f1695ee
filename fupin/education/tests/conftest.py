from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import make_id, member_data
from fupin.registry import choices as c
from fupin.registry import services as registry

PAID = dt.date(2024, 10, 15)
TODAY = dt.date(2025, 6, 30)


def add_member(users, household, *, birth: str, seq: str, name: str, **over):
    """A member added through the registry service (a pupil: school status, no education;
    a child out of school: education, no school status)."""
    data = member_data(
        id_number=make_id(birth=birth, seq=seq),
        name=name,
        relation=c.Relation.SON,
        health=c.Health.HEALTHY,
        labour=c.LabourCapacity.NONE,
    )
    data.update(over)
    return registry.member_add(actor=users["village"], household=household, data=data)


@pytest.fixture
def pupil(users, household):
    """A junior secondary pupil of the fixture household (in poverty: due assistance)."""
    return add_member(
        users,
        household,
        birth="20110301",
        seq="311",
        name="盘小明",
        education="",
        school_status=c.SchoolStatus.JUNIOR,
    )


@pytest.fixture
def child_out_of_school(users, household):
    """A child of 12 on TODAY whom the registry shows out of school (rule Q06)."""
    return add_member(
        users,
        household,
        birth="20130101",
        seq="312",
        name="盘小红",
        sex="F",
        relation=c.Relation.DAUGHTER,
        education=c.Education.PRIMARY,
        school_status="",
    )


def aid_data(**over):
    data = {
        "kind": "two_exemptions",
        "stage": "junior",
        "school": "沱江镇中学",
        "school_year": 2024,
        "term": "autumn",
        "amount": Decimal("625"),
        "paid_on": PAID,
        "note": "",
    }
    data.update(over)
    return data
