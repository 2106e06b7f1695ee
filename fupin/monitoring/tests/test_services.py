"""Monitoring services: the case that puts a household under monitoring, warnings from
each channel routed with their deadline, escalation, risk elimination, the rule scan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import NEIGHBOUR, pair_cadre
from fupin.cases.procedures import CaseKind
from fupin.cases.tests.helpers import TODAY, make_household, walk_to_end
from fupin.compare.models import ComparisonRun, DatasetKind, Finding, Rule
from fupin.core.errors import NotAllowed, OutsideArea
from fupin.core.history import history_of
from fupin.monitoring import services
from fupin.monitoring.models import (
    Channel,
    Department,
    MonitoringStatus,
    RiskLevel,
    RiskType,
    RiskWarning,
    RuleConfig,
    WarningStatus,
)
from fupin.registry import services as registry
from fupin.registry.choices import HouseholdStatus, MonitoringType


def _warn(users, h, cause=RiskType.ILLNESS, channel=Channel.VISIT, actor="cadre", **kw):
    if actor == "cadre":  # a cadre reports on the households it is paired with
        pair_cadre(h, users["cadre"])
    return services.warning_create(
        actor=users[actor],
        household=h,
        channel=channel,
        cause=cause,
        evidence="住院花费大",
        proposed_level=kw.pop("level", RiskLevel.GENERAL),
        today=TODAY,
        **kw,
    )


def test_monitoring_case_walks_to_monitored(users):
    h = make_household(users, "甲", "201", status=HouseholdStatus.EXITED)
    obj = services.monitoring_open(
        actor=users["village"],
        household=h,
        monitoring_type=MonitoringType.UNSTABLE_EXITED,
        risk_level=RiskLevel.SERIOUS,
        risk_types=[RiskType.ILLNESS, RiskType.SCHOOLING],
        reason="排查发现",
        today=TODAY,
    )
    assert obj.case.kind == CaseKind.MONITORING
    assert obj.status == MonitoringStatus.PROPOSED
    walk_to_end(users, obj.case)
    h.refresh_from_db()
    obj.refresh_from_db()
    assert h.status == HouseholdStatus.MONITORED
    assert h.monitoring_type == MonitoringType.UNSTABLE_EXITED
    assert obj.status == MonitoringStatus.ACTIVE and obj.started_on == TODAY
    assert obj.risk_type_labels()


def test_poor_household_cannot_be_put_under_monitoring(users):
    from fupin.core.errors import ValidationFailed

    h = make_household(users, "甲", "202", status=HouseholdStatus.POOR)
    with pytest.raises(ValidationFailed):
        services.monitoring_open(
            actor=users["village"],
            household=h,
            monitoring_type=MonitoringType.EDGE,
            risk_level=RiskLevel.LOW,
            risk_types=[RiskType.OTHER],
            today=TODAY,
        )


def test_risk_level_change_is_recorded(users):
    h = make_household(users, "甲", "203", status=HouseholdStatus.EXITED)
    obj = services.monitoring_open(
        actor=users["village"],
        household=h,
        monitoring_type=MonitoringType.EDGE,
        risk_level=RiskLevel.LOW,
        risk_types=[RiskType.WATER],
        today=TODAY,
    )
    services.risk_level_set(
        actor=users["township"], obj=obj, level=RiskLevel.MAJOR, reason="大病", today=TODAY
    )
    obj.refresh_from_db()
    assert obj.is_rising and obj.colour == "red"
    changes = [r.changes for r in history_of(obj) if "risk_level" in r.changes]
    assert changes[0]["risk_level"] == [RiskLevel.LOW, RiskLevel.MAJOR]


@pytest.mark.parametrize(
    ("cause", "department"),
    [
        (RiskType.ILLNESS, Department.HEALTH_INSURANCE),
        (RiskType.DISABILITY, Department.DISABLED_FEDERATION),
        (RiskType.SCHOOLING, Department.EDUCATION),
        (RiskType.DISASTER, Department.EMERGENCY),
        (RiskType.UNSTABLE_WORK, Department.HUMAN_RESOURCES),
        (RiskType.HOUSING, Department.HOUSING),
        (RiskType.WATER, Department.WATER),
        (RiskType.FAMILY_CHANGE, Department.CIVIL_AFFAIRS),
    ],
)
def test_visit_warning_routed_with_deadline(users, cause, department):
    h = make_household(users, "甲", "204", status=HouseholdStatus.EXITED)
    w = _warn(users, h, cause=cause)
    assert w.department == department
    assert w.deadline == TODAY + dt.timedelta(days=10)
    assert w.channel == Channel.VISIT and w.status == WarningStatus.OPEN


def test_deadline_from_rule_config_and_staff_self_report(users, tree):
    RuleConfig.objects.create(region_id="431129000000", year=2016, response_days=3)
    h = make_household(users, "甲", "205", status=HouseholdStatus.EXITED)
    w = _warn(users, h, channel=Channel.SELF_REPORT, actor="village")
    assert w.deadline == TODAY + dt.timedelta(days=3)
    assert w.department == Department.HEALTH_INSURANCE


def test_one_open_warning_per_cause(users):
    h = make_household(users, "甲", "206", status=HouseholdStatus.EXITED)
    _warn(users, h)
    with pytest.raises(services.WarningExists):
        _warn(users, h)
    _warn(users, h, cause=RiskType.HOUSING)


def test_warning_outside_area_and_wrong_role(users):
    h = make_household(users, "甲", "207", status=HouseholdStatus.EXITED)
    with pytest.raises(OutsideArea):
        _warn(users, h, actor="neighbour")
    with pytest.raises(NotAllowed):
        _warn(users, h, actor="inspector")


def test_escalation_raises_level_and_renews_deadline(users):
    h = make_household(users, "甲", "208", status=HouseholdStatus.EXITED)
    w = _warn(users, h, level=RiskLevel.GENERAL)
    later = TODAY + dt.timedelta(days=20)
    assert w.is_overdue_on(later)
    w = services.warning_escalate(actor=users["county"], warning=w, reason="逾期", today=later)
    assert w.level == RiskLevel.SERIOUS and w.status == WarningStatus.ESCALATED
    assert w.deadline == later + dt.timedelta(days=5)
    assert not w.is_overdue_on(later)
    w = services.warning_escalate(actor=users["county"], warning=w, reason="再次", today=later)
    w = services.warning_escalate(actor=users["county"], warning=w, reason="再次", today=later)
    assert w.level == RiskLevel.MAJOR and w.escalations == 3
    with pytest.raises(NotAllowed):
        services.warning_escalate(actor=users["village"], warning=w, reason="x", today=later)


def test_elimination_refused_until_conditions_hold(users):
    h = make_household(users, "甲", "209", wages="1000", status=HouseholdStatus.EXITED)
    w = _warn(users, h)
    with pytest.raises(services.RiskNotEliminated):
        services.warning_eliminate(actor=users["county"], warning=w, note="好转", today=TODAY)
    registry.income_set(
        actor=users["village"], household=h, year=2016, data={"wages": Decimal("9000")}
    )
    registry.assessment_set(
        actor=users["village"],
        household=h,
        year=2016,
        data={"medical_secured": False},
    )
    with pytest.raises(services.RiskNotEliminated) as exc:
        services.warning_eliminate(actor=users["county"], warning=w, note="好转", today=TODAY)
    assert "medical" in str(exc.value.message).lower() or "医疗" in str(exc.value.message)
    registry.assessment_set(
        actor=users["village"], household=h, year=2016, data={"medical_secured": True}
    )
    with pytest.raises(services.WarningExists):
        _warn(users, h)
    w = services.warning_eliminate(actor=users["county"], warning=w, note="好转", today=TODAY)
    assert w.status == WarningStatus.ELIMINATED and w.open_key is None
    # closed: a new warning for the same cause may open, and a review is recorded
    _warn(users, h)
    w = services.warning_review(
        actor=users["township"], warning=w, worked="医保报销及时", not_worked="发现晚"
    )
    assert w.reviewed_at is not None


def test_measures_by_routed_department_only(users):
    h = make_household(users, "甲", "210", status=HouseholdStatus.EXITED)
    w = _warn(users, h)
    dep = users["department"]
    dep.unit = "教育局"
    dep.save()
    with pytest.raises(NotAllowed):
        services.measure_add(actor=dep, warning=w, description="资助", taken_on=TODAY)
    dep.unit = "医保局"
    dep.save()
    m = services.measure_add(
        actor=dep, warning=w, description="大病保险报销", taken_on=TODAY, amount=Decimal("3000")
    )
    assert m.department == Department.HEALTH_INSURANCE


def _finding(h, rule, member=None, key="k"):
    run, _ = ComparisonRun.objects.get_or_create(
        kind=DatasetKind.MEDICAL_SPENDING,
        defaults={"area_code": "", "file_name": "x.csv", "sha256": "0"},
    )
    return Finding.objects.create(
        household=h,
        member=member,
        run=run,
        kind=DatasetKind.MEDICAL_SPENDING,
        rule=rule,
        key=key,
        fingerprint=f"{h.pk}{rule}{key}",
        summary=f"{rule} 自付 30000",
    )


def test_rule_scan_is_idempotent_and_routed(users):
    sick = make_household(users, "甲", "211", wages="8000", status=HouseholdStatus.EXITED)
    poor_income = make_household(users, "乙", "212", wages="1000", status=HouseholdStatus.EXITED)
    head = poor_income.members.get()
    ok = make_household(users, "丙", "213", wages="8000", status=HouseholdStatus.EXITED)
    _finding(sick, Rule.MEDICAL_HIGH)
    _finding(sick, Rule.MEDICAL_HIGH, key="k2")
    _finding(poor_income, Rule.DEATH_ACTIVE, member=head)
    first = services.scan(today=TODAY)
    assert first.created == 3
    ws = {(w.household_id, w.cause): w for w in RiskWarning.objects.all()}
    assert ws[(sick.pk, RiskType.ILLNESS)].department == Department.HEALTH_INSURANCE
    assert ws[(sick.pk, RiskType.ILLNESS)].deadline == TODAY + dt.timedelta(days=10)
    assert ws[(poor_income.pk, RiskType.FAMILY_CHANGE)].level == RiskLevel.MAJOR
    income = ws[(poor_income.pk, RiskType.UNSTABLE_WORK)]
    assert income.department == Department.HUMAN_RESOURCES and "2952" in income.evidence
    assert (ok.pk, RiskType.UNSTABLE_WORK) not in ws
    assert history_of(income).exists()
    again = services.scan(today=TODAY)
    assert again.created == 0
    assert RiskWarning.objects.count() == 3


def test_disaster_list_for_an_area(users):
    a = make_household(users, "甲", "214", status=HouseholdStatus.EXITED)
    b = make_household(users, "乙", "215", status=HouseholdStatus.POOR)
    other = make_household(users, "丙", "216", status=HouseholdStatus.EXITED, village=NEIGHBOUR)
    r = services.disaster(
        area=a.village_id, cause=RiskType.DISASTER, level=RiskLevel.SERIOUS, evidence="洪灾"
    )
    assert r.created == 2
    got = set(RiskWarning.objects.values_list("household_id", "department"))
    assert got == {(a.pk, Department.EMERGENCY), (b.pk, Department.EMERGENCY)}
    assert other.pk not in {x for x, _ in got}
    assert (
        services.disaster(
            area=a.village_id, cause=RiskType.DISASTER, level=RiskLevel.SERIOUS, evidence="洪灾"
        ).created
        == 0
    )


def test_elimination_needs_income_above_the_threshold_not_at_it(users):
    """Risk elimination asks for income above the monitoring threshold: exactly at it is
    not enough, one fen more is (policy.comparisons, strict)."""
    from fupin.policy.selectors import current_policy

    h = make_household(users, "甲", "211", wages="1000", status=HouseholdStatus.EXITED)
    registry.assessment_set(actor=users["village"], household=h, year=2016, data={})
    line = current_policy(h.village_id, on=TODAY).line_for_monitoring()
    data = {"household_size": 1, "wages": line}
    registry.income_set(actor=users["village"], household=h, year=2016, data=data)
    problems = services.elimination_check(h, TODAY)
    assert len(problems) == 1 and str(line) in problems[0]
    data["wages"] = line + Decimal("0.01")
    registry.income_set(actor=users["village"], household=h, year=2016, data=data)
    assert services.elimination_check(h, TODAY) == []
