import logging

import pytest

from fupin.registry import selectors

pytestmark = pytest.mark.django_db


def test_unexpected_exception_is_500_json_and_logged(village_api, household, monkeypatch, caplog):
    def boom(**kwargs):
        raise RuntimeError("selector exploded")

    monkeypatch.setattr(selectors, "household_list", boom)
    with caplog.at_level(logging.ERROR, logger="fupin.api"):
        response = village_api.get("/api/v1/households")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "server_error"
    assert "selector exploded" not in body["message"]
    assert b"<html" not in response.content.lower()
    assert any("selector exploded" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_unexpected_exception_in_serialisation_is_500_json(village_api, household, monkeypatch):
    def boom(obj, fields):
        raise ValueError("label exploded")

    monkeypatch.setattr("fupin.api.schemas.labels_of", boom)
    response = village_api.get(f"/api/v1/households/{household.pk}")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"


def test_bad_path_parameter_is_422_json(village_api):
    response = village_api.get("/api/v1/households/abc")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert "household_id" in body["errors"]


def test_malformed_json_body_is_4xx_json(village_api, household):
    response = village_api.patch(
        f"/api/v1/households/{household.pk}", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    household.refresh_from_db()
    assert household.address == "大坪村一组12号"


def test_code_list_follows_accept_language(api_client):
    en = api_client("village", **{"Accept-Language": "en"})
    body = en.get("/api/v1/codes/household_status").json()
    assert body["name"] == "household_status"
    assert {"code": "poor", "label": "In poverty"} in body["items"]
    zh = api_client("village", **{"Accept-Language": "zh-hans"})
    items = zh.get("/api/v1/codes/household_status").json()["items"]
    labels = {i["code"]: i["label"] for i in items}
    assert labels["poor"] != "In poverty"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in labels["poor"])


def test_code_list_names_and_unknown_list(village_api):
    names = village_api.get("/api/v1/codes").json()
    assert "poverty_cause" in names and "ethnicity" in names
    ethnicity = village_api.get("/api/v1/codes/ethnicity").json()["items"]
    assert len(ethnicity) == 56 and ethnicity[0]["code"] == "01"
    response = village_api.get("/api/v1/codes/nope")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_household_labels_follow_accept_language(api_client, household):
    en = api_client("village", **{"Accept-Language": "en"})
    item = en.get("/api/v1/households").json()["items"][0]
    assert item["labels"]["status"] == "In poverty"
    assert item["labels"]["main_cause"] == "Illness"
    zh = api_client("village", **{"Accept-Language": "zh-hans"})
    item = zh.get("/api/v1/households").json()["items"][0]
    assert item["labels"]["main_cause"] != "Illness"
