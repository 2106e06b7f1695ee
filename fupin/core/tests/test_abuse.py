"""The public pages' rate limit counts per client address, read as the login throttle
reads it (fupin.core.abuse.client_ip)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from fupin.core.abuse import client_ip, over_limit

PROXY = "10.0.0.2"


def behind_proxy(client: str) -> object:
    return RequestFactory().post("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{client}, {PROXY}")


@pytest.fixture
def trusted_proxy(settings):
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    settings.AXES_IPWARE_PROXY_TRUSTED_IPS = [PROXY]
    settings.AXES_IPWARE_PROXY_ORDER = "left-most"


def test_without_a_trusted_proxy_the_connection_counts_and_the_header_is_ignored():
    assert client_ip(behind_proxy("203.0.113.5")) == PROXY


def test_behind_a_trusted_proxy_each_visitor_has_its_own_count(trusted_proxy):
    cache.clear()
    first, second = behind_proxy("203.0.113.5"), behind_proxy("203.0.113.6")
    assert client_ip(first) == "203.0.113.5"
    assert [over_limit(first, "test", 2) for _ in range(3)] == [False, False, True]
    assert not over_limit(second, "test", 2)
