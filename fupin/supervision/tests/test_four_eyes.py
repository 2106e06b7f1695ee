"""The same user may not submit a rectification report and verify it (four eyes); who may
submit and verify comes from the authority table; the finding page offers only what the
user may do, and a refusal leaves the database unchanged."""

import datetime as dt

import pytest
from django.urls import reverse

from fupin.accounts import authority
from fupin.core.errors import NotAllowed
from fupin.core.models import ChangeRecord
from fupin.supervision import services
from fupin.supervision.choices import FindingStatus
from fupin.supervision.models import Finding, Rectification

pytestmark = pytest.mark.django_db


def _frozen(f):
    f.refresh_from_db()
    return (
        f.status,
        list(Rectification.objects.values_list("verdict", flat=True)),
        ChangeRecord.objects.count(),
    )


def test_the_submitter_may_not_verify(users, units, make_finding):
    f = make_finding(units["township"], dt.date(2020, 4, 30))
    rec = services.rectification_submit(actor=users["county"], finding=f, report="已整改")
    before = _frozen(f)
    with pytest.raises(authority.FourEyes) as err:
        services.rectification_verify(actor=users["county"], rectification=rec, accepted=True)
    assert err.value.status == 403 and "督查人员" in str(err.value.message)
    assert _frozen(f) == before
    assert not services.may_verify(users["county"], rec)
    assert services.may_verify(users["inspector"], rec)
    services.rectification_verify(actor=users["inspector"], rectification=rec, accepted=True)
    assert Finding.objects.get(pk=f.pk).status == FindingStatus.RECTIFIED


def test_another_county_user_may_verify(users, units, make_finding):
    f = make_finding(units["village"], dt.date(2020, 4, 30))
    rec = services.rectification_submit(actor=users["village"], finding=f, report="已整改")
    assert services.may_verify(users["county"], rec)
    services.rectification_verify(
        actor=users["county"], rectification=rec, accepted=False, notes="未见佐证"
    )
    assert Finding.objects.get(pk=f.pk).status != FindingStatus.SUBMITTED


@pytest.mark.parametrize("who", ["department", "cadre", "inspector", "admin"])
def test_who_may_not_submit(users, units, make_finding, who):
    f = make_finding(units["village"], dt.date(2020, 4, 30))
    before = _frozen(f)
    with pytest.raises(NotAllowed):
        services.rectification_submit(actor=users[who], finding=f, report="x")
    assert _frozen(f) == before


def test_the_page_offers_verification_only_to_another_user(client, users, units, make_finding):
    f = make_finding(units["township"], dt.date(2020, 4, 30))
    services.rectification_submit(actor=users["county"], finding=f, report="已整改")
    url = reverse("supervision:finding", args=[f.pk])
    verify = reverse("supervision:finding_verify", args=[f.pk])
    client.force_login(users["county"])
    assert verify not in client.get(url).content.decode()
    before = _frozen(f)
    resp = client.post(verify, {"verdict": "accepted", "notes": ""})
    assert resp.status_code == 403 and "督查人员" in resp.content.decode()
    assert _frozen(f) == before
    client.force_login(users["inspector"])
    assert verify in client.get(url).content.decode()
    assert client.post(verify, {"verdict": "accepted", "notes": ""}).status_code == 302
    assert Finding.objects.get(pk=f.pk).status == FindingStatus.RECTIFIED
