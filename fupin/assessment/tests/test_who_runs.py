"""The assessment of a county is run by an inspector or a county office above it, never by
the county office it assesses (authority "assessment.run"); a refusal leaves the database
unchanged; the command line (actor None) still runs."""

import pytest

from conftest import _user
from fupin.accounts import authority
from fupin.accounts.roles import Role
from fupin.assessment import selectors, services
from fupin.assessment.models import Assessment
from fupin.core.errors import NotAllowed
from fupin.core.models import ChangeRecord

pytestmark = pytest.mark.django_db
COUNTY = "431129000000"
PREFECTURE = "431100000000"


def test_the_assessed_county_office_may_not_run_it(users):
    before = ChangeRecord.objects.count()
    with pytest.raises(NotAllowed) as err:
        services.assessment_create(actor=users["county"], county_code=COUNTY)
    assert not isinstance(err.value, authority.FourEyes) and err.value.status == 403
    assert "督查人员" in str(err.value.message)  # who may: the inspector
    assert not Assessment.objects.exists() and ChangeRecord.objects.count() == before
    assert not selectors.may_run(users["county"], COUNTY)
    assert selectors.counties_for(users["county"]) == []


def test_its_steps_are_refused_to_the_county_office(users):
    a = services.assessment_create(actor=users["inspector"], county_code=COUNTY, seed=1)
    with pytest.raises(NotAllowed):
        services.sample_draw(actor=users["county"], assessment=a)
    with pytest.raises(NotAllowed):
        services.assessment_finish(actor=users["county"], assessment=a)
    a.refresh_from_db()
    assert a.status == "draft"


@pytest.mark.parametrize(
    ("role", "area"),
    [(Role.COUNTY_OFFICE, PREFECTURE), (Role.INSPECTOR, PREFECTURE), (Role.INSPECTOR, COUNTY)],
)
def test_an_inspector_or_a_level_above_runs_it(users, role, area):
    actor = _user("assessor", role, area)
    assert selectors.may_run(actor, COUNTY)
    a = services.assessment_create(actor=actor, county_code=COUNTY, seed=1)
    assert a.county_id == COUNTY


def test_the_command_line_runs_it(users):
    assert services.assessment_create(actor=None, county_code=COUNTY, seed=1).pk
