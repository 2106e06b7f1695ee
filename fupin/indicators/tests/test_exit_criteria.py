"""A change of the exit criteria is a proposal that takes effect only when ANOTHER county
user approves it (four eyes); readiness uses approved criteria only; a refusal leaves the
database unchanged; the page offers approval only to another county user."""

import pytest
from django.urls import reverse

from conftest import _user
from fupin.accounts import authority
from fupin.core.errors import NotAllowed, OutsideArea, ValidationFailed
from fupin.core.models import ChangeRecord
from fupin.indicators import readiness, services
from fupin.indicators.models import ExitCriteria, ExitCriteriaProposal

pytestmark = pytest.mark.django_db
COUNTY = "431129000000"


@pytest.fixture
def county2(users):
    return _user("county2", "county_office", COUNTY)


def _propose(user, **data):
    return services.criteria_propose(
        actor=user, region_code=COUNTY, data=data or {"approval_min": "95"}, reason="省里要求"
    )


def _frozen():
    return (
        list(ExitCriteria.objects.values_list("approval_min", flat=True)),
        list(ExitCriteriaProposal.objects.values_list("status", flat=True)),
        ChangeRecord.objects.count(),
    )


def test_the_proposer_may_not_approve(users, county2):
    p = _propose(users["county"])
    assert readiness.criteria_for(COUNTY).approval_min == 90  # not yet in force
    before = _frozen()
    with pytest.raises(authority.FourEyes) as err:
        services.criteria_decide(actor=users["county"], proposal=p, approve=True)
    assert err.value.status == 403 and "县扶贫办" in str(err.value.message)
    assert _frozen() == before
    services.criteria_decide(actor=county2, proposal=p, approve=True)
    assert readiness.criteria_for(COUNTY).approval_min == 95
    rec = ChangeRecord.objects.filter(object_type="indicators.exitcriteria").get()
    assert "county" in rec.reason and "county2" in rec.reason


def test_a_refusal_keeps_the_criteria_and_needs_a_reason(users, county2):
    p = _propose(users["county"])
    with pytest.raises(ValidationFailed):
        services.criteria_decide(actor=county2, proposal=p, approve=False)
    services.criteria_decide(actor=county2, proposal=p, approve=False, reason="无依据")
    assert not ExitCriteria.objects.exists()
    p.refresh_from_db()
    assert p.status == "refused" and p.decision_reason == "无依据"
    with pytest.raises(services.AlreadyDecided):
        services.criteria_decide(actor=county2, proposal=p, approve=True)
    # a new proposal may be made once the last one is decided
    assert _propose(county2).status == "pending"


def test_one_proposal_waits_at_a_time(users, county2):
    _propose(users["county"])
    before = _frozen()
    with pytest.raises(services.ProposalWaiting):
        _propose(county2)
    assert _frozen() == before


@pytest.mark.parametrize("who", ["village", "township", "inspector", "department", "admin"])
def test_only_the_county_proposes_and_approves(users, county2, who):
    # village and township users do not cover the county: not found, as for any read
    refused = (NotAllowed, OutsideArea)
    with pytest.raises(refused):
        _propose(users[who])
    p = _propose(users["county"])
    before = _frozen()
    with pytest.raises(refused):
        services.criteria_decide(actor=users[who], proposal=p, approve=True)
    assert _frozen() == before


def test_the_page_offers_approval_to_another_county_user(client, users, county2):
    _propose(users["county"])
    url = reverse("indicators:criteria")
    client.force_login(users["county"])
    body = client.get(url).content.decode()
    assert 'value="approve"' not in body and "省里要求" in body
    before = _frozen()
    resp = client.post(url, {"decision": "approve"})
    assert resp.status_code == 403 and "县扶贫办" in resp.content.decode()
    assert _frozen() == before
    client.force_login(county2)
    assert 'value="approve"' in client.get(url).content.decode()
    assert client.post(url, {"decision": "approve"}).status_code == 302
    assert ExitCriteria.objects.get().approval_min == 95
