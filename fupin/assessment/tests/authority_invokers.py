"""For the authority table walk: create the assessment of county 431129 as `actor` (who
may also be a user of the prefecture above it)."""

from __future__ import annotations

from collections.abc import Callable

from fupin.assessment import services

COUNTY = "431129000000"


def _run(actor, users) -> None:
    services.assessment_create(actor=actor, county_code=COUNTY, seed=1)


INVOKERS: dict[str, Callable] = {"assessment.run": _run}
