"""Who may confirm, dismiss and reopen a finding (the authority table's finding.confirm,
finding.dismiss, finding.reopen): a village clerk confirms but does not dismiss findings
about their own village; the pages offer only what the user may do; a refusal is a 403
with the reason and leaves the finding and its history unchanged."""

import pytest
from django.urls import reverse

from fupin.accounts.roles import Role
from fupin.compare import services
from fupin.compare.models import Finding, FindingStatus
from fupin.core.errors import NotAllowed
from fupin.core.models import ChangeRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def finding(household, write_csv, run_command, head_id):
    path = write_csv(["身份证号", "单位", "职务"], [[head_id, "县教育局", "教师"]])
    run_command("public_employees", path, "--user", "county")
    return Finding.objects.get(household=household)


def history(finding):
    return ChangeRecord.objects.filter(object_type="compare.finding", object_id=str(finding.pk))


def refused(actor, finding, status, reason="核实"):
    with pytest.raises(NotAllowed) as exc:
        services.finding_set_status(actor=actor, finding=finding, status=status, reason=reason)
    return str(exc.value.message)


def test_village_confirms_but_does_not_dismiss(users, finding):
    message = refused(users["village"], finding, "dismissed")
    assert str(Role.TOWNSHIP_STATION.label) in message
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN and finding.resolved_by is None
    assert not history(finding).exists()
    assert services.allowed_statuses(users["village"], finding) == ["confirmed"]
    done = services.finding_set_status(actor=users["village"], finding=finding, status="confirmed")
    assert done.status == FindingStatus.CONFIRMED and history(finding).count() == 1


@pytest.mark.parametrize("name", ["township", "county"])
def test_township_and_county_dismiss_and_reopen(users, finding, name):
    actor = users[name]
    assert services.allowed_statuses(actor, finding) == ["confirmed", "dismissed"]
    finding = services.finding_set_status(
        actor=actor, finding=finding, status="dismissed", reason="同名不同人"
    )
    assert finding.status == FindingStatus.DISMISSED and finding.resolved_by == actor
    assert services.allowed_statuses(actor, finding) == ["confirmed", "open"]
    finding = services.finding_set_status(
        actor=actor, finding=finding, status="open", reason="重新核查"
    )
    assert finding.status == FindingStatus.OPEN and history(finding).count() == 2


def test_village_does_not_reopen(users, finding):
    finding = services.finding_set_status(
        actor=users["village"], finding=finding, status="confirmed"
    )
    refused(users["village"], finding, "open")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CONFIRMED and history(finding).count() == 1


@pytest.mark.parametrize("name", ["inspector", "department", "cadre", "admin"])
def test_other_roles_change_nothing(users, finding, name):
    for status in ("confirmed", "dismissed"):
        refused(users[name], finding, status)
    assert services.allowed_statuses(users[name], finding) == []
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN and not history(finding).exists()


def test_pages_offer_only_the_allowed_changes(client, users, finding):
    detail = reverse("compare:finding_detail", args=[finding.pk])
    status_url = reverse("compare:finding_status", args=[finding.pk])
    client.force_login(users["village"])
    page = client.get(detail).text
    assert 'value="confirmed"' in page and 'value="dismissed"' not in page
    listing = client.get(reverse("compare:finding_list")).text
    assert status_url in listing and f"{detail}#status" not in listing
    # A refused change is a 403 that says who may, not a redirect.
    for url in (detail, status_url):
        r = client.post(url, {"status": "dismissed", "reason": "是亲戚"})
        assert r.status_code == 403 and str(Role.TOWNSHIP_STATION.label) in r.text
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN and not history(finding).exists()
    client.force_login(users["township"])
    page = client.get(detail).text
    assert 'value="confirmed"' in page and 'value="dismissed"' in page
    assert f"{detail}#status" in client.get(reverse("compare:finding_list")).text
    # An invalid change is the finding's page with the error (422), not a redirect.
    r = client.post(status_url, {"status": "dismissed"})
    assert r.status_code == 422 and 'class="error"' in r.text
    client.force_login(users["inspector"])
    page = client.get(detail).text
    assert 'name="status"' not in page
    assert status_url not in client.get(reverse("compare:finding_list")).text
