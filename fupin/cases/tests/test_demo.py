"""The cases demo on a small registry demo: every household status on record comes with
the passed case that decided it, its steps signed in order by users of each step's role
over the village (four eyes on the reviews), its public notice, and change records; the
monitoring demo links every monitoring object to its monitoring case; the wipes, in the
command's order, leave nothing behind."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from itertools import pairwise

import pytest

from fupin.accounts.models import User
from fupin.accounts.roles import Role
from fupin.cases import demo
from fupin.cases.models import Case, CaseStatus, CaseStep, Notice, Objection, StepDecision
from fupin.cases.procedures import FINAL_STATUS, CaseKind, step_of
from fupin.core.history import snapshot, type_label
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.core.scope import user_covers
from fupin.monitoring import demo as monitoring_demo
from fupin.monitoring.models import MonitoringObject, MonitoringStatus
from fupin.registry import demo as registry_demo
from fupin.registry.choices import HouseholdStatus as S
from fupin.registry.models import Household

pytestmark = pytest.mark.django_db

SMALL = registry_demo.parse_scale(1500)
SEED = 2017


@pytest.fixture
def built(db):
    registry_demo.build(seed=SEED, scale=SMALL)
    demo.build_demo(seed=SEED, log=None)
    monitoring_demo.build_demo(seed=SEED, log=None)


def _history() -> dict[int, list[tuple]]:
    """(time, status before, status after, reason) of every status change on record."""
    out: dict[int, list[tuple]] = defaultdict(list)
    rows = (
        ChangeRecord.objects.filter(object_type=type_label(Household))
        .order_by("time", "id")
        .values_list("object_id", "time", "action", "changes", "reason")
    )
    for oid, time, action, changes, reason in rows:
        status = (changes or {}).get("status")
        if action == ChangeAction.CREATE:
            out[int(oid)].append((time, S.CANDIDATE, status[1] if status else "", reason))
        elif status:
            out[int(oid)].append((time, status[0], status[1], reason))
    return out


def test_every_status_on_record_has_the_passed_case_that_decided_it(built):
    households = {h.pk: h for h in Household.objects.all()}
    cases = defaultdict(list)
    for c in Case.objects.all():
        cases[c.household_id].append(c)
    ended_on = {
        (int(r.related_id), r.time.astimezone(registry_demo.TZ).date())
        for r in ChangeRecord.objects.filter(object_type=type_label(MonitoringObject))
        if "status" in r.changes and r.post_data["status"] == MonitoringStatus.ENDED
    }
    assert ended_on
    kinds = set()
    checked = 0
    for hid, changes in _history().items():
        h = households[hid]
        for time, before, after, reason in changes:
            if after == S.CANDIDATE:
                continue
            if reason == monitoring_demo.DEMO_REASON and after == S.EXITED:
                # Monitoring ended (风险消除): the monitoring object's own end, same moment.
                assert (hid, time.astimezone(registry_demo.TZ).date()) in ended_on, h.number
                continue
            match = [
                c
                for c in cases[hid]
                if c.closed_at == time
                and FINAL_STATUS[c.kind] == after
                and c.status == CaseStatus.PASSED
            ]
            assert len(match) == 1, (h.number, time, after)
            assert match[0].status_before == before
            kinds.add(match[0].kind)
            checked += 1
        # The current status: its passed case (a monitored household: a monitoring case).
        if h.status != S.CANDIDATE:
            passed = [c for c in cases[hid] if c.status == CaseStatus.PASSED]
            assert any(FINAL_STATUS[c.kind] == h.status for c in passed), h.number
            last = max(passed, key=lambda c: c.closed_at)
            assert last.closed_at <= changes[-1][0]
    assert checked >= len(households)
    assert kinds == {
        CaseKind.INCLUSION,
        CaseKind.EXIT,
        CaseKind.REMOVAL,
        CaseKind.RETURN,
        CaseKind.MONITORING,
    }
    # Candidates have no case.
    assert not Case.objects.filter(household__status=S.CANDIDATE).exists()


def test_steps_in_order_signed_by_their_role_with_four_eyes_and_notices(built):
    users = {u.pk: u for u in User.objects.select_related("area")}
    steps = defaultdict(list)
    for s in CaseStep.objects.order_by("done_at", "id"):
        steps[s.case_id].append(s)
    notices = defaultdict(list)
    for link in Notice.cases.through.objects.select_related("notice"):
        notices[link.case_id].append(link.notice)
    cases = list(Case.objects.select_related("household"))
    assert cases
    reviewed_by_second_user = 0
    for case in cases:
        recs = steps[case.pk]
        assert [r.step for r in recs] == case.steps, case.pk
        assert [r.index for r in recs] == list(range(len(case.steps)))
        assert recs[-1].done_at == case.closed_at
        assert case.opened_at < recs[0].done_at
        assert all(a.done_at < b.done_at for a, b in pairwise(recs))
        assert case.decision is None and case.step_index == len(case.steps) - 1
        authors = {case.opened_by_id}
        village = case.household.village_id
        for r in recs:
            step = step_of(case.kind, r.step)
            if step.notice:
                assert r.actor_id is None and r.decision == StepDecision.NOTICE_ENDED
                (notice,) = notices[case.pk]
                assert notice.village_id == village and notice.completed_at is not None
                assert notice.posted_on < r.done_at.date() and notice.ends_on < r.done_at.date()
                assert f"{notice.pk}" in r.evidence
                continue
            actor = users[r.actor_id]
            assert actor.role == step.role and user_covers(actor, village), (case.pk, r.step)
            assert r.actor_name == actor.username
            assert r.decision == (StepDecision.APPROVE if step.review else StepDecision.DONE)
            if step.four_eyes:
                assert r.actor_id not in authors, (case.pk, r.step)
                if step.role == Role.TOWNSHIP_STATION and len(authors - {None}) > 1:
                    reviewed_by_second_user += 1
            authors.add(r.actor_id)
        if case.kind == CaseKind.REMOVAL:
            assert case.written_notice_on == case.closed_at.astimezone(registry_demo.TZ).date()
    assert reviewed_by_second_user > 0
    # The demo logins sign in their own areas: the second township login too.
    village = User.objects.get(username="village")
    assert CaseStep.objects.filter(actor=village).exists()
    assert CaseStep.objects.filter(actor__username="township2").exists()
    assert CaseStep.objects.filter(actor__username="township").exists()
    assert CaseStep.objects.filter(actor__username="county").exists()
    assert Objection.objects.exists() or Notice.objects.count() < 30


def test_change_records_for_cases_steps_and_notices(built):
    for model in (Case, CaseStep, Notice, Objection):
        created = set(
            ChangeRecord.objects.filter(
                object_type=type_label(model), action=ChangeAction.CREATE
            ).values_list("object_id", flat=True)
        )
        assert created == {str(pk) for pk in model.objects.values_list("pk", flat=True)}
    # The latest record of a case and of a step is its stored state, by who acted.
    case = Case.objects.filter(kind=CaseKind.INCLUSION).first()
    recs = ChangeRecord.objects.filter(object_type="cases.case", object_id=str(case.pk))
    assert [r.action for r in recs.order_by("time", "id")] == ["create", "update"]
    assert recs.order_by("-time").first().post_data == snapshot(case)
    assert recs.get(action="create").user_id == case.opened_by_id
    step = case.records.order_by("index").last()
    rec = ChangeRecord.objects.get(object_type="cases.casestep", object_id=str(step.pk))
    assert rec.post_data == snapshot(step)
    assert (rec.user_id, rec.time) == (step.actor_id, step.done_at)


def test_every_monitoring_object_has_its_case(built):
    objects = list(MonitoringObject.objects.select_related("case"))
    assert objects and any(o.status == MonitoringStatus.ENDED for o in objects)
    for o in objects:
        assert o.case is not None, o.pk
        assert o.case.kind == CaseKind.MONITORING and o.case.household_id == o.household_id
        assert o.case.status == CaseStatus.PASSED
        assert o.case.closed_at.astimezone(registry_demo.TZ).date() <= o.started_on
    ended = next(o for o in objects if o.status == MonitoringStatus.ENDED)
    assert ended.case.status_before == S.EXITED


def test_logins_for_four_eyes_and_the_prefecture_inspector(built):
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[n for n, _ in registry_demo.LOGINS])
    }
    assert users["township2"].area_id == users["township"].area_id
    assert users["township2"].role == Role.TOWNSHIP_STATION
    assert users["county2"].area_id == users["county"].area_id == "431129000000"
    assert users["city_inspector"].role == Role.INSPECTOR
    assert users["city_inspector"].area_id == "431100000000"
    areas = {row[0]: row[3] for row in registry_demo.logins()}
    assert areas["city_inspector"] == "永州市" and areas["township2"] == areas["township"]


def test_wipes_in_the_command_order_leave_nothing(built):
    monitoring_demo.wipe_demo()
    assert not MonitoringObject.objects.exists()
    assert Case.objects.exists()  # the cases demo's own stay until its wipe
    demo.wipe_demo()
    registry_demo.wipe()
    for model in (Case, CaseStep, Notice, Objection, Household):
        assert not model.objects.exists()
    labels = [type_label(m) for m in (*demo.MODELS, Household)]
    assert not ChangeRecord.objects.filter(object_type__in=labels).exists()
    assert not User.objects.filter(username__startswith=demo.USER_PREFIX).exists()


def test_poor_villages_and_the_county_exit_through_their_cases(built):
    from fupin.cases.area import demo as area_demo
    from fupin.cases.models import AreaCase, AreaCaseStep
    from fupin.cases.procedures import AreaKind
    from fupin.geo.models import CountyProfile, VillageProfile
    from fupin.indicators import selectors as figures

    exited = VillageProfile.objects.exclude(exit_year=None)
    assert exited.exists()
    for vp in exited:
        case = AreaCase.objects.get(area_id=vp.village_id, status=CaseStatus.PASSED)
        assert vp.is_poor_village and case.closed_at.year == vp.exit_year
        steps = list(AreaCaseStep.objects.filter(case=case).order_by("index"))
        assert [s.step for s in steps] == case.steps
        verified, approved = steps[1].actor, steps[3].actor
        assert verified.role == Role.TOWNSHIP_STATION and approved.role == Role.COUNTY_OFFICE
        assert approved != verified and user_covers(approved, vp.village_id)
        record = ChangeRecord.objects.filter(
            object_type=type_label(VillageProfile), object_id=vp.village_id
        ).latest("time", "id")
        assert (
            record.changes == {"exit_year": [None, vp.exit_year]} and f"#{case.pk}" in record.reason
        )
    # Most poor villages exited by 2019 (Chenzhou: 313 of 442 by 2017).
    poor = VillageProfile.objects.filter(is_poor_village=True).count()
    assert exited.filter(exit_year__lte=2019).count() >= poor // 2
    county = CountyProfile.objects.get(county_id="431129000000")
    assert county.poor_county and county.exit_year == 2019
    case = AreaCase.objects.get(kind=AreaKind.COUNTY_EXIT)
    levels = [s.actor.area.level if s.actor else None for s in case.records.order_by("index")]
    assert levels == [3, 2, 1, None, 1]
    # One village applies this year, its checklist recorded by the township.
    open_case = AreaCase.objects.get(kind=AreaKind.VILLAGE_EXIT, status=CaseStatus.IN_PROGRESS)
    assert open_case.checklist["items"] and open_case.current_step.notice
    # The figures as of the end of 2017 count the exits of that year.
    values = figures.figures("431129000000", as_of=dt.date(2017, 12, 31), depth=0)[0].values
    assert values["poor_villages_exited"] == exited.filter(exit_year=2017).count()
    assert values["poor_counties"] == 1 and values["poor_counties_exited"] == 0
    area_demo.wipe()
    assert not AreaCase.objects.exists() and not CountyProfile.objects.exists()
    assert not VillageProfile.objects.exclude(exit_year=None).exists()
