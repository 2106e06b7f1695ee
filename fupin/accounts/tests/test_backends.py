"""The sign-in backend reads the user's area with the user: one query, not two."""

import pytest
from django.contrib.auth import get_user
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from fupin.core.scope import area_prefix_of

pytestmark = pytest.mark.django_db


def _request_for(client, user):
    client.force_login(user)
    request = RequestFactory().get("/")
    request.session = client.session
    return request


def test_the_signed_in_user_and_its_area_are_one_query(client, users):
    request = _request_for(client, users["township"])
    with CaptureQueriesContext(connection) as queries:
        user = get_user(request)
        prefix = area_prefix_of(user)
    assert user.pk == users["township"].pk
    assert prefix == "431129100"
    user_queries = [q["sql"] for q in queries.captured_queries if "accounts_user" in q["sql"]]
    assert len(user_queries) == 1
    assert "geo_division" in user_queries[0]
    assert len(queries.captured_queries) == 2  # the session, then the user with its area


def test_an_inactive_user_is_signed_out(client, users):
    request = _request_for(client, users["village"])
    users["village"].is_active = False
    users["village"].save(update_fields=["is_active"])
    assert not get_user(request).is_authenticated


def test_a_user_without_an_area_still_signs_in(client, users):
    request = _request_for(client, users["admin"])
    user = get_user(request)
    assert user.pk == users["admin"].pk
    assert user.area is None
