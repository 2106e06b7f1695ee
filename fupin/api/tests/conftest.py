import pytest
from django.test import Client

from fupin.accounts.models import ApiToken


@pytest.fixture
def api_client(users):
    """api_client("village") → a test client sending that user's read-write bearer
    token (api_client("village", scope="read") for a read-only one)."""

    def make(who: str, scope: str = "write", **headers) -> Client:
        _token, key = ApiToken.issue(users[who], f"test {who}", scope=scope)
        return Client(headers={"Authorization": f"Bearer {key}", **headers})

    return make


@pytest.fixture
def village_api(api_client):
    return api_client("village")
