"""Project lifecycle: who may do each step, the order, evidence and reasons, history,
budget release on rejection, beneficiaries from the registry, and the rates."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from conftest import NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE, VILLAGE
from fupin.core.errors import NotAllowed, OutsideArea, ValidationFailed
from fupin.core.history import history_of
from fupin.funds import services as funds
from fupin.funds.models import Allocation
from fupin.projects import selectors, services
from fupin.projects.models import ProjectState, ProjectStep
from fupin.projects.tests.helpers import pay, propose, walk

pytestmark = pytest.mark.django_db


def test_propose_sets_area_from_villages(users):
    one = propose(users["village"])
    assert one.area_id == VILLAGE and one.state == ProjectState.PROPOSED
    two = propose(users["township"], villages=(VILLAGE, NEIGHBOUR))
    assert two.area_id == "431129100000"
    three = propose(users["county"], villages=(VILLAGE, OTHER_TOWNSHIP_VILLAGE))
    assert three.area_id == "431129000000"
    assert history_of(one).filter(action="create").exists()
    assert ProjectStep.objects.get(project=one).action == "propose"


def test_propose_only_own_villages_and_with_capability(users):
    with pytest.raises(ValidationFailed):
        propose(users["village"], villages=(NEIGHBOUR,))
    with pytest.raises(NotAllowed):
        propose(users["department"])
    with pytest.raises(NotAllowed):
        propose(users["inspector"])
    with pytest.raises(ValidationFailed) as err:
        propose(users["village"], ends_on=dt.date(2018, 1, 1))
    assert "ends_on" in err.value.errors


def test_full_lifecycle_records_who_when_and_evidence(users, allocation, project):
    project = walk(project, users, "disclosed", allocation=allocation)
    steps = list(ProjectStep.objects.filter(project=project).order_by("id"))
    assert [s.action for s in steps] == [
        "propose",
        "review",
        "approve",
        "start",
        "accept",
        "disclose",
    ]
    assert [s.actor_name for s in steps[1:]] == [
        "township",
        "county",
        "village",
        "county",
        "county",
    ]
    accept = steps[4]
    assert (accept.from_state, accept.to_state) == ("in_progress", "accepted")
    assert accept.evidence == "验收报告" and accept.done_at is not None
    states = [
        r.changes["state"]
        for r in history_of(project).filter(object_type="projects.project", action="update")
    ]
    assert ["accepted", "disclosed"] in states and ["proposed", "reviewed"] in states


@pytest.mark.parametrize(
    ("state", "action", "who"),
    [
        ("proposed", "review", "village"),  # review is the township's
        ("reviewed", "approve", "township"),  # approval is the county's
        ("in_progress", "accept", "township"),
        ("accepted", "disclose", "village"),
    ],
)
def test_steps_need_the_right_role(users, allocation, project, state, action, who):
    project = walk(project, users, state, allocation=allocation)
    with pytest.raises(NotAllowed):
        services.transition(actor=users[who], project=project, action=action, evidence="x")
    project.refresh_from_db()
    assert project.state == state


def test_outside_the_area_is_not_found(users, project):
    with pytest.raises(OutsideArea):
        services.transition(actor=users["other_county"], project=project, action="review")
    with pytest.raises(OutsideArea):
        services.transition(actor=users["neighbour"], project=project, action="start")


def test_steps_cannot_be_skipped(users, project):
    with pytest.raises(services.InvalidTransition) as err:
        services.transition(actor=users["county"], project=project, action="approve")
    assert err.value.code == "invalid_transition"
    with pytest.raises(services.InvalidTransition):
        services.transition(actor=users["county"], project=project, action="disclose")
    with pytest.raises(services.InvalidTransition):
        services.transition(actor=users["county"], project=project, action="fly")
    project.refresh_from_db()
    assert project.state == ProjectState.PROPOSED


def test_approval_needs_a_committed_budget(users, project):
    project = walk(project, users, "reviewed")
    with pytest.raises(ValidationFailed):
        services.transition(actor=users["county"], project=project, action="approve")


def test_acceptance_needs_evidence_and_return_a_reason(users, allocation, project):
    project = walk(project, users, "in_progress", allocation=allocation)
    with pytest.raises(ValidationFailed) as err:
        services.transition(actor=users["county"], project=project, action="accept")
    assert "evidence" in err.value.errors
    other = walk(propose(users["village"], name="另一个"), users, "reviewed")
    with pytest.raises(ValidationFailed):
        services.transition(actor=users["county"], project=other, action="return")
    other = services.transition(
        actor=users["county"], project=other, action="return", reason="预算不实"
    )
    assert other.state == ProjectState.PROPOSED


def test_reject_releases_the_committed_budget(users, allocation, project):
    project = walk(project, users, "reviewed")
    funds.budget_line_set(
        actor=users["county"], project=project, allocation=allocation, amount="300000.00"
    )
    assert Allocation.objects.get(pk=allocation.pk).committed == Decimal("300000.00")
    # township may not reject once it has reviewed; the county may
    with pytest.raises(NotAllowed):
        services.transition(
            actor=users["township"], project=project, action="reject", reason="重复"
        )
    project = services.transition(
        actor=users["county"], project=project, action="reject", reason="与交通局项目重复"
    )
    assert project.state == ProjectState.REJECTED
    assert Allocation.objects.get(pk=allocation.pk).committed == 0
    with pytest.raises(funds.WrongProjectState):
        funds.budget_line_set(
            actor=users["county"], project=project, allocation=allocation, amount="1.00"
        )


def test_edit_only_while_proposed(users, allocation, project):
    services.project_update(
        actor=users["village"], project=project, data={"name": "新名称"}, reason="更正"
    )
    project.refresh_from_db()
    assert project.name == "新名称"
    assert history_of(project).first().changes["name"][1] == "新名称"
    project = walk(project, users, "reviewed")
    with pytest.raises(services.InvalidTransition):
        services.project_update(actor=users["village"], project=project, data={"name": "x"})


def test_beneficiaries_come_from_the_project_villages(
    users, project, household, neighbour_household
):
    links = services.beneficiaries_set(
        actor=users["village"], project=project, household_ids=[household.pk]
    )
    assert [b.household_id for b in links] == [household.pk]
    assert list(household.projects.all()) == [project]
    with pytest.raises(ValidationFailed):
        services.beneficiaries_set(
            actor=users["village"],
            project=project,
            household_ids=[household.pk, neighbour_household.pk],
        )
    services.beneficiaries_set(actor=users["village"], project=project, household_ids=[])
    assert not project.beneficiary_set.exists()
    kinds = list(
        history_of(project)
        .filter(object_type="projects.beneficiary")
        .values_list("action", flat=True)
    )
    assert sorted(kinds) == ["create", "delete"]


def test_execution_rate_and_overdue(users, allocation):
    a = walk(
        propose(users["village"]), users, "in_progress", allocation=allocation, budget="400000"
    )
    b = walk(
        propose(users["neighbour"], villages=(NEIGHBOUR,), ends_on=dt.date(2018, 12, 31)),
        users,
        "in_progress",
        allocation=allocation,
        budget="100000",
        starter="township",
    )
    line = a.budget_lines.get()
    pay(users, line=line, amount="150000", paid_on=dt.date(2018, 5, 1))
    assert selectors.execution_rate("431129000000", 2018) == Decimal("0.3000")
    assert selectors.execution_rate("431129", 2018) == Decimal("0.3000")
    assert selectors.execution_rate(VILLAGE, 2018) == Decimal("0.3750")
    assert selectors.execution_rate(NEIGHBOUR, 2018) == Decimal("0.0000")
    assert selectors.execution_rate("431129000000", 2017) is None
    assert selectors.execution_rate("431128000000", 2018) is None

    assert list(selectors.overdue_projects("431129000000", dt.date(2018, 10, 31))) == []
    assert list(selectors.overdue_projects("431129000000", dt.date(2018, 11, 1))) == [a]
    assert list(selectors.overdue_projects("431129000000", dt.date(2019, 1, 1))) == [a, b]
    assert list(selectors.overdue_projects(NEIGHBOUR, dt.date(2019, 1, 1))) == [b]
    services.transition(actor=users["county"], project=a, action="accept", evidence="验收")
    assert list(selectors.overdue_projects("431129", dt.date(2019, 1, 1))) == [b]


def test_rates_by_child_area(users, allocation):
    a = walk(
        propose(users["village"]), users, "in_progress", allocation=allocation, budget="400000"
    )
    pay(
        users,
        line=a.budget_lines.get(),
        amount="100000",
        paid_on=dt.date(2018, 5, 1),
    )
    propose(users["township"], villages=(NEIGHBOUR,))  # no budget yet
    rows = selectors.rates_by_child_area(user=users["county"], year=2018, today=dt.date(2019, 1, 1))
    assert [(r.name, r.projects, r.overdue) for r in rows] == [("沱江镇", 2, 2)]
    assert rows[0].budget == Decimal("400000.00") and rows[0].rate == Decimal("0.2500")
    rows = selectors.rates_by_child_area(
        user=users["township"], year=None, today=dt.date(2018, 6, 1)
    )
    assert [(r.code, r.projects, r.overdue) for r in rows] == [(VILLAGE, 1, 0), (NEIGHBOUR, 1, 0)]
    assert rows[1].rate is None
    assert (
        selectors.rates_by_child_area(user=users["village"], year=None, today=dt.date.today()) == []
    )


def _removals(project) -> dict[int, object]:
    """The DELETE records of the project's beneficiary links, by household id."""
    out = {}
    for rec in history_of(project).filter(object_type="projects.beneficiary", action="delete"):
        before = {k: v[0] for k, v in rec.changes.items()}
        out[int(before.get("household", before.get("household_id")))] = rec
    return out


def test_removing_a_beneficiary_leaves_a_change_record_naming_it(
    users, project, household, neighbour_household
):
    services.beneficiaries_set(
        actor=users["village"], project=project, household_ids=[household.pk]
    )
    services.beneficiaries_set(
        actor=users["village"], project=project, household_ids=[], reason="核实不符合条件"
    )
    rec = _removals(project)[household.pk]
    assert rec.user_name == "village" and rec.user == users["village"]
    assert rec.reason == "核实不符合条件" and rec.area_code == project.area_id
    assert rec.time is not None and rec.post_data is None


def test_moving_a_project_off_a_village_records_each_beneficiary_it_removes(
    users, household, neighbour_household
):
    project = propose(users["township"], villages=(VILLAGE, NEIGHBOUR))
    services.beneficiaries_set(
        actor=users["township"],
        project=project,
        household_ids=[household.pk, neighbour_household.pk],
    )
    with translation.override("en"):
        services.project_update(
            actor=users["township"],
            project=project,
            data={},
            village_codes=[VILLAGE],
            reason="邻村另立项目",
        )
    assert [b.household_id for b in project.beneficiary_set.all()] == [household.pk]
    removed = _removals(project)
    assert set(removed) == {neighbour_household.pk}
    rec = removed[neighbour_household.pk]
    assert rec.user_name == "township"
    assert rec.reason == "邻村另立项目 (its village is no longer one of the project's villages)"
