"""For the authority table walk: a fresh finding on the village committee of
conftest.VILLAGE (found by the fixture's inspector), then the decision as `actor`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from conftest import VILLAGE
from fupin.supervision import services
from fupin.supervision.models import Finding, Unit

COUNTY = "431129000000"


def finding_for(users) -> Finding:
    services.ensure_division_units(actor=users["county"], area_code=COUNTY)
    inspection = services.inspection_create(
        actor=users["inspector"],
        title="督查",
        kind="routine",
        area_code=COUNTY,
        start_date=dt.date(2020, 3, 2),
        end_date=dt.date(2020, 3, 6),
        inspectors=[users["inspector"]],
    )
    return services.finding_add(
        actor=users["inspector"],
        inspection=inspection,
        unit=Unit.objects.get(division_id=VILLAGE),
        found_on=dt.date(2020, 3, 3),
        deadline=dt.date(2020, 4, 30),
        description="贫困户档案资料不全",
        category="files",
        severity="general",
    )


def _submit(actor, users) -> None:
    services.rectification_submit(actor=actor, finding=finding_for(users), report="已整改")


def _verify(actor, users) -> None:
    rec = services.rectification_submit(
        actor=users["village"], finding=finding_for(users), report="已整改"
    )
    services.rectification_verify(actor=actor, rectification=rec, accepted=True)


INVOKERS: dict[str, Callable] = {
    "rectification.submit": _submit,
    "rectification.verify": _verify,
}
