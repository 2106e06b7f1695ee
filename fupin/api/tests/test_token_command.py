import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from fupin.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def _create(**kw):
    out, err = io.StringIO(), io.StringIO()
    call_command("token", "create", stdout=out, stderr=err, **kw)
    return out.getvalue().strip(), err.getvalue()


def test_create_prints_a_working_key_once_and_revoke_stops_it(users, household):
    key, note = _create(user="village", name="script")
    assert key not in note
    token = ApiToken.objects.get()
    assert token.user == users["village"] and token.name == "script"
    assert token.key_hash != key and key.startswith(token.prefix)
    client = Client(headers={"Authorization": f"Bearer {key}"})
    assert client.get("/api/v1/households").status_code == 200
    out = io.StringIO()
    call_command("token", "revoke", token.prefix, stdout=out)
    assert "Revoked" in out.getvalue()
    assert client.get("/api/v1/households").status_code == 401


def test_create_with_expiry_and_list(users):
    _key, _ = _create(user="village", name="short", days=1)
    token = ApiToken.objects.get()
    assert token.expires_at is not None
    out = io.StringIO()
    call_command("token", "list", stdout=out)
    assert token.prefix in out.getvalue() and "active" in out.getvalue()


def test_unknown_user_and_unknown_prefix_fail(users):
    with pytest.raises(CommandError):
        _create(user="nobody", name="x")
    with pytest.raises(CommandError):
        call_command("token", "revoke", "zzzzzzzz")
    assert not ApiToken.objects.exists()
