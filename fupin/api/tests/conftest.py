import pytest
from django.test import Client

from fupin.accounts.models import ApiToken


@pytest.fixture
def api_client(users):
    """api_client("village") → a test client sending that user's bearer token."""

    def make(who: str, **headers) -> Client:
        _token, key = ApiToken.issue(users[who], f"test {who}")
        return Client(headers={"Authorization": f"Bearer {key}", **headers})

    return make


@pytest.fixture
def village_api(api_client):
    return api_client("village")
