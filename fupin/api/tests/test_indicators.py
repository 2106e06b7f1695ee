"""GET /api/v1/indicators/{code}: the indicator engine's figures, scoped like every read."""

import pytest
from django.utils import timezone

from conftest import NEIGHBOUR, OTHER_COUNTY_VILLAGE, VILLAGE
from fupin.indicators.selectors import figures
from fupin.indicators.services import snapshot_create

pytestmark = pytest.mark.django_db

COUNTY = VILLAGE[:6]


def test_village_figures_as_the_engine_computes_them(village_api, household, neighbour_household):
    response = village_api.get(f"/api/v1/indicators/{VILLAGE}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["area"] == VILLAGE and body["snapshot"] is None
    assert body["as_of"] == timezone.localdate().isoformat()
    [node] = body["nodes"]  # a village has no children
    # One household in poverty with one member: the neighbour's is not counted here.
    assert node["values"]["poor_households"] == 1
    assert node["values"]["poor_people"] == 1
    assert node["values"] == figures(VILLAGE)[0].values
    assert body["definitions"]["poor_people"]["unit"]
    assert body["definitions"]["poverty_incidence"]["definition"]


def test_township_user_gets_each_village_and_the_sum(api_client, household, neighbour_household):
    township = VILLAGE[:9]
    body = api_client("township").get(f"/api/v1/indicators/{township}").json()
    node, *children = body["nodes"]
    by_code = {n["code"]: n for n in children}
    assert {VILLAGE, NEIGHBOUR} <= set(by_code)
    assert all(n["parent"] == node["code"] for n in children)
    assert node["values"]["poor_people"] == 2
    assert sum(n["values"]["poor_people"] for n in children) == 2
    assert api_client("township").get(f"/api/v1/indicators/{township}?depth=0").json()["nodes"] == [
        node
    ]


def test_outside_the_area_is_not_found(village_api, api_client, household):
    assert village_api.get(f"/api/v1/indicators/{NEIGHBOUR}").status_code == 404
    assert village_api.get(f"/api/v1/indicators/{COUNTY}").status_code == 404
    other = api_client("county").get(f"/api/v1/indicators/{OTHER_COUNTY_VILLAGE}")
    assert other.status_code == 404
    assert other.json()["code"] == "not_found"


@pytest.mark.parametrize("code", ["abc", "4311291002010000", ""])
def test_a_code_that_is_no_division_is_not_found(village_api, code):
    response = village_api.get(f"/api/v1/indicators/{code}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_as_of_a_date_before_registration_counts_nobody(village_api, household):
    body = village_api.get(f"/api/v1/indicators/{VILLAGE}?as_of=2000-01-01").json()
    assert body["as_of"] == "2000-01-01"
    assert body["nodes"][0]["values"]["poor_people"] == 0


def test_snapshot_figures_and_bad_queries(village_api, users, household):
    snap = snapshot_create(actor=users["county"], area_code=COUNTY, as_of=timezone.localdate())
    body = village_api.get(f"/api/v1/indicators/{VILLAGE}?snapshot={snap.pk}").json()
    assert body["snapshot"] == snap.pk and body["snapshot_sha256"] == snap.manifest_sha256
    assert body["nodes"][0]["values"]["poor_people"] == 1
    both = village_api.get(f"/api/v1/indicators/{VILLAGE}?snapshot={snap.pk}&as_of=2020-01-01")
    assert both.status_code == 422
    assert both.json()["errors"]["snapshot"] == ["as_of 与 snapshot 只能给出其一。"]
    assert village_api.get(f"/api/v1/indicators/{VILLAGE}?snapshot=999999").status_code == 404
    # No key is 0: refused as out of range, like any id filter of the API.
    assert village_api.get(f"/api/v1/indicators/{VILLAGE}?snapshot=0").status_code == 422
    assert village_api.get(f"/api/v1/indicators/{VILLAGE}?depth=3").status_code == 422
    assert village_api.get(f"/api/v1/indicators/{VILLAGE}?as_of=yesterday").status_code == 422


def test_needs_a_token(client, household):
    response = client.get(f"/api/v1/indicators/{VILLAGE}")
    assert response.status_code == 401


def test_in_the_openapi_document(users, client):
    client.force_login(users["village"])
    doc = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/indicators/{code}" in doc["paths"]
    params = {p["name"] for p in doc["paths"]["/api/v1/indicators/{code}"]["get"]["parameters"]}
    assert {"code", "as_of", "snapshot", "depth"} <= params
