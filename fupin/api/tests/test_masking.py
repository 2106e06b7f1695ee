import pytest

from conftest import HOUSEHOLD_DATA, make_id
from fupin.core.models import SensitiveRead

pytestmark = pytest.mark.django_db

HEAD_ID = make_id()
PHONE = HOUSEHOLD_DATA["phone"]
ACCOUNT = HOUSEHOLD_DATA["bank_account"]


def test_list_masks_everything(village_api, household):
    raw = village_api.get("/api/v1/households?reveal=true").content.decode()
    assert HEAD_ID not in raw and PHONE not in raw and ACCOUNT not in raw
    item = village_api.get("/api/v1/households").json()["items"][0]
    assert item["head"]["id_number"] == "*" * 14 + HEAD_ID[-4:]
    assert item["phone"] == PHONE[:3] + "****" + PHONE[-4:]
    assert item["bank_account"] == ACCOUNT[:4] + "*" * (len(ACCOUNT) - 8) + ACCOUNT[-4:]
    members = village_api.get("/api/v1/members").content.decode()
    assert HEAD_ID not in members
    assert not SensitiveRead.objects.exists()


def test_detail_masks_by_default(village_api, household):
    raw = village_api.get(f"/api/v1/households/{household.pk}").content.decode()
    assert HEAD_ID not in raw and PHONE not in raw and ACCOUNT not in raw
    member = household.members.get()
    raw = village_api.get(f"/api/v1/members/{member.pk}").content.decode()
    assert HEAD_ID not in raw
    assert not SensitiveRead.objects.exists()


def test_reveal_for_village_user_returns_values_and_logs(village_api, users, household):
    body = village_api.get(f"/api/v1/households/{household.pk}?reveal=true").json()
    assert body["phone"] == PHONE
    assert body["bank_account"] == ACCOUNT
    assert body["members"][0]["id_number"] == HEAD_ID
    reads = SensitiveRead.objects.filter(user=users["village"], channel="api")
    assert sorted(r.field for r in reads) == ["bank_account", "id_number", "phone"]
    assert {r.area_code for r in reads} == {household.village_id}


def test_reveal_on_member_detail(village_api, users, household):
    member = household.members.get()
    body = village_api.get(f"/api/v1/members/{member.pk}?reveal=true").json()
    assert body["id_number"] == HEAD_ID
    read = SensitiveRead.objects.get(user=users["village"])
    assert (read.object_type, read.object_id, read.field) == (
        "registry.member",
        str(member.pk),
        "id_number",
    )


def test_department_asking_reveal_gets_403_and_nothing(api_client, household):
    client = api_client("department")
    assert client.get(f"/api/v1/households/{household.pk}").status_code == 200
    response = client.get(f"/api/v1/households/{household.pk}?reveal=true")
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"
    raw = response.content.decode()
    assert HEAD_ID not in raw and PHONE not in raw and ACCOUNT not in raw
    member = household.members.get()
    assert client.get(f"/api/v1/members/{member.pk}?reveal=true").status_code == 403
    assert not SensitiveRead.objects.exists()


def test_reveal_outside_area_is_404_and_not_logged(village_api, neighbour_household):
    response = village_api.get(f"/api/v1/households/{neighbour_household.pk}?reveal=true")
    assert response.status_code == 404
    assert not SensitiveRead.objects.exists()


def test_write_responses_are_masked(village_api, household):
    response = village_api.patch(
        f"/api/v1/households/{household.pk}",
        {"address": "新址"},
        content_type="application/json",
    )
    raw = response.content.decode()
    assert response.status_code == 200
    assert PHONE not in raw and ACCOUNT not in raw and HEAD_ID not in raw
