"""The demo: built through the services on a small registry demo, deterministic from
the seed, every state present, and wiped cleanly."""

from __future__ import annotations

import pytest

from fupin.core.models import ChangeRecord
from fupin.registry import demo as registry_demo
from fupin.supervision import demo
from fupin.supervision.choices import EscalationStep, FindingStatus
from fupin.supervision.models import Escalation, Finding, Task, Unit

pytestmark = pytest.mark.django_db

SMALL = registry_demo.parse_scale(300)


def _fingerprint() -> list[tuple]:
    return list(
        Finding.objects.order_by(
            "inspection__start_date", "unit__area_code", "unit__name", "id"
        ).values_list("unit__name", "description", "deadline", "status")
    ) + list(
        Escalation.objects.order_by("failed_on", "unit__name").values_list(
            "unit__name", "sequence", "step", "state", "document"
        )
    )


def test_demo_is_deterministic_covers_every_state_and_wipes(db):
    registry_demo.build(seed=2017, scale=SMALL)
    demo.build_demo(seed=2017, log=None)
    first = _fingerprint()
    statuses = set(Finding.objects.values_list("status", flat=True))
    assert {FindingStatus.RECTIFIED, FindingStatus.OVERDUE, FindingStatus.FAILED} <= statuses
    assert set(Escalation.objects.values_list("step", flat=True)) == set(EscalationStep.values)
    assert Task.objects.filter(completed_on__isnull=True).exists()
    assert Task.objects.filter(completed_on__isnull=False).exists()
    assert ChangeRecord.objects.filter(object_type="supervision.finding").exists()
    demo.wipe_demo()
    assert not Unit.objects.exists()
    assert not ChangeRecord.objects.filter(object_type__startswith="supervision.").exists()
    demo.build_demo(seed=2017, log=None)
    assert _fingerprint() == first
