"""The health check: what a load balancer or a monitoring probe reads."""

import pytest
from django.db import DatabaseError

from fupin.web.views import health

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_with_the_database_and_says_whether_the_caller_is_signed_in(
    client, login
):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok", "database": True, "signed_in": False}
    assert "no-cache" in resp["Cache-Control"]

    signed = login("village")
    assert signed.get("/healthz").json()["signed_in"] is True


def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    class Broken:
        def cursor(self):
            raise DatabaseError("connection refused")

    monkeypatch.setattr(health, "connection", Broken())
    resp = client.get("/healthz")
    assert resp.status_code == 503
    assert resp.json() == {"status": "unavailable", "database": False}


def test_healthz_takes_only_get(client):
    assert client.post("/healthz").status_code == 405
