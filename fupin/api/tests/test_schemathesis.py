"""The API against its own OpenAPI document, fuzzed by Schemathesis (issue 14).

The document is the one /api/v1/openapi.json serves to an API token (the first test
fetches it with a token through the WSGI app and compares). Every operation is called
through the Django WSGI app (in-process, inside the test's transaction) with generated
parameters and bodies: 20 examples per operation, derandomized (the same examples on
every run, so it is not flaky). Every answer must be no 500, of the documented content
type, and match the documented response schema.

Every text query parameter is also given HOSTILE_TEXT as examples: 20 random draws seldom
make a search of only whitespace, which was a 500 (`GET /api/v1/households?q=%0B`).
Run time: 20 s to 140 s depending on the machine's load (17 operations, one process).
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import translation
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)

from fupin.accounts.models import ApiToken
from fupin.api.api import api

CHECKS = [
    not_a_server_error,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 20


WSGI_APP = WSGIHandler()


def openapi_document() -> dict:
    """The document /api/v1/openapi.json serves (checked below to be the same)."""
    with translation.override("en"):
        return json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/")))


# Values the random draws seldom reach, given to every text query parameter as examples
# (the examples phase calls each of them): whitespace of every kind alone, which a search
# box strips to nothing, characters that matter to LIKE, SQL or HTML, and a NUL (which
# PostgreSQL refuses in text).
HOSTILE_TEXT = ["\x0b", " ", "\t\n", "\u3000", "%", "_", "'", "\\", "<script>", "=1+1", "a\x00b"]


def with_hostile_examples(document: dict) -> dict:
    for item in document["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and parameter["schema"].get("type") == "string":
                    parameter["examples"] = {
                        f"hostile{n}": {"value": v} for n, v in enumerate(HOSTILE_TEXT)
                    }
    return document


schema = schemathesis.openapi.from_dict(with_hostile_examples(openapi_document()))
schema.app = WSGI_APP


@pytest.fixture
def api_key(users, household, neighbour_household):
    """A read-write token of the township user (who sees two villages' households)."""
    _token, key = ApiToken.issue(users["township"], "schemathesis", scope="write")
    return key


@pytest.fixture
def _wsgi_in_transaction():
    """Requests through the WSGI app use the test's database connection: like Django's
    test client, they must not close it (that would end the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_the_fuzzed_document_is_the_one_served_to_a_token(api_key, _wsgi_in_transaction):
    loaded = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json",
        WSGI_APP,
        headers={"Authorization": f"Bearer {api_key}", "Accept-Language": "en"},
    )
    assert with_hostile_examples(loaded.raw_schema)["paths"] == schema.raw_schema["paths"]
    assert len(list(schema.get_all_operations())) >= 12


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_openapi_promises(case, api_key, _wsgi_in_transaction):
    case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, checks=CHECKS)
