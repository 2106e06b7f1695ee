"""Who may raise and lower a risk level, escalate a warning, declare its risk eliminated
and end the monitoring (the authority table's risk.raise, risk.lower, warning.escalate,
warning.eliminate, monitoring.end): the services refuse the others (403 with the reason)
and leave the database unchanged; the pages show only the allowed actions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import pair_cadre
from fupin.cases.tests.helpers import TODAY, make_household, walk_to_end
from fupin.core.errors import NotAllowed
from fupin.core.models import ChangeRecord
from fupin.monitoring import services
from fupin.monitoring.models import (
    Channel,
    MonitoringStatus,
    RiskLevel,
    RiskType,
    WarningStatus,
)
from fupin.registry.choices import HouseholdStatus, MonitoringType

pytestmark = pytest.mark.django_db


def monitored(users, level=RiskLevel.GENERAL, seq="401"):
    h = make_household(users, "甲", seq, wages="9000", status=HouseholdStatus.EXITED)
    obj = services.monitoring_open(
        actor=users["village"],
        household=h,
        monitoring_type=MonitoringType.UNSTABLE_EXITED,
        risk_level=level,
        risk_types=[RiskType.ILLNESS],
        reason="排查发现",
        today=TODAY,
    )
    walk_to_end(users, obj.case)
    obj.refresh_from_db()
    assert obj.status == MonitoringStatus.ACTIVE
    return obj


def warning(users, seq="402"):
    h = make_household(users, "乙", seq, wages="9000", status=HouseholdStatus.EXITED)
    return services.warning_create(
        actor=users["village"],
        household=h,
        channel=Channel.VISIT,
        cause=RiskType.ILLNESS,
        evidence="住院花费大",
        proposed_level=RiskLevel.GENERAL,
    )


def served_if_cadre(users, name, household) -> None:
    """A cadre acts only on the households it is paired with (an unpaired one is "not
    found", fupin/assistance/tests/test_cadre_scope.py): pair it, so that the role's
    refusal is what is tested here."""
    if name == "cadre":
        pair_cadre(household, users["cadre"])


def records() -> int:
    return ChangeRecord.objects.count()


def test_village_raises_but_does_not_lower_a_risk_level(users):
    obj = monitored(users)
    assert services.allowed_levels(users["village"], obj) == [RiskLevel.MAJOR, RiskLevel.SERIOUS]
    before = records()
    with pytest.raises(NotAllowed):
        services.risk_level_set(
            actor=users["village"], obj=obj, level=RiskLevel.LOW, reason="已好转"
        )
    assert records() == before
    obj.refresh_from_db()
    assert obj.risk_level == RiskLevel.GENERAL and obj.previous_level == ""
    obj = services.risk_level_set(
        actor=users["village"], obj=obj, level=RiskLevel.SERIOUS, reason="病情加重"
    )
    assert obj.risk_level == RiskLevel.SERIOUS and records() == before + 1
    # The township lowers it.
    assert RiskLevel.LOW in services.allowed_levels(users["township"], obj)
    obj = services.risk_level_set(
        actor=users["township"], obj=obj, level=RiskLevel.LOW, reason="已报销"
    )
    assert obj.risk_level == RiskLevel.LOW and obj.previous_level == RiskLevel.SERIOUS


@pytest.mark.parametrize("name", ["cadre", "inspector", "department", "admin"])
def test_other_roles_neither_raise_nor_lower(users, name):
    obj = monitored(users)
    served_if_cadre(users, name, obj.household)
    assert services.allowed_levels(users[name], obj) == []
    before = records()
    for level in (RiskLevel.MAJOR, RiskLevel.LOW):
        with pytest.raises(NotAllowed):
            services.risk_level_set(actor=users[name], obj=obj, level=level, reason="x")
    assert records() == before
    obj.refresh_from_db()
    assert obj.risk_level == RiskLevel.GENERAL


@pytest.mark.parametrize("name", ["village", "cadre", "inspector", "department"])
def test_escalate_and_eliminate_refused_below_the_township(users, name):
    w = warning(users)
    assert not services.may_escalate(users[name], w)
    assert not services.may_eliminate(users[name], w)
    before = records()
    with pytest.raises(NotAllowed):
        services.warning_escalate(actor=users[name], warning=w, reason="逾期")
    with pytest.raises(NotAllowed):
        services.warning_eliminate(actor=users[name], warning=w, note="已消除")
    assert records() == before
    w.refresh_from_db()
    assert w.status == WarningStatus.OPEN and w.escalations == 0
    assert w.level == RiskLevel.GENERAL and w.closed_at is None


def test_township_escalates_and_county_eliminates(users):
    w = warning(users)
    w = services.warning_escalate(actor=users["township"], warning=w, reason="逾期未处置")
    assert w.status == WarningStatus.ESCALATED and w.level == RiskLevel.SERIOUS
    w = services.warning_eliminate(actor=users["county"], warning=w, note="收入稳定")
    assert w.status == WarningStatus.ELIMINATED


@pytest.mark.parametrize("name", ["village", "cadre", "inspector"])
def test_ending_the_monitoring_refused_below_the_township(client, users, name):
    obj = monitored(users)
    h = obj.household
    served_if_cadre(users, name, h)
    assert not services.may_end(users[name], obj)
    before = records()
    with pytest.raises(NotAllowed):
        services.monitoring_end(actor=users[name], obj=obj, reason="风险消除")
    assert records() == before
    obj.refresh_from_db()
    h.refresh_from_db()
    assert obj.status == MonitoringStatus.ACTIVE and h.status == HouseholdStatus.MONITORED
    client.force_login(users[name])
    end = reverse("monitoring:object_end", args=[obj.pk])
    assert end not in client.get(reverse("household_detail", args=[h.pk])).text
    assert client.get(end).status_code == 403
    assert client.post(end, {"reason": "风险消除"}).status_code == 403
    client.force_login(users["township"])
    assert end in client.get(reverse("household_detail", args=[h.pk])).text


def test_pages_show_only_the_allowed_actions(client, users):
    w = warning(users)
    obj = monitored(users, level=RiskLevel.MAJOR, seq="403")
    url = reverse("monitoring:warning_detail", args=[w.pk])
    level_url = reverse("monitoring:object_level", args=[obj.pk])
    client.force_login(users["village"])
    page = client.get(url).text
    assert 'value="escalate"' not in page and 'value="eliminate"' not in page
    assert client.post(url, {"action": "escalate", "esc-reason": "x"}).status_code == 403
    w.refresh_from_db()
    assert w.escalations == 0
    # Major is the top: the village user can only lower it, which they may not.
    assert level_url not in client.get(reverse("monitoring:objects")).text
    assert client.get(level_url).status_code == 403
    client.force_login(users["township"])
    page = client.get(url).text
    assert 'value="escalate"' in page and 'value="eliminate"' in page
    assert level_url in client.get(reverse("monitoring:objects")).text
    form = client.get(level_url).text
    assert f'value="{RiskLevel.LOW}"' in form and f'value="{RiskLevel.MAJOR}"' not in form


def test_level_page_offers_the_village_only_higher_levels(client, users):
    obj = monitored(users)
    client.force_login(users["village"])
    form = client.get(reverse("monitoring:object_level", args=[obj.pk])).text
    assert f'value="{RiskLevel.SERIOUS}"' in form and f'value="{RiskLevel.LOW}"' not in form
    r = client.post(
        reverse("monitoring:object_level", args=[obj.pk]),
        {"level": RiskLevel.LOW, "reason": "已好转"},
    )
    assert r.status_code == 403
    obj.refresh_from_db()
    assert obj.risk_level == RiskLevel.GENERAL
