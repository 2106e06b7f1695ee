"""For the authority table walk: each invoker sets up a fresh project (in conftest.VILLAGE,
its steps by users of the `users` fixture), ready for the decision, then takes the decision
as `actor` through the real service. NotAllowed / OutsideArea propagate."""

from __future__ import annotations

from collections.abc import Callable

from fupin.funds import services as funds
from fupin.funds.models import FundSource, SourceKind
from fupin.projects import services
from fupin.projects.tests.helpers import COUNTY, propose, walk


def allocation_for(users):
    source, _created = FundSource.objects.get_or_create(
        name="中央财政专项扶贫资金", defaults={"kind": SourceKind.CENTRAL}
    )
    return funds.allocation_create(
        actor=users["county"], source=source, area_code=COUNTY, year=2018, amount="1000000.00"
    )


def project_in(users, state: str):
    """A project proposed by the village user and walked to `state` by the fixture's users
    (reviewed by the township, approved by the county, started by the village), with a
    committed budget from the review on."""
    project = propose(users["village"])
    if state == "proposed":
        return project
    allocation = allocation_for(users)
    project = walk(project, users, state, allocation=allocation, budget="600000.00")
    if state == "reviewed":  # ready for approval: its budget is committed
        funds.budget_line_set(
            actor=users["county"], project=project, allocation=allocation, amount="600000.00"
        )
    return project


def _step(state: str, action: str, **kw) -> Callable:
    def invoke(actor, users) -> None:
        project = project_in(users, state)
        services.transition(actor=actor, project=project, action=action, **kw)

    return invoke


def _propose(actor, users) -> None:
    propose(actor)


INVOKERS: dict[str, Callable] = {
    "project.propose": _propose,
    "project.review": _step("proposed", "review"),
    "project.reject": _step("proposed", "reject", reason="与行业部门项目重复"),
    "project.approve": _step("reviewed", "approve"),
    "project.return": _step("reviewed", "return", reason="预算不实"),
    "project.reject_reviewed": _step("reviewed", "reject", reason="不符合规划"),
    "project.start": _step("approved", "start"),
    "project.accept": _step("in_progress", "accept", evidence="验收报告"),
    "project.disclose": _step("accepted", "disclose"),
}
