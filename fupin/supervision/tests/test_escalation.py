"""Escalation counting: which findings are failures, and the step each earns within its
period (1st → 通报, 2nd → 约谈, 3rd+ → 问责); idempotent runs; the command."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from fupin.core.history import history_of
from fupin.core.models import ChangeRecord
from fupin.supervision import services
from fupin.supervision.choices import EscalationStep, FailureKind, FindingStatus
from fupin.supervision.models import Escalation, Finding
from fupin.supervision.periods import escalation_period

pytestmark = pytest.mark.django_db

D = dt.date


def _steps(unit):
    return list(
        Escalation.objects.filter(unit=unit)
        .order_by("period_start", "sequence")
        .values_list("finding__deadline", "sequence", "step")
    )


def test_three_failures_in_a_year_notice_talk_accountability(units, make_finding):
    u = units["village"]
    for month in (2, 5, 9):
        make_finding(u, D(2020, month, 10))
    result = services.escalate(as_of=D(2020, 12, 31))
    assert result.created == 3
    assert _steps(u) == [
        (D(2020, 2, 10), 1, EscalationStep.NOTICE),
        (D(2020, 5, 10), 2, EscalationStep.TALK),
        (D(2020, 9, 10), 3, EscalationStep.ACCOUNTABILITY),
    ]
    make_finding(u, D(2020, 11, 1))
    services.escalate(as_of=D(2020, 12, 31))
    assert _steps(u)[-1] == (D(2020, 11, 1), 4, EscalationStep.ACCOUNTABILITY)


def test_running_twice_creates_nothing_new(units, make_finding):
    make_finding(units["village"], D(2020, 3, 1))
    make_finding(units["township"], D(2020, 3, 1))
    first = services.escalate(as_of=D(2020, 6, 1))
    changes = ChangeRecord.objects.count()
    second = services.escalate(as_of=D(2020, 6, 1))
    assert first.created == 2 and second.created == 0
    assert Escalation.objects.count() == 2
    assert ChangeRecord.objects.count() == changes


def test_rectified_on_time_is_not_counted(users, units, make_finding):
    u = units["village"]
    f = make_finding(u, D(2020, 4, 30))
    rec = services.rectification_submit(
        actor=users["village"], finding=f, report="已补齐档案", today=D(2020, 4, 20)
    )
    services.rectification_verify(
        actor=users["inspector"], rectification=rec, accepted=True, today=D(2020, 5, 8)
    )
    assert services.escalate(as_of=D(2020, 12, 31)).created == 0
    f.refresh_from_db()
    assert f.status == FindingStatus.RECTIFIED and f.rectified_on == D(2020, 4, 20)


def test_report_awaiting_verification_at_the_deadline_is_not_a_failure_yet(
    users, units, make_finding
):
    u = units["village"]
    f = make_finding(u, D(2020, 4, 30))
    rec = services.rectification_submit(
        actor=users["village"], finding=f, report="已整改", today=D(2020, 4, 29)
    )
    assert services.escalate(as_of=D(2020, 5, 15)).created == 0
    # Rejected after the deadline: the finding failed as of its deadline, escalated at once.
    services.rectification_verify(
        actor=users["inspector"],
        rectification=rec,
        accepted=False,
        notes="整改不到位",
        today=D(2020, 5, 20),
    )
    esc = Escalation.objects.get(finding=f)
    assert esc.failed_on == D(2020, 4, 30) and esc.failure_kind == FailureKind.OVERDUE
    assert esc.step == EscalationStep.NOTICE


def test_late_rectification_still_counts(users, units, make_finding):
    u = units["village"]
    f = make_finding(u, D(2020, 4, 30))
    rec = services.rectification_submit(
        actor=users["village"], finding=f, report="迟交的整改报告", today=D(2020, 5, 5)
    )
    services.rectification_verify(
        actor=users["inspector"], rectification=rec, accepted=True, today=D(2020, 5, 6)
    )
    # Accepted late: the finding failed as of its deadline (escalated on the status change).
    esc = Escalation.objects.get(finding=f)
    assert esc.failed_on == D(2020, 4, 30) and esc.failure_kind == FailureKind.OVERDUE
    assert services.escalate(as_of=D(2020, 6, 1)).created == 0
    f.refresh_from_db()
    assert f.status == FindingStatus.RECTIFIED and not f.rectified_in_time


def test_deadline_not_yet_passed_is_not_a_failure(units, make_finding):
    make_finding(units["village"], D(2020, 4, 30))
    assert services.escalate(as_of=D(2020, 4, 30)).created == 0
    assert services.escalate(as_of=D(2020, 5, 1)).created == 1


def test_marked_failed_counts_on_the_day_it_was_marked(users, units, make_finding):
    u = units["village"]
    f = make_finding(u, D(2020, 12, 31))
    services.finding_fail(
        actor=users["inspector"], finding=f, reason="整改弄虚作假", today=D(2020, 6, 3)
    )
    esc = Escalation.objects.get(finding=f)  # automatic on the status change
    assert (esc.failure_kind, esc.failed_on, esc.step) == (
        FailureKind.FAILED,
        D(2020, 6, 3),
        EscalationStep.NOTICE,
    )
    assert services.escalate(as_of=D(2021, 1, 10)).created == 0


def test_period_boundaries_and_a_new_period_restarts_the_count(units, make_finding):
    u = units["village"]
    make_finding(u, D(2019, 12, 31))  # counted in 2019
    make_finding(u, D(2020, 1, 1))  # first of 2020
    make_finding(u, D(2020, 12, 31))  # second of 2020
    make_finding(u, D(2021, 1, 1))  # first of 2021 again
    services.escalate(as_of=D(2021, 3, 1))
    rows = list(
        Escalation.objects.filter(unit=u)
        .order_by("failed_on")
        .values_list("period_start", "sequence", "step")
    )
    assert rows == [
        (D(2019, 1, 1), 1, EscalationStep.NOTICE),
        (D(2020, 1, 1), 1, EscalationStep.NOTICE),
        (D(2020, 1, 1), 2, EscalationStep.TALK),
        (D(2021, 1, 1), 1, EscalationStep.NOTICE),
    ]


def test_failures_are_counted_per_unit(units, make_finding):
    make_finding(units["village"], D(2020, 3, 1))
    make_finding(units["neighbour"], D(2020, 3, 2))
    make_finding(units["village"], D(2020, 3, 3))
    services.escalate(as_of=D(2020, 4, 1))
    assert [s for _d, _n, s in _steps(units["neighbour"])] == [EscalationStep.NOTICE]
    assert [s for _d, _n, s in _steps(units["village"])] == [
        EscalationStep.NOTICE,
        EscalationStep.TALK,
    ]


def test_a_failure_found_later_follows_the_existing_numbers(users, units, make_finding):
    u = units["village"]
    late = make_finding(u, D(2020, 2, 1))
    rec = services.rectification_submit(
        actor=users["village"], finding=late, report="已整改", today=D(2020, 1, 20)
    )
    make_finding(u, D(2020, 3, 1))
    services.escalate(as_of=D(2020, 4, 1))
    services.rectification_verify(
        actor=users["inspector"],
        rectification=rec,
        accepted=False,
        notes="未整改",
        today=D(2020, 4, 2),
    )
    assert Escalation.objects.get(finding=late).sequence == 2


def test_other_period_kinds():
    assert escalation_period(D(2020, 5, 17)) == (D(2020, 1, 1), D(2020, 12, 31))
    assert escalation_period(D(2020, 5, 17), "quarter") == (D(2020, 4, 1), D(2020, 6, 30))
    assert escalation_period(D(2020, 11, 17), "half") == (D(2020, 7, 1), D(2020, 12, 31))


def test_quarter_period_from_settings(settings, units, make_finding):
    settings.FUPIN_SUPERVISION_PERIOD = "quarter"
    u = units["village"]
    make_finding(u, D(2020, 3, 31))
    make_finding(u, D(2020, 4, 1))
    services.escalate(as_of=D(2020, 5, 1))
    assert [n for _d, n, _s in _steps(u)] == [1, 1]


def test_sweep_marks_overdue_with_history(units, make_finding):
    f = make_finding(units["village"], D(2020, 3, 1))
    result = services.escalate(as_of=D(2020, 3, 5))
    f.refresh_from_db()
    assert result.marked_overdue == 1 and f.status == FindingStatus.OVERDUE
    recs = history_of(units["village"]).filter(object_type="supervision.finding")
    assert recs.filter(changes__status=["open", "overdue"]).exists()
    assert history_of(units["village"]).filter(object_type="supervision.escalation").count() == 1


def test_command_escalate_as_of(units, make_finding):
    make_finding(units["village"], D(2020, 3, 1))
    make_finding(units["village"], D(2020, 6, 1))
    out = StringIO()
    call_command("supervision", "escalate", "--as-of", "2020-04-01", stdout=out)
    assert Escalation.objects.count() == 1
    call_command("supervision", "escalate", "--as-of", "2020-04-01", stdout=out)
    assert Escalation.objects.count() == 1
    call_command("supervision", "escalate", "--as-of", "2020-07-01", stdout=out)
    assert list(Escalation.objects.values_list("step", flat=True).order_by("sequence")) == [
        EscalationStep.NOTICE,
        EscalationStep.TALK,
    ]
    assert "1" in out.getvalue()


def test_command_rejects_a_bad_date(units):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("supervision", "escalate", "--as-of", "2020-13-01")
    assert not Finding.objects.exists()


def test_command_ensure_units(tree):
    from fupin.supervision.models import Unit

    out = StringIO()
    call_command("supervision", "ensure-units", "--area", "431129100000", stdout=out)
    assert sorted(Unit.objects.values_list("name", flat=True)) == [
        "大坪村村民委员会",
        "沱江镇人民政府",
        "清塘村村民委员会",
    ]
    call_command("supervision", "ensure-units", "--area", "431129100000", stdout=out)
    assert Unit.objects.count() == 3
