"""`fupin monitoring scan` and `fupin monitoring disaster`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from conftest import VILLAGE
from fupin.cases.tests.helpers import make_household
from fupin.monitoring.models import Department, RiskLevel, RiskWarning, Source
from fupin.registry.choices import HouseholdStatus

pytestmark = pytest.mark.django_db


def test_scan_command_is_idempotent(users):
    make_household(users, "甲", "401", wages="100", status=HouseholdStatus.EXITED)
    make_household(users, "乙", "402", wages="99999", status=HouseholdStatus.EXITED)
    out = StringIO()
    call_command("monitoring", "scan", "--area", VILLAGE, stdout=out)
    assert "INCOME_LOW: 1" in out.getvalue()
    call_command("monitoring", "scan", stdout=StringIO())
    w = RiskWarning.objects.get()
    assert w.source == Source.INCOME_LOW and w.department == Department.HUMAN_RESOURCES


def test_disaster_command(users):
    make_household(users, "甲", "403", status=HouseholdStatus.EXITED)
    call_command(
        "monitoring",
        "disaster",
        "--area",
        VILLAGE[:9],
        "--cause",
        "disaster",
        "--level",
        RiskLevel.MAJOR,
        "--evidence",
        "2024年6月洪灾",
        stdout=StringIO(),
    )
    w = RiskWarning.objects.get()
    assert w.level == RiskLevel.MAJOR and w.department == Department.EMERGENCY
    assert w.evidence == "2024年6月洪灾"
    with pytest.raises(CommandError):
        call_command("monitoring", "disaster", "--area", "", stdout=StringIO())
