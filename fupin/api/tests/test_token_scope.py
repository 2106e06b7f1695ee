"""API tokens carry a scope and an expiry (issue 14): a read token gets 403 on any write,
every new token expires (90 days unless told), an expired token gets 401 saying so, and
openapi.json can be fetched with a token."""

from __future__ import annotations

import datetime as dt
import importlib
import io

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from fupin.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def _client(key: str, **headers) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}", "Accept-Language": "en", **headers})


def test_a_read_token_reads_but_every_write_is_403_and_changes_nothing(users, household):
    _token, key = ApiToken.issue(users["village"], "reader", scope="read")
    client = _client(key)
    assert client.get("/api/v1/households").status_code == 200
    assert client.get(f"/api/v1/households/{household.pk}").status_code == 200
    before = household.address
    patch = client.patch(
        f"/api/v1/households/{household.pk}", {"address": "x"}, content_type="application/json"
    )
    assert patch.status_code == 403
    assert patch.json()["code"] == "forbidden"
    assert "--scope write" in patch.json()["message"]
    assert client.post("/api/v1/households", {}, content_type="application/json").status_code == (
        403
    )
    household.refresh_from_db()
    assert household.address == before


def test_a_write_token_writes(users, household):
    _token, key = ApiToken.issue(users["village"], "writer", scope="write")
    response = _client(key).patch(
        f"/api/v1/households/{household.pk}",
        {"address": "大坪村一组13号"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    household.refresh_from_db()
    assert household.address == "大坪村一组13号"


def test_new_tokens_are_read_only_and_expire_after_the_configured_days(users, settings):
    token, _key = ApiToken.issue(users["village"], "t")
    assert token.scope == "read"
    assert token.expires_at - token.created_at == dt.timedelta(days=90)
    settings.API_TOKEN_DAYS = 7
    token, _key = ApiToken.issue(users["village"], "t")
    assert token.expires_at - token.created_at == dt.timedelta(days=7)
    with pytest.raises(ValueError):
        ApiToken.issue(users["village"], "t", scope="admin")


def test_an_expired_token_is_401_and_says_it_expired(users, household):
    token, key = ApiToken.issue(users["village"], "old", days=1)
    client = _client(key)
    assert client.get("/api/v1/households").status_code == 200
    token.expires_at = timezone.now() - dt.timedelta(seconds=1)
    token.save()
    response = client.get("/api/v1/households")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert "expired on" in body["message"]
    assert f"{token.expires_at:%Y-%m-%d}" in body["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")
    # ... in Chinese by default
    zh = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/households")
    assert "已于" in zh.json()["message"] and "过期" in zh.json()["message"]


def test_openapi_json_can_be_fetched_with_a_token_of_any_scope(users):
    _token, key = ApiToken.issue(users["village"], "schema", scope="read")
    response = _client(key).get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/households" in response.json()["paths"]


def test_openapi_json_with_a_bad_or_expired_token_is_json_401(users):
    token, key = ApiToken.issue(users["village"], "schema")
    token.expires_at = timezone.now() - dt.timedelta(days=1)
    token.save()
    expired = _client(key).get("/api/v1/openapi.json")
    assert expired.status_code == 401
    assert "expired" in expired.json()["message"]
    unknown = _client("fp_nonsense").get("/api/v1/openapi.json")
    assert unknown.status_code == 401
    assert unknown.json()["code"] == "unauthenticated"


def test_the_command_creates_a_scoped_token_with_days_and_lists_its_scope(users, household):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "token",
        "create",
        user="village",
        name="sync",
        scope="write",
        days=5,
        stdout=out,
        stderr=err,
    )
    key = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.scope == "write"
    assert token.expires_at - token.created_at == dt.timedelta(days=5)
    assert "scope write" in err.getvalue()
    listing = io.StringIO()
    call_command("token", "list", stdout=listing)
    assert f"{token.prefix}\tvillage\tsync\twrite\t" in listing.getvalue()
    assert _client(key).get("/api/v1/households").status_code == 200


def test_the_command_defaults_to_read_and_refuses_zero_days(users):
    out = io.StringIO()
    call_command("token", "create", user="village", name="r", stdout=out, stderr=io.StringIO())
    assert ApiToken.objects.get().scope == "read"
    with pytest.raises(CommandError):
        call_command("token", "create", user="village", name="r", days=0, stderr=io.StringIO())
    with pytest.raises(CommandError):
        call_command("token", "create", user="village", name="r", scope="admin")
    assert ApiToken.objects.count() == 1


def test_the_migration_gives_tokens_without_expiry_one_from_the_migration_date(users, settings):
    migration = importlib.import_module("fupin.accounts.migrations.0002_token_scope_and_expiry")
    token, _key = ApiToken.issue(users["village"], "legacy", scope="write")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    kept, _key = ApiToken.issue(users["village"], "dated", days=3)
    before = timezone.now()
    migration.existing_tokens_expire(django_apps, None)
    token.refresh_from_db()
    assert before + dt.timedelta(days=90) <= token.expires_at
    assert token.expires_at <= timezone.now() + dt.timedelta(days=90)
    kept_expiry = kept.expires_at
    kept.refresh_from_db()
    assert kept.expires_at == kept_expiry
    # Existing rows got "write", what they could do before (AddField default).
    add_field = migration.Migration.operations[0]
    assert add_field.field.default == "write"
