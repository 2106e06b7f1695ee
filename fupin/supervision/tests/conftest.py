import datetime as dt

import pytest

from conftest import NEIGHBOUR, VILLAGE
from fupin.supervision import services
from fupin.supervision.models import Unit

COUNTY = "431129000000"
TOWNSHIP = "431129100000"


@pytest.fixture
def units(users):
    """A unit for every township and village of the county, and one county department."""
    services.ensure_division_units(actor=users["county"], area_code=COUNTY)
    dept = services.unit_create(
        actor=users["county"], name="县农业农村局", kind="department", area_code=COUNTY
    )
    return {
        "village": Unit.objects.get(division_id=VILLAGE),
        "neighbour": Unit.objects.get(division_id=NEIGHBOUR),
        "township": Unit.objects.get(division_id=TOWNSHIP),
        "department": dept,
    }


@pytest.fixture
def inspection(users):
    return services.inspection_create(
        actor=users["inspector"],
        title="2020年第一季度脱贫攻坚督查",
        kind="routine",
        area_code=COUNTY,
        start_date=dt.date(2020, 3, 2),
        end_date=dt.date(2020, 3, 6),
        inspectors=[users["inspector"]],
    )


@pytest.fixture
def make_finding(users, inspection):
    def make(unit, deadline, found_on=None, **over):
        data = {
            "description": "贫困户档案资料不全，收入核算不准确",
            "category": "files",
            "severity": "general",
        }
        data.update(over)
        return services.finding_add(
            actor=users["inspector"],
            inspection=inspection,
            unit=unit,
            found_on=found_on or min(deadline, dt.date(2020, 1, 2)),
            deadline=deadline,
            **data,
        )

    return make
