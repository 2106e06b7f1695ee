"""For the authority table walk: the exit criteria of county 431129; a proposal by the
fixture's county user to approve, then the decision as `actor`."""

from __future__ import annotations

from collections.abc import Callable

from fupin.indicators import services

COUNTY = "431129000000"


def _propose(actor, users) -> None:
    services.criteria_propose(
        actor=actor, region_code=COUNTY, data={"approval_min": "95"}, reason="省里要求"
    )


def _approve(actor, users) -> None:
    proposal = services.criteria_propose(
        actor=users["county"], region_code=COUNTY, data={"approval_min": "95"}, reason="省里要求"
    )
    services.criteria_decide(actor=actor, proposal=proposal, approve=True)


INVOKERS: dict[str, Callable] = {
    "exit_criteria.propose": _propose,
    "exit_criteria.approve": _approve,
}
