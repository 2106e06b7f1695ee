"""Ending a household's monitoring: only once the risk is eliminated and no warning is
open; the household goes back to its former status, with history."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import pair_cadre
from fupin.cases.tests.helpers import TODAY, make_household, walk_to_end
from fupin.core.errors import NotAllowed
from fupin.core.models import ChangeRecord
from fupin.monitoring import services
from fupin.monitoring.models import Channel, MonitoringStatus, RiskLevel, RiskType
from fupin.registry import services as registry
from fupin.registry.choices import HouseholdStatus, MonitoringType


def monitored(users, wages="1000"):
    h = make_household(users, "甲", "301", wages=wages, status=HouseholdStatus.EXITED)
    obj = services.monitoring_open(
        actor=users["village"],
        household=h,
        monitoring_type=MonitoringType.UNSTABLE_EXITED,
        risk_level=RiskLevel.GENERAL,
        risk_types=[RiskType.ILLNESS],
        reason="排查发现",
        today=TODAY,
    )
    walk_to_end(users, obj.case)
    obj.refresh_from_db()
    h.refresh_from_db()
    assert h.status == HouseholdStatus.MONITORED and obj.status == MonitoringStatus.ACTIVE
    return h, obj


def test_monitoring_ends_only_when_the_risk_is_eliminated(users):
    h, obj = monitored(users)
    with pytest.raises(services.RiskNotEliminated):  # income 1,000 is under the threshold
        services.monitoring_end(actor=users["county"], obj=obj, reason="稳定", today=TODAY)
    registry.income_set(
        actor=users["village"], household=h, year=2016, data={"wages": Decimal("9000")}
    )
    pair_cadre(h, users["cadre"])
    w = services.warning_create(
        actor=users["cadre"],
        household=h,
        channel=Channel.VISIT,
        cause=RiskType.ILLNESS,
        evidence="住院",
        proposed_level=RiskLevel.GENERAL,
        today=TODAY,
    )
    with pytest.raises(services.RiskNotEliminated) as exc:  # a warning is still open
        services.monitoring_end(actor=users["county"], obj=obj, reason="稳定", today=TODAY)
    assert f"#{w.pk}" in str(exc.value.message)
    services.warning_eliminate(actor=users["county"], warning=w, note="报销到位", today=TODAY)
    with pytest.raises(NotAllowed):  # village staff may not end it
        services.monitoring_end(actor=users["village"], obj=obj, reason="稳定", today=TODAY)
    services.monitoring_end(actor=users["county"], obj=obj, reason="收入稳定", today=TODAY)
    obj.refresh_from_db()
    h.refresh_from_db()
    assert obj.status == MonitoringStatus.ENDED
    assert h.status == HouseholdStatus.EXITED and h.monitoring_type == ""
    rec = ChangeRecord.objects.filter(
        object_type="registry.household", object_id=str(h.pk), reason="收入稳定"
    ).get()
    assert rec.changes["status"] == [HouseholdStatus.MONITORED, HouseholdStatus.EXITED]


def test_end_page(client, users):
    _h, obj = monitored(users, wages="9000")
    client.force_login(users["township"])
    page = client.get(f"/monitoring/objects/{obj.pk}/end/")
    assert page.status_code == 200
    done = client.post(f"/monitoring/objects/{obj.pk}/end/", {"reason": "风险消除"})
    assert done.status_code == 302
    obj.refresh_from_db()
    assert obj.status == MonitoringStatus.ENDED
    client.force_login(users["neighbour"])
    assert client.get(f"/monitoring/objects/{obj.pk}/end/").status_code == 404


def test_a_warning_above_the_level_raises_it_in_the_households_history(users):
    from fupin.core.history import history_of

    h, obj = monitored(users)
    pair_cadre(h, users["cadre"])
    services.warning_create(
        actor=users["cadre"],
        household=h,
        channel=Channel.VISIT,
        cause=RiskType.ILLNESS,
        evidence="大病住院",
        proposed_level=RiskLevel.MAJOR,
        today=TODAY,
    )
    obj.refresh_from_db()
    assert obj.risk_level == RiskLevel.MAJOR and obj.previous_level == RiskLevel.GENERAL
    raised = [r for r in history_of(h) if r.changes.get("risk_level")]
    assert raised and raised[0].changes["risk_level"] == [RiskLevel.GENERAL, RiskLevel.MAJOR]
