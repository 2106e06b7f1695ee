"""The monitoring demo on a small registry demo: every monitored household is an active
monitoring object, levels with a history, warnings in every state with their records,
deterministic from the seed, listed by the pages, and wiped cleanly before the registry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from fupin.accounts.models import User
from fupin.core.history import state_as_of, type_label
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.monitoring import demo, selectors
from fupin.monitoring.models import (
    GradingRound,
    HouseholdGrade,
    Measure,
    MonitoringObject,
    MonitoringStatus,
    RiskLevel,
    RiskWarning,
    WarningStatus,
)
from fupin.monitoring.services import ROUTING
from fupin.registry import demo as registry_demo
from fupin.registry.choices import HouseholdStatus
from fupin.registry.models import Household

pytestmark = pytest.mark.django_db

SMALL = registry_demo.parse_scale(1500)
SEED = 2017


def fingerprint() -> list[tuple]:
    objects = MonitoringObject.objects.order_by("household__number", "started_on").values_list(
        "household__number",
        "monitoring_type",
        "status",
        "risk_level",
        "previous_level",
        "level_changed_on",
        "risk_types",
        "started_on",
    )
    warnings = RiskWarning.objects.order_by("household__number", "created_at", "cause").values_list(
        "household__number",
        "channel",
        "source",
        "cause",
        "level",
        "department",
        "deadline",
        "status",
        "escalations",
        "evidence",
        "closed_at",
    )
    measures = Measure.objects.order_by(
        "warning__household__number", "warning__created_at", "taken_on", "description"
    ).values_list("warning__household__number", "description", "amount", "taken_on")
    return [*objects, *warnings, *measures]


@pytest.fixture
def built(db):
    registry_demo.build(seed=SEED, scale=SMALL)
    demo.build_demo(seed=SEED, log=None)


def test_monitored_households_are_active_objects_with_levels(built):
    monitored = dict(
        Household.objects.filter(status=HouseholdStatus.MONITORED).values_list(
            "id", "monitoring_type"
        )
    )
    assert len(monitored) >= 10
    active = MonitoringObject.objects.filter(status=MonitoringStatus.ACTIVE)
    # The invariant: exactly one active object per monitored household, of its type, and
    # no active object of a household that is not monitored.
    assert dict(active.values_list("household_id", "monitoring_type")) == monitored
    assert active.count() == len(monitored)
    assert set(active.values_list("risk_level", flat=True)) <= set(RiskLevel.values)
    assert len(set(active.values_list("risk_level", flat=True))) >= 3
    assert all(o.risk_types for o in active)
    # Risk eliminated (ended) objects: households now exited, ended in 2022–2025.
    ended = MonitoringObject.objects.filter(status=MonitoringStatus.ENDED)
    assert ended.exists()
    assert set(ended.values_list("household__status", flat=True)) == {HouseholdStatus.EXITED}


def test_level_history_raised_and_lowered(built):
    changed = MonitoringObject.objects.exclude(previous_level="")
    assert any(o.is_rising for o in changed)
    assert any(not o.is_rising for o in changed)
    obj = changed.first()
    recs = ChangeRecord.objects.filter(
        object_type=type_label(MonitoringObject), object_id=str(obj.pk)
    ).order_by("time", "id")
    assert recs[0].action == ChangeAction.CREATE
    last = recs.last()
    assert last.post_data["risk_level"] == obj.risk_level
    assert "risk_level" in recs[1].changes
    # The state as of just before the first change is the level it started with.
    before = state_as_of(
        type_label(MonitoringObject),
        str(obj.pk),
        recs[1].time.replace(microsecond=0) - dt.timedelta(seconds=1),
    )
    assert before["risk_level"] == recs[0].post_data["risk_level"]


def test_warnings_in_every_state_routed_with_records(built):
    today = timezone.localdate()
    ws = RiskWarning.objects.all()
    assert ws.filter(status=WarningStatus.ELIMINATED, closed_at__year__lte=2025).exists()
    assert ws.filter(status=WarningStatus.OPEN, deadline__gte=today).exists()
    assert ws.filter(status__in=[WarningStatus.OPEN, WarningStatus.ESCALATED], deadline__lt=today)
    assert ws.filter(status=WarningStatus.ESCALATED, escalations=1).exists()
    assert len(set(ws.values_list("channel", flat=True))) == 3
    assert all(w.department == ROUTING[w.cause] for w in ws)
    assert all(w.open_key is None for w in ws.filter(status=WarningStatus.ELIMINATED))
    assert all(w.open_key == f"{w.household_id}:{w.cause}" for w in ws.exclude(status="eliminated"))
    assert Measure.objects.exists()
    # Every created row has its creation record.
    for model in (MonitoringObject, RiskWarning, Measure):
        created = set(
            ChangeRecord.objects.filter(
                object_type=type_label(model), action=ChangeAction.CREATE
            ).values_list("object_id", flat=True)
        )
        assert created == {str(pk) for pk in model.objects.values_list("pk", flat=True)}
    # An ended object's household went exited → monitored → exited in its history.
    ended = MonitoringObject.objects.filter(status=MonitoringStatus.ENDED).first()
    h = ended.household
    statuses = [
        r.post_data["status"]
        for r in ChangeRecord.objects.filter(
            object_type=type_label(Household), object_id=str(h.pk)
        ).order_by("time", "id")
    ]
    assert statuses[-2:] == [HouseholdStatus.MONITORED, HouseholdStatus.EXITED]


def test_selectors_and_pages_list_the_village_objects(built):
    village = User.objects.get(username="village")
    county = User.objects.get(username="county")
    expected = MonitoringObject.objects.filter(
        status=MonitoringStatus.ACTIVE, household__village_id=village.area_id
    ).count()
    assert selectors.objects_for(village).count() == expected
    assert (
        selectors.objects_for(county).count()
        == MonitoringObject.objects.filter(status=MonitoringStatus.ACTIVE).count()
    )
    assert selectors.overdue(county).exists()
    client = Client()
    client.force_login(county)
    obj = selectors.objects_for(county).first()
    for lang in ("zh-hans", "en"):
        with override(lang):
            r = client.get(reverse("monitoring:objects"), HTTP_ACCEPT_LANGUAGE=lang)
            assert r.status_code == 200
            assert obj.household.number in r.content.decode()
            r = client.get(reverse("monitoring:warning_list"), HTTP_ACCEPT_LANGUAGE=lang)
            assert r.status_code == 200


def test_same_seed_same_data_and_wipe_leaves_nothing(db):
    registry_demo.build(seed=SEED, scale=registry_demo.parse_scale(600))
    demo.build_demo(seed=SEED, log=None)
    first = fingerprint()
    assert first
    demo.wipe_demo()
    assert not MonitoringObject.objects.exists()
    demo.build_demo(seed=SEED, log=None)
    assert fingerprint() == first
    demo.wipe_demo()
    registry_demo.wipe()
    for model in (MonitoringObject, RiskWarning, Measure, Household):
        assert not model.objects.exists()
    labels = [type_label(m) for m in (MonitoringObject, RiskWarning, Measure, Household)]
    assert not ChangeRecord.objects.filter(object_type__in=labels).exists()


def test_two_grading_rounds_with_township_adjustments(built):
    rounds = list(GradingRound.objects.order_by("as_of"))
    assert [r.name for r in rounds] == ["2021 H1", "2021 H2"]
    graded = Household.objects.filter(
        status__in=[HouseholdStatus.EXITED, HouseholdStatus.MONITORED]
    ).count()
    for r in rounds:
        assert r.households == HouseholdGrade.objects.filter(round=r).count() >= graded
        assert {g.colour for g in HouseholdGrade.objects.filter(round=r)} >= {"red", "blue"}
    adjusted = HouseholdGrade.objects.exclude(adjusted_by=None)
    assert adjusted.exists()
    assert {g.adjusted_by.role for g in adjusted} == {"township_station"}
    # every adjustment is an update record of the grade, by the township user, with the reason
    g = adjusted.first()
    rec = ChangeRecord.objects.get(
        object_type=type_label(HouseholdGrade), object_id=str(g.pk), action=ChangeAction.UPDATE
    )
    assert rec.user == g.adjusted_by and rec.reason == g.adjustment_reason
    # H2 knows H1's colours (the adjusted ones included)
    h2 = HouseholdGrade.objects.filter(round=rounds[1])
    assert (
        h2.exclude(previous_colour="").count()
        == HouseholdGrade.objects.filter(round=rounds[0]).count()
    )
