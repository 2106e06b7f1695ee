"""Pages and status changes through the test client, with the root fixtures' users."""

import pytest
from django.urls import reverse

from fupin.compare import services
from fupin.compare.models import ComparisonRun, Finding, FindingStatus
from fupin.core.errors import OutsideArea, ValidationFailed
from fupin.core.models import ChangeRecord


@pytest.fixture
def findings(household, neighbour_household, write_csv, run_command, head_id, neighbour_id):
    path = write_csv(
        ["身份证号", "单位", "职务"],
        [[head_id, "县教育局", "教师"], [neighbour_id, "县医院", "护士"]],
    )
    run_command("public_employees", path, "--user", "county")
    ours = Finding.objects.get(household=household)
    theirs = Finding.objects.get(household=neighbour_household)
    return ours, theirs


def login(client, users, name):
    client.force_login(users[name])
    return client


def test_village_user_sees_only_own_village(client, users, findings, head_id):
    ours, theirs = findings
    page = login(client, users, "village").get(reverse("compare:finding_list"))
    assert page.status_code == 200
    body = page.content.decode()
    assert reverse("household_detail", args=[ours.household_id]) in body
    assert reverse("household_detail", args=[theirs.household_id]) not in body
    assert head_id not in body  # ID numbers are masked
    assert "*" * 14 + head_id[-4:] in body
    assert client.get(reverse("compare:finding_detail", args=[theirs.pk])).status_code == 404


def test_county_user_sees_both_and_filters(client, users, findings):
    ours, theirs = findings
    c = login(client, users, "county")
    body = c.get(reverse("compare:finding_list")).content.decode()
    assert f"/findings/{ours.pk}/" in body and f"/findings/{theirs.pk}/" in body
    body = c.get(reverse("compare:finding_list"), {"area": "431129100202"}).content.decode()
    assert f"/findings/{theirs.pk}/" in body and f"/findings/{ours.pk}/" not in body
    body = c.get(reverse("compare:finding_list"), {"status": "dismissed"}).content.decode()
    assert f"/findings/{ours.pk}/" not in body
    assert (
        login(client, users, "other_county")
        .get(reverse("compare:finding_detail", args=[ours.pk]))
        .status_code
        == 404
    )


def test_list_is_paginated(client, users, findings, settings):
    from fupin.compare import selectors

    ours, theirs = findings
    page = selectors.finding_list(
        user=users["county"], filters=selectors.FindingFilters(), page_size=1
    )
    assert [f.pk for f in page.rows] == [theirs.pk] and page.next_before == theirs.pk
    page2 = selectors.finding_list(
        user=users["county"],
        filters=selectors.FindingFilters(),
        before=page.next_before,
        page_size=1,
    )
    assert [f.pk for f in page2.rows] == [ours.pk] and page2.next_before is None
    assert page2.prev_after == ours.pk


def test_confirm_is_recorded_in_history(client, users, findings):
    ours, _ = findings
    c = login(client, users, "village")
    r = c.post(reverse("compare:finding_status", args=[ours.pk]), {"status": "confirmed"})
    assert r.status_code == 302
    ours.refresh_from_db()
    assert ours.status == FindingStatus.CONFIRMED and ours.resolved_by == users["village"]
    rec = ChangeRecord.objects.get(object_type="compare.finding", object_id=str(ours.pk))
    assert rec.user == users["village"] and rec.changes["status"] == ["open", "confirmed"]
    assert rec.related_type == "registry.household"
    assert rec.related_id == str(ours.household_id)
    assert rec.area_code == ours.household.village_id


def test_dismiss_needs_a_reason(client, users, findings):
    ours, _ = findings
    with pytest.raises(ValidationFailed):
        services.finding_set_status(
            actor=users["township"], finding=ours, status="dismissed", reason="  "
        )
    c = login(client, users, "township")
    r = c.post(reverse("compare:finding_detail", args=[ours.pk]), {"status": "dismissed"})
    assert r.status_code == 422 and 'class="error"' in r.text
    ours.refresh_from_db()
    assert ours.status == FindingStatus.OPEN
    assert not ChangeRecord.objects.filter(object_type="compare.finding").exists()
    r = c.post(
        reverse("compare:finding_detail", args=[ours.pk]),
        {"status": "dismissed", "reason": "同名不同人, 已核实"},
    )
    assert r.status_code == 302
    ours.refresh_from_db()
    assert ours.status == FindingStatus.DISMISSED and ours.reason == "同名不同人, 已核实"
    rec = ChangeRecord.objects.get(object_type="compare.finding")
    assert rec.reason == "同名不同人, 已核实"


def test_neighbour_and_readonly_roles_cannot_change_status(client, users, findings):
    ours, _ = findings
    with pytest.raises(OutsideArea):
        services.finding_set_status(actor=users["neighbour"], finding=ours, status="confirmed")
    r = login(client, users, "neighbour").post(
        reverse("compare:finding_status", args=[ours.pk]), {"status": "confirmed"}
    )
    assert r.status_code == 404
    r = login(client, users, "inspector").post(
        reverse("compare:finding_status", args=[ours.pk]), {"status": "confirmed"}
    )
    assert r.status_code == 403
    ours.refresh_from_db()
    assert ours.status == FindingStatus.OPEN


def test_household_page_shows_its_findings(client, users, findings):
    ours, theirs = findings
    c = login(client, users, "village")
    body = c.get(reverse("household_detail", args=[ours.household_id])).content.decode()
    assert reverse("compare:finding_detail", args=[ours.pk]) in body
    assert reverse("compare:finding_detail", args=[theirs.pk]) not in body
    assert ours.summary in body


def test_run_pages_and_upload(client, users, household, write_csv, head_id):
    path = write_csv(["ID number", "Date of death"], [[head_id, "2024-01-01"], ["123", "x"]])
    assert login(client, users, "village").get(reverse("compare:run_create")).status_code == 403
    c = login(client, users, "county")
    assert c.get(reverse("compare:run_create")).status_code == 200
    with open(path, "rb") as f:
        r = c.post(reverse("compare:run_create"), {"kind": "deaths", "file": f, "area": ""})
    assert r.status_code == 302, r.content.decode()[:2000]
    run = ComparisonRun.objects.get()
    assert run.user == users["county"] and run.file_name == "dept.csv"
    assert (run.rows_read, run.rows_rejected, run.findings_created) == (2, 1, 1)
    assert run.area_code == "431129000000"
    body = c.get(r["Location"]).content.decode()
    assert run.sha256 in body and "123" in body
    assert str(run.pk) in c.get(reverse("compare:run_list")).content.decode()
    # A village user's area lies inside the run's county: the run is not in their area.
    assert login(client, users, "other_county").get(r["Location"]).status_code == 404


def test_upload_rejects_missing_columns(client, users, household, write_csv, head_id):
    path = write_csv(["ID number", "plate"], [[head_id, "湘M1"]])
    c = login(client, users, "county")
    with open(path, "rb") as f:
        r = c.post(reverse("compare:run_create"), {"kind": "vehicles", "file": f})
    assert r.status_code == 422
    assert ComparisonRun.objects.count() == 0
    assert 'class="errors"' in r.content.decode() or 'class="error"' in r.content.decode()
