import pytest

from conftest import NEIGHBOUR, VILLAGE

pytestmark = pytest.mark.django_db


def test_village_user_sees_only_the_village(village_api):
    body = village_api.get("/api/v1/divisions").json()
    assert [d["code"] for d in body["items"]] == [VILLAGE]
    assert village_api.get(f"/api/v1/divisions/{NEIGHBOUR}").status_code == 404
    assert village_api.get("/api/v1/divisions/431129000000").status_code == 404


def test_township_children_and_levels(api_client):
    client = api_client("county", **{"Accept-Language": "en"})
    children = client.get("/api/v1/divisions?parent=431129100000").json()["items"]
    assert [d["code"] for d in children] == [VILLAGE, NEIGHBOUR]
    assert children[0]["level_label"] == "Village"
    villages = client.get("/api/v1/divisions?level=5").json()["items"]
    assert [d["code"] for d in villages] == [VILLAGE, NEIGHBOUR, "431129103201"]
    # Nothing of the other county, even when asked for by parent.
    assert client.get("/api/v1/divisions?parent=431128100000").json()["items"] == []


def test_divisions_keyset(api_client):
    client = api_client("county")
    first = client.get("/api/v1/divisions?limit=2").json()
    assert [d["code"] for d in first["items"]] == ["431129000000", "431129100000"]
    rest = client.get(f"/api/v1/divisions?after={first['next_after']}").json()
    assert rest["items"][0]["code"] == VILLAGE
    assert rest["next_after"] is None


def test_detail_of_a_village_has_profile_and_path(api_client):
    body = api_client("county").get(f"/api/v1/divisions/{VILLAGE}").json()
    assert body["name"] == "大坪村"
    assert body["parent_code"] == "431129100000"
    assert [d["code"] for d in body["path"]] == ["431129000000", "431129100000"]
    assert body["profile"]["is_poor_village"] is False


def test_bad_division_filter_is_422(village_api):
    response = village_api.get("/api/v1/divisions?level=9")
    assert response.status_code == 422
    assert "level" in response.json()["errors"]
