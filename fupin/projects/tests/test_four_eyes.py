"""Who may take each project step comes from the authority table, and no one approves
their own work: the proposer may not review, approve or accept; the reviewer may not
approve; the user who started the work may not accept. A refusal (403, saying who else
must act) leaves the database unchanged; the pages show only the steps the user may take."""

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from conftest import VILLAGE, _user
from fupin.accounts import authority
from fupin.accounts.roles import Role
from fupin.core.errors import NotAllowed
from fupin.core.models import ChangeRecord
from fupin.funds import services as funds
from fupin.policy.models import PolicySet
from fupin.projects import services
from fupin.projects.models import Project, ProjectState, ProjectStep
from fupin.projects.tests.helpers import COUNTY, propose, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def county2(users):
    return _user("county2", Role.COUNTY_OFFICE, COUNTY)


def _step(actor, project, action, **kw):
    return services.transition(actor=actor, project=project, action=action, evidence="x", **kw)


def _frozen(project):
    """What a refusal must leave as it was."""
    project.refresh_from_db()
    return (
        project.state,
        ProjectStep.objects.filter(project=project).count(),
        ChangeRecord.objects.count(),
    )


def _budget(users, project, allocation):
    funds.budget_line_set(
        actor=users["county"], project=project, allocation=allocation, amount="100000"
    )


def test_the_proposer_may_not_approve_their_own_project(users, allocation, county2):
    project = propose(users["county"], villages=(VILLAGE,))
    project = _step(users["township"], project, "review")
    _budget(users, project, allocation)
    before = _frozen(project)
    with pytest.raises(authority.FourEyes) as err:
        _step(users["county"], project, "approve")
    assert err.value.status == 403
    assert "县扶贫办" in str(err.value.message)  # names who else must act
    assert _frozen(project) == before
    assert {a.code for a in services.available_actions(users["county"], project)} == {
        "return",
        "reject",
    }
    # another county user may
    project = _step(county2, project, "approve")
    assert project.state == ProjectState.APPROVED


def test_the_proposer_may_not_review_and_the_reviewer_may_not_approve(users, allocation, county2):
    project = propose(users["township"], villages=(VILLAGE,))
    before = _frozen(project)
    with pytest.raises(authority.FourEyes):
        _step(users["township"], project, "review")
    assert _frozen(project) == before
    project = _step(users["county"], project, "review")
    _budget(users, project, allocation)
    before = _frozen(project)
    with pytest.raises(authority.FourEyes):
        _step(users["county"], project, "approve")
    assert _frozen(project) == before
    assert _step(county2, project, "approve").state == ProjectState.APPROVED


def test_the_starter_and_the_proposer_may_not_accept(users, allocation, county2):
    project = walk(
        propose(users["village"]), users, "approved", allocation=allocation, budget="100000"
    )
    project = _step(users["county"], project, "start")
    before = _frozen(project)
    with pytest.raises(authority.FourEyes):
        _step(users["county"], project, "accept")
    assert _frozen(project) == before
    assert _step(county2, project, "accept").state == ProjectState.ACCEPTED


def test_authors_are_the_proposer_and_the_last_reviewer_in_one_query(
    users, county2, django_assert_num_queries
):
    project = propose(users["village"], villages=(VILLAGE,))
    project = _step(users["township"], project, "review")
    project = _step(county2, project, "return", reason="再核")
    project = _step(users["county"], project, "review")
    approve = services.ACTIONS["approve"]
    with django_assert_num_queries(1):
        authors = services.authors_of(project, approve)
    # the township reviewed before the return: only the last review bars its user
    assert authors == sorted([users["village"].pk, users["county"].pk])


def test_one_county_user_can_no_longer_do_it_all(users, allocation):
    """The issue's case: propose, review, approve, start, accept, disclose alone."""
    county = users["county"]
    project = propose(county, villages=(VILLAGE,))
    with pytest.raises(authority.FourEyes):
        _step(county, project, "review")
    project = _step(users["township"], project, "review")
    _budget(users, project, allocation)
    with pytest.raises(authority.FourEyes):
        _step(county, project, "approve")


def test_reject_after_review_is_the_countys_alone(users):
    project = propose(users["village"])
    assert "reject" in [a.code for a in services.available_actions(users["township"], project)]
    project = _step(users["township"], project, "review")
    assert "reject" not in [a.code for a in services.available_actions(users["township"], project)]
    before = _frozen(project)
    with pytest.raises(NotAllowed) as err:
        _step(users["township"], project, "reject", reason="不需要")
    assert not isinstance(err.value, authority.FourEyes)
    assert _frozen(project) == before
    assert _step(users["county"], project, "reject", reason="不需要").state == "rejected"


def test_available_actions_agree_with_the_service(users, allocation, county2):
    """For each state and each user: an action is offered exactly when the service takes it."""
    everyone = {**users, "county2": county2}
    project = propose(users["county"], villages=(VILLAGE,))
    while project.state != ProjectState.DISCLOSED:
        state = project.state
        for name, user in everyone.items():
            offered = {a.code for a in services.available_actions(user, project)}
            for code, spec in services.ACTIONS.items():
                if project.state not in spec.sources:
                    continue
                try:
                    with transaction.atomic():
                        _step(user, project, code, reason="r")
                        raise _Rollback
                except _Rollback:
                    took = True
                except (NotAllowed, services.OutsideArea):
                    took = False
                except Exception:  # e.g. approval without a budget: allowed, but invalid
                    took = True
                assert (code in offered) == took, (state, name, code)
        # move on, each step by someone who may
        nxt = {
            "proposed": ("review", users["township"]),
            "reviewed": ("approve", county2),
            "approved": ("start", users["village"]),
            "in_progress": ("accept", county2),
            "accepted": ("disclose", users["county"]),
        }[project.state]
        if nxt[0] == "approve":
            _budget(users, project, allocation)
        project = _step(nxt[1], Project.objects.get(pk=project.pk), nxt[0])


class _Rollback(Exception):
    pass


def test_four_eyes_off_by_county_policy_is_recorded(users, allocation):
    today = timezone.localdate()
    PolicySet.objects.create(
        region_id=COUNTY,
        year=today.year,
        effective_from=dt.date(today.year, 1, 1),
        income_line=4000,
        four_eyes=False,
    )
    project = propose(users["county"], villages=(VILLAGE,))
    project = _step(users["township"], project, "review")
    _budget(users, project, allocation)
    project = _step(users["county"], project, "approve")
    assert project.state == ProjectState.APPROVED
    step = ProjectStep.objects.get(project=project, action="approve")
    assert "四眼" in step.reason or "Four-eyes" in step.reason
    rec = ChangeRecord.objects.filter(object_type="projects.project").latest("id")
    assert step.reason in rec.reason


@pytest.fixture
def login(client, users):
    def _login(user):
        client.force_login(user)
        return client

    return _login


def test_page_refuses_the_proposer_approval_with_the_reason(login, users, allocation, county2):
    project = propose(users["county"], villages=(VILLAGE,))
    project = _step(users["township"], project, "review")
    _budget(users, project, allocation)
    url = reverse("projects:detail", args=[project.pk])
    body = login(users["county"]).get(url).content.decode()
    assert 'value="approve"' not in body and 'value="return"' in body
    assert 'value="approve"' in login(county2).get(url).content.decode()
    before = _frozen(project)
    resp = login(users["county"]).post(
        reverse("projects:step", args=[project.pk]), {"action": "approve"}
    )
    assert resp.status_code == 403
    assert "县扶贫办" in resp.content.decode()
    assert _frozen(project) == before
    resp = login(county2).post(reverse("projects:step", args=[project.pk]), {"action": "approve"})
    assert resp.status_code == 302
    project.refresh_from_db()
    assert project.state == ProjectState.APPROVED
