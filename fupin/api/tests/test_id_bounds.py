"""Every integer filter of the read API is bounded by what a database key can hold: a
number beyond a 64-bit integer is refused with a 422 naming the parameter, and the
largest key is a plain "nothing found", never a 500 (SQLite's driver cannot even send
a larger number). The endpoints and their parameters are read from the OpenAPI
document, so a new endpoint is covered the moment it exists."""

import pytest

from fupin.api.schemas import MAX_ID

pytestmark = pytest.mark.django_db


def _integer_query_params(document):
    for path, operations in document["paths"].items():
        get = operations.get("get")
        if get is None or "{" in path:
            continue
        for param in get.get("parameters", []):
            schema = param.get("schema", {})
            types = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
            if param["in"] == "query" and "integer" in types:
                yield path, param["name"], schema


def test_every_integer_filter_is_bounded(village_api, household):
    document = village_api.get("/api/v1/openapi.json").json()
    params = list(_integer_query_params(document))
    names = {name for _path, name, _s in params}
    assert {"household", "after"} <= names, names  # the walk found the id filters
    for path, name, _schema in params:
        url = "/api/v1" + path if not path.startswith("/api/") else path
        too_big = village_api.get(url, {name: str(MAX_ID + 1)})
        assert too_big.status_code == 422, (path, name, too_big.status_code)
        assert name in too_big.content.decode(), (path, name)


def test_the_largest_key_finds_nothing(village_api, household):
    document = village_api.get("/api/v1/openapi.json").json()
    for path, name, schema in _integer_query_params(document):
        if schema.get("maximum") != MAX_ID and not any(
            s.get("maximum") == MAX_ID for s in schema.get("anyOf", [])
        ):
            continue
        url = "/api/v1" + path if not path.startswith("/api/") else path
        response = village_api.get(url, {name: str(MAX_ID)})
        assert response.status_code in (200, 404), (path, name, response.status_code)
