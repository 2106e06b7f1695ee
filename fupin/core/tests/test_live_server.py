"""The browser tests' live server (conftest._LiveServerThread)."""

import socketserver

import pytest
from django.db import connection


@pytest.mark.django_db(transaction=True)
def test_one_request_at_a_time_when_the_sqlite_connection_is_shared(live_server):
    threaded = isinstance(live_server.thread.httpd, socketserver.ThreadingMixIn)
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        assert not threaded
    else:
        assert threaded  # its own connection per thread: parallel requests are safe
