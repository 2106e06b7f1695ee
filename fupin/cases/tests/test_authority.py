"""Who may take each decision on a case: every step of every procedure by every role (only
the step's role; the notice step by nobody), four eyes on the township and county
reviews (and the county's policy switch), withdrawing a case, resolving an objection.
Each refusal leaves the database unchanged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from conftest import VILLAGE
from fupin.accounts.authority import FourEyes
from fupin.accounts.models import User
from fupin.accounts.roles import Role
from fupin.cases import services
from fupin.cases.models import Case, CaseStatus, CaseStep, Objection, ObjectionStatus
from fupin.cases.procedures import PROCEDURES, CaseKind
from fupin.cases.tests.helpers import (
    TODAY,
    do,
    make_household,
    post_notice,
    second_user,
    walk_to_notice,
)
from fupin.core.errors import NotAllowed, OutsideArea
from fupin.core.models import ChangeRecord

pytestmark = pytest.mark.django_db

TOWNSHIP_CODE, COUNTY_CODE = "431129100000", "431129000000"
# Where a user of each role sits so that their area covers conftest.VILLAGE.
ROLE_AREA = {
    Role.VILLAGE_STAFF: VILLAGE,
    Role.TOWNSHIP_STATION: TOWNSHIP_CODE,
    Role.COUNTY_OFFICE: COUNTY_CODE,
    Role.DEPARTMENT: COUNTY_CODE,
    Role.INSPECTOR: COUNTY_CODE,
    Role.CADRE: VILLAGE,
    Role.SYSADMIN: None,
}
# A household status from which a case of each kind may be opened.
START = {
    CaseKind.INCLUSION: "candidate",
    CaseKind.EXIT: "poor",
    CaseKind.REMOVAL: "poor",
    CaseKind.RETURN: "exited",
    CaseKind.MEMBER_CHANGE: "poor",
    CaseKind.MONITORING: "exited",
}


def actor_of(role: str) -> User:
    """A fresh user of the role whose area covers the village: never an author."""
    if role == Role.SYSADMIN:
        return User.objects.create_superuser(username="actor", password="x", role=role)
    return User.objects.create_user(
        username="actor", password="x", role=role, area_id=ROLE_AREA[role]
    )


def counts() -> tuple[int, int]:
    return CaseStep.objects.count(), ChangeRecord.objects.count()


def open_case(users, kind, status=None, actor="village"):
    h = make_household(users, "盘石生", "101", status=status or START[kind], wages="3600")
    return services.case_open(actor=users[actor], household=h, kind=kind, today=TODAY)


def step_kwargs(step) -> dict:
    if step.review:
        return {"decision": "approve"}
    return {"decision": "done", "evidence": "签字"}


# ---------------------------------------------------------------- every step × every role

STEPS = [(kind, step.code) for kind, steps in PROCEDURES.items() for step in steps]


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize(("kind", "code"), STEPS, ids=[f"{k}-{c}" for k, c in STEPS])
def test_each_step_only_by_its_role(users, kind, code, role):
    case = open_case(users, kind)
    # Test setup: the case stands at this step (how it got there is tested elsewhere).
    Case.objects.filter(pk=case.pk).update(
        step_index=case.steps.index(code), status=CaseStatus.IN_PROGRESS
    )
    case.refresh_from_db()
    step = case.current_step
    actor = actor_of(role)
    before = counts()
    if role == step.role and not step.notice:
        assert services.may_do_step(actor, case)
        done = services.step_do(actor=actor, case=case, step=code, today=TODAY, **step_kwargs(step))
        assert done.records.get().actor == actor
        assert done.step_index > case.step_index or done.current_step is None
    else:
        assert not services.may_do_step(actor, case)
        with pytest.raises(NotAllowed):
            services.step_do(actor=actor, case=case, step=code, today=TODAY, **step_kwargs(step))
        assert counts() == before
        case.refresh_from_db()
        assert case.current_step.code == code and case.status == CaseStatus.IN_PROGRESS


# ---------------------------------------------------------------- four eyes


def removal_at_township_review(users) -> Case:
    """A removal case whose comparison check the township user did, at township review."""
    case = open_case(users, CaseKind.REMOVAL)
    case = do(users, case)
    assert case.records.get().actor == users["township"]  # the check
    case = walk_to_notice(users, case)
    notice = post_notice(users, [case])
    services.advance_expired_notices(notice.ends_on + dt.timedelta(days=1))
    case.refresh_from_db()
    assert case.current_step.code == "township_review"
    return case


def test_four_eyes_the_township_user_who_checked_cannot_approve_the_review(users):
    case = removal_at_township_review(users)
    township = users["township"]
    assert not services.may_do_step(township, case)
    before = counts()
    with translation.override("en"), pytest.raises(FourEyes) as refused:
        services.step_do(actor=township, case=case, step="township_review", decision="approve")
    message = str(refused.value.message)
    assert "another user (Township station)" in message and "Township review" in message
    assert counts() == before
    case.refresh_from_db()
    assert case.current_step.code == "township_review"
    # A second township user may, and the record carries no four-eyes note.
    second = second_user(users, "township")
    assert services.may_do_step(second, case)
    case = services.step_do(actor=second, case=case, step="township_review", decision="approve")
    assert case.current_step.code == "county_review"
    rec = (
        ChangeRecord.objects.filter(object_type="cases.case", object_id=str(case.pk))
        .order_by("-id")
        .first()
    )
    assert rec.user == second and "olicy" not in rec.reason


def test_four_eyes_the_opener_cannot_approve_at_the_county(users):
    case = open_case(users, CaseKind.EXIT, actor="county")  # opened by the county user
    while not case.current_step.notice:
        case = do(users, case)
    notice = post_notice(users, [case])
    services.advance_expired_notices(notice.ends_on + dt.timedelta(days=1))
    case.refresh_from_db()
    assert case.current_step.code == "filing"
    with pytest.raises(FourEyes):
        services.step_do(actor=users["county"], case=case, step="filing", decision="approve")
    case = services.step_do(
        actor=second_user(users, "county"), case=case, step="filing", decision="approve"
    )
    assert case.current_step.code == "entry"
    # The next step is no review: the county user who opened the case may do it.
    assert services.may_do_step(users["county"], case)


def test_a_village_review_has_no_four_eyes(users):
    case = open_case(users, CaseKind.MONITORING)
    case = do(users, do(users, case))  # application, verification by the village user
    assert case.current_step.code == "village_review"
    assert services.may_do_step(users["village"], case)


def four_eyes_off(users):
    from fupin.policy.selectors import current_policy
    from fupin.policy.services import policy_new_version

    return policy_new_version(
        actor=users["county"],
        base=current_policy(VILLAGE),
        data={"four_eyes": False},
        reason="人手不足，暂停双人复核",
        region_code=COUNTY_CODE,
    )


def test_four_eyes_off_by_the_county_policy_is_said_in_the_record(users):
    case = removal_at_township_review(users)
    four_eyes_off(users)
    township = users["township"]
    assert services.may_do_step(township, case)
    with translation.override("en"):
        case = services.step_do(
            actor=township, case=case, step="township_review", decision="approve"
        )
    assert case.current_step.code == "county_review"
    rec = (
        ChangeRecord.objects.filter(object_type="cases.case", object_id=str(case.pk))
        .order_by("-id")
        .first()
    )
    assert rec.user == township and "Four-eyes rule off by policy" in rec.reason
    step = case.records.get(step="township_review")
    assert step.actor == township and "Four-eyes rule off" in step.reason


def test_four_eyes_on_the_case_page(client, users):
    case = removal_at_township_review(users)
    url = reverse("cases:case_detail", args=[case.pk])
    client.force_login(users["township"])
    page = client.get(url)
    assert 'name="step"' not in page.text and "step-refusal" in page.text
    r = client.post(url, {"step": "township_review", "decision": "approve"})
    assert r.status_code == 403
    case.refresh_from_db()
    assert case.current_step.code == "township_review"
    client.force_login(second_user(users, "township"))
    assert 'name="step"' in client.get(url).text
    r = client.post(url, {"step": "township_review", "decision": "approve"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.current_step.code == "county_review"


# ---------------------------------------------------------------- withdrawing a case


def assert_refused_unchanged(actor, case, exc=NotAllowed) -> str:
    before = counts()
    with translation.override("en"), pytest.raises(exc) as refused:
        services.case_close(actor=actor, case=case, reason="误开")
    assert counts() == before
    case.refresh_from_db()
    assert case.is_active and case.closed_at is None
    return str(getattr(refused.value, "message", ""))


def test_village_user_cannot_withdraw_a_case_at_township_review(users):
    case = removal_at_township_review(users)
    assert not services.may_withdraw(users["village"], case)
    message = assert_refused_unchanged(users["village"], case)
    assert "township" in message and "Township station" in message
    # The township acted on it itself (the check): the township may withdraw it.
    assert services.may_withdraw(users["township"], case)


def test_village_user_withdraws_own_fresh_case(users):
    case = open_case(users, CaseKind.EXIT)
    assert services.may_withdraw(users["village"], case)
    services.case_close(actor=users["village"], case=case, reason="误开")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    rec = (
        ChangeRecord.objects.filter(object_type="cases.case", object_id=str(case.pk))
        .order_by("-id")
        .first()
    )
    assert rec.user == users["village"] and rec.reason == "误开"


def test_village_user_cannot_withdraw_a_case_someone_else_opened(users):
    case = open_case(users, CaseKind.EXIT)
    colleague = second_user(users, "village")
    assert not services.may_withdraw(colleague, case)
    assert_refused_unchanged(colleague, case)


def test_township_cannot_withdraw_once_the_county_acted_the_county_can(users):
    case = open_case(users, CaseKind.EXIT)
    case = walk_to_notice(users, case)
    notice = post_notice(users, [case])
    services.advance_expired_notices(notice.ends_on + dt.timedelta(days=1))
    case.refresh_from_db()
    # Before the county's filing the township may withdraw; after it, only the county.
    assert services.may_withdraw(users["township"], case)
    case = do(users, case)  # filing by the county
    assert case.current_step.code == "entry"
    message = assert_refused_unchanged(users["township"], case)
    assert "County office" in message
    assert not services.may_withdraw(users["village"], case)
    services.case_close(actor=users["county"], case=case, reason="重复立案")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


@pytest.mark.parametrize("name", ["inspector", "department", "cadre", "admin"])
def test_other_roles_never_withdraw(users, name):
    case = open_case(users, CaseKind.EXIT)
    assert not services.may_withdraw(users[name], case)
    assert_refused_unchanged(users[name], case)


def test_withdraw_outside_the_area_is_not_found(users):
    case = open_case(users, CaseKind.EXIT)
    assert_refused_unchanged(users["neighbour"], case, exc=OutsideArea)


def test_withdraw_form_only_for_who_may(client, users):
    case = removal_at_township_review(users)
    url = reverse("cases:case_detail", args=[case.pk])
    close = reverse("cases:case_close", args=[case.pk])
    client.force_login(users["village"])
    assert close not in client.get(url).text
    r = client.post(close, {"reason": "误开"})
    assert r.status_code == 403
    case.refresh_from_db()
    assert case.is_active
    client.force_login(users["township"])
    assert close in client.get(url).text
    fresh = open_case_for_page(users)
    client.force_login(users["village"])
    assert (
        reverse("cases:case_close", args=[fresh.pk])
        in client.get(reverse("cases:case_detail", args=[fresh.pk])).text
    )


def open_case_for_page(users) -> Case:
    h = make_household(users, "李四", "202", status="poor", wages="3600")
    return services.case_open(actor=users["village"], household=h, kind="exit", today=TODAY)


# ---------------------------------------------------------------- objections


def objection_on_a_notice(users) -> Objection:
    case = walk_to_notice(users, open_case(users, CaseKind.EXIT))
    notice = post_notice(users, [case])
    return services.objection_add(
        actor=users["cadre"], notice=notice, cases=[case], text="收入不实", received_on=TODAY
    )


@pytest.mark.parametrize("name", ["village", "inspector", "department", "cadre", "admin"])
def test_objection_resolve_refused_leaves_it_open(users, name):
    obj = objection_on_a_notice(users)
    assert not services.may_resolve_objections(users[name], obj.notice)
    before = counts()
    with pytest.raises(NotAllowed):
        services.objection_resolve(actor=users[name], objection=obj, upheld=True, resolution="属实")
    assert counts() == before
    obj.refresh_from_db()
    assert obj.status == ObjectionStatus.OPEN and obj.resolved_by is None


@pytest.mark.parametrize("name", ["township", "county"])
def test_objection_resolved_by_township_or_county(client, users, name):
    obj = objection_on_a_notice(users)
    url = reverse("cases:notice_detail", args=[obj.notice_id])
    resolve = reverse("cases:objection_resolve", args=[obj.pk])
    client.force_login(users["village"])
    assert resolve not in client.get(url).text
    assert client.post(resolve, {"upheld": "0", "text": "不属实"}).status_code == 403
    client.force_login(users[name])
    assert resolve in client.get(url).text
    assert client.post(resolve, {"upheld": "0", "text": "不属实"}).status_code == 302
    obj.refresh_from_db()
    assert obj.status == ObjectionStatus.DISMISSED and obj.resolved_by == users[name]
