import json
import re

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client

from fupin.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", ["/api/v1/docs", "/api/v1/openapi.json"])
def test_docs_and_schema_send_anonymous_users_to_the_login_page(url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_openapi_json_is_valid_and_lists_the_paths(users):
    response = signed_in(users["village"]).get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = json.loads(response.content)
    assert doc["info"]["title"] == "fupin API"
    assert doc["openapi"].startswith("3.")
    for p in [
        "/api/v1/divisions",
        "/api/v1/divisions/{code}",
        "/api/v1/households",
        "/api/v1/households/{household_id}",
        "/api/v1/members",
        "/api/v1/members/{member_id}",
        "/api/v1/households/{household_id}/members",
        "/api/v1/codes/{list_name}",
        "/api/v1/indicators/{code}",
        "/api/v1/projects",
        "/api/v1/projects/{project_id}",
        "/api/v1/allocations",
    ]:
        assert p in doc["paths"], p
    assert set(doc["paths"]["/api/v1/households"]) == {"get", "post"}
    assert set(doc["paths"]["/api/v1/households/{household_id}"]) == {"get", "patch"}
    assert set(doc["paths"]["/api/v1/projects"]) == {"get"}  # read only
    schemes = doc["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_docs_page_loads_nothing_from_a_cdn(users):
    response = signed_in(users["village"]).get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    # Every script and stylesheet comes from this server: no absolute or
    # protocol-relative address (the page's random CSRF token may contain any
    # letters, so the test looks at addresses, not at substrings like "cdn").
    sources = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert sources
    assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources
    assert "https://" not in html and "http://" not in html
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in html
    asset = Client().get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200
    assert b"SwaggerUIBundle" in b"".join(asset.streaming_content)
    assert Client().get("/api/v1/docs/assets/..%2Fmain.py").status_code == 404


def test_no_token_is_401_json(household):
    response = Client().get("/api/v1/households")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_anonymous_post_is_401_not_csrf_403(users):
    response = Client().post("/api/v1/households", {}, content_type="application/json")
    assert response.status_code == 401


def test_wrong_revoked_and_expired_tokens_are_401(users, household):
    assert (
        Client(headers={"Authorization": "Bearer nonsense"}).get("/api/v1/households").status_code
        == 401
    )
    token, key = ApiToken.issue(users["village"], "t")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    assert client.get("/api/v1/households").status_code == 200
    token.revoked = True
    token.save()
    assert client.get("/api/v1/households").status_code == 401


def test_token_of_an_inactive_user_is_401(users, household):
    _token, key = ApiToken.issue(users["village"], "t")
    users["village"].is_active = False
    users["village"].save()
    client = Client(headers={"Authorization": f"Bearer {key}"})
    assert client.get("/api/v1/households").status_code == 401


def test_session_login_works_and_writes_need_csrf(users, household):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["village"])
    listed = client.get("/api/v1/households")
    assert listed.status_code == 200
    assert [h["id"] for h in listed.json()["items"]] == [household.pk]
    patch = client.patch(
        f"/api/v1/households/{household.pk}", {"address": "x"}, content_type="application/json"
    )
    assert patch.status_code == 403
    assert patch.json()["code"] == "forbidden"
    household.refresh_from_db()
    assert household.address != "x"


def test_session_write_with_csrf_token_works(users, household):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["village"])
    secret = "a" * 32
    client.cookies["csrftoken"] = secret
    response = client.patch(
        f"/api/v1/households/{household.pk}",
        {"address": "大坪村一组13号"},
        content_type="application/json",
        headers={"X-CSRFToken": secret},
    )
    assert response.status_code == 200, response.content
    household.refresh_from_db()
    assert household.address == "大坪村一组13号"


def test_unknown_path_under_the_api_is_json_404(village_api):
    response = village_api.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_wrong_method_is_405_json(village_api, household):
    response = village_api.delete(f"/api/v1/households/{household.pk}")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "PATCH" in response["Allow"]
    assert household.__class__.objects.filter(pk=household.pk).exists()
