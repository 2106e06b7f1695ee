"""The API never lets a role that may not reveal rebuild an ID number: the birth date is
the year, ID-number prefixes find nothing, a full number finds the person masked."""

import pytest

from conftest import make_id
from fupin.core.models import SensitiveRead

pytestmark = pytest.mark.django_db

HEAD_ID = make_id()
FIRST14 = HEAD_ID[:14]
BIRTH = "1980-01-01"


def _cannot_rebuild(body: str):
    assert HEAD_ID not in body and FIRST14 not in body and BIRTH not in body


def test_department_reads_birth_year_and_last_four(api_client, household):
    client = api_client("department", scope="read")
    member = household.members.get()
    for url in (
        "/api/v1/members",
        f"/api/v1/members/{member.pk}",
        f"/api/v1/households/{household.pk}",
        "/api/v1/households",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        _cannot_rebuild(response.content.decode())
    body = client.get(f"/api/v1/members/{member.pk}").json()
    assert body["birth_date"] == "1980"
    assert body["id_number"] == "*" * 14 + HEAD_ID[-4:]
    assert body["sex"] == "M"  # one bit, as on the paper form
    assert not SensitiveRead.objects.exists()


def test_village_user_reads_the_full_birth_date(village_api, household):
    member = household.members.get()
    body = village_api.get(f"/api/v1/members/{member.pk}").json()
    assert body["birth_date"] == BIRTH
    assert HEAD_ID not in village_api.get(f"/api/v1/members/{member.pk}").content.decode()
    assert village_api.get(f"/api/v1/members/{member.pk}?reveal=true").json()["id_number"] == (
        HEAD_ID
    )
    assert SensitiveRead.objects.filter(field="id_number", channel="api").count() == 1


def test_id_prefix_search_answers_only_roles_that_may_reveal(api_client, village_api, household):
    department = api_client("department", scope="read")
    for prefix in (HEAD_ID[:6], HEAD_ID[:10], HEAD_ID[:14], HEAD_ID[:17]):
        for url in ("/api/v1/members", "/api/v1/households"):
            assert department.get(url, {"q": prefix}).json()["items"] == [], (prefix, url)
            assert len(village_api.get(url, {"q": prefix}).json()["items"]) == 1, (prefix, url)


def test_full_number_search_finds_the_person_masked(api_client, household):
    department = api_client("department", scope="read")
    for url in ("/api/v1/members", "/api/v1/households"):
        response = department.get(url, {"q": HEAD_ID})
        assert len(response.json()["items"]) == 1, url
        _cannot_rebuild(response.content.decode())
