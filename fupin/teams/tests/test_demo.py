"""The demo county's work teams: check-ins inside each term and never on approved leave,
leave and records of the first secretaries, a few teams flagged by the roster check, and
members under the attendance requirement; each row with its change record."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.assistance import demo as assistance_demo
from fupin.assistance.models import TeamMembership, WorkTeam
from fupin.core.history import type_label
from fupin.core.models import ChangeRecord
from fupin.registry import demo
from fupin.teams import demo as teams_demo
from fupin.teams import selectors
from fupin.teams.models import CheckIn, DiaryEntry, Leave, QuarterlyReport

pytestmark = pytest.mark.django_db


def test_the_demo_teams_check_in_take_leave_and_keep_records():
    demo.build(seed=2017, scale=demo.parse_scale(300))
    assistance_demo.build_demo(seed=2017)
    messages: list[str] = []
    teams_demo.build_demo(seed=2017, log=messages.append)
    assert "check-ins" in messages[-1]
    today = dt.date.today()
    rows = list(CheckIn.objects.select_related("membership"))
    assert len(rows) > 100
    assert all(r.membership.current_on(r.date) and r.date < today for r in rows)
    approved = Leave.objects.filter(state="approved")
    assert approved.exists()
    for leave in approved:
        assert not CheckIn.objects.filter(
            cadre=leave.cadre, date__range=(leave.start_date, leave.end_date)
        ).exists()
    assert DiaryEntry.objects.exists() and QuarterlyReport.objects.exists()
    assert ChangeRecord.objects.filter(object_type=type_label(CheckIn)).count() == len(rows)
    statuses = selectors.roster(WorkTeam.objects.all(), today)
    assert any(s.flagged for s in statuses) and not all(s.flagged for s in statuses)
    start = today - dt.timedelta(days=30)
    rates = selectors.attendance_rates("431129", start, today - dt.timedelta(days=1))
    assert rates.teams and any(d.under for d in rates.members.values())
    assert any(not d.under for d in rates.members.values())
    assert TeamMembership.objects.filter(end_date__isnull=True).exists()
    teams_demo.wipe_demo()
    assert not CheckIn.objects.exists()
