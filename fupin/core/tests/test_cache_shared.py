"""The cache is shared by every server process: the database cache by default, Redis when
REDIS_URL is set (settings.CACHES). Each test runs against both: a second process (a
subprocess on the same database or Redis server) writes, this one reads, and the other
way round. The rate limit of the public pages (fupin.core.abuse) relies on `add` and
`incr` being atomic: two processes counting at once lose no count.

Redis tests use a key prefix of their own (FUPIN_CACHE_PREFIX) and delete their keys;
they are skipped, saying why, only when no Redis server answers at 127.0.0.1:6379."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from django.test import RequestFactory

from fupin.core.abuse import over_limit
from fupin.core.tests.shared_db import shared_database
from fupin.dashboards import selectors as dashboards

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("FUPIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
COUNTY = "431129000000"
ADDRESS = "203.0.113.9"
PROCESS_SECONDS = 120

# Run in another process: Django set up from the environment (DATABASE_URL, REDIS_URL,
# FUPIN_CACHE_PREFIX), then one of the jobs below; it prints its result as JSON.
SCRIPT = """
import json, sys, time
from pathlib import Path
import django
django.setup()
from django.test import RequestFactory
from fupin.core.abuse import over_limit
from fupin.dashboards.selectors import todays_figures

job, *args = sys.argv[1:]
if job == "count":  # count N attempts of an address, once the go file exists
    address, scope, n, go = args
    print(json.dumps({"ready": True}), flush=True)
    while not Path(go).exists():
        time.sleep(0.01)
    request = RequestFactory().post("/", REMOTE_ADDR=address)
    over = [over_limit(request, scope, 10**9) for _ in range(int(n))]
    print(json.dumps({"over": sum(over)}))
elif job == "figures":
    nodes = todays_figures(args[0], depth=1)
    people = nodes[0].values["registered_people"]
    print(json.dumps({"codes": [n.code for n in nodes], "people": people}))
"""


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["database", "redis"])
def backend(request, settings, tmp_path) -> Iterator[dict[str, str]]:
    """This process's cache set as the server's, and the environment that gives a
    subprocess the same cache on the same database."""
    with shared_database(tmp_path) as database_url:
        env = dict(os.environ, DATABASE_URL=database_url, FUPIN_DEBUG="1")
        env.pop("FUPIN_TEST_DB_NAME", None)
        env.pop("REDIS_URL", None)
        if request.param == "database":
            settings.CACHES = {"default": production_caches(env)}
            cache.clear()
            yield env
            cache.clear()
            return
        if not redis_answers():
            pytest.skip(f"no Redis server answers at {REDIS_URL}")
        prefix = f"fupin-test-{uuid.uuid4().hex}"
        env.update(REDIS_URL=REDIS_URL, FUPIN_CACHE_PREFIX=prefix)
        settings.CACHES = {"default": production_caches(env)}
        yield env
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)


def production_caches(env: dict[str, str]) -> dict[str, str]:
    """settings.CACHES["default"] as the settings build it from this environment."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, fupin.settings as s; print(json.dumps(s.CACHES['default']))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=PROCESS_SECONDS,
    )
    return json.loads(out.stdout)


def run(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def result(p: subprocess.Popen) -> dict:
    out, err = p.communicate(timeout=PROCESS_SECONDS)
    assert p.returncode == 0, err
    return json.loads(out.splitlines()[-1])


def request_from(address: str) -> HttpRequest:
    return RequestFactory().post("/", REMOTE_ADDR=address)


def rate_key(scope: str) -> str:
    return f"tips:rate:{scope}:{ADDRESS}"


@pytest.mark.django_db(transaction=True)
def test_a_count_made_by_another_process_is_seen_here(backend, tmp_path):
    go = tmp_path / "go"
    go.touch()
    assert result(run(backend, "count", ADDRESS, "seen", "4", str(go)))["over"] == 0
    assert cache.get(rate_key("seen")) == 4
    # Here the fifth and sixth attempts: over a limit of 5 at the sixth.
    request = request_from(ADDRESS)
    assert [over_limit(request, "seen", 5) for _ in range(2)] == [False, True]


@pytest.mark.django_db(transaction=True)
def test_two_processes_counting_at_once_lose_no_count(backend, tmp_path):
    """incr is atomic across processes: the limit counts every attempt."""
    go, n = tmp_path / "go", 150
    processes = [run(backend, "count", ADDRESS, "race", str(n), str(go)) for _ in range(2)]
    deadline = time.monotonic() + PROCESS_SECONDS
    for p in processes:  # both set up and waiting: then they start together
        assert p.stdout is not None
        line = p.stdout.readline()
        assert json.loads(line) == {"ready": True}, p.stderr.read() if p.stderr else ""
        assert time.monotonic() < deadline
    go.touch()
    for p in processes:
        result(p)
    assert cache.get(rate_key("race")) == 2 * n


@pytest.mark.django_db(transaction=True)
def test_todays_figures_computed_by_another_process_are_read_here(backend, household, monkeypatch):
    """The dashboard's figures of today, computed once by any process, serve all."""
    other = result(run(backend, "figures", COUNTY))
    assert other["codes"][0] == COUNTY and len(other["codes"]) > 1

    def not_again(*args, **kwargs):
        raise AssertionError("computed again: the other process's figures were not shared")

    monkeypatch.setattr(dashboards, "figures", not_again)
    nodes = dashboards.todays_figures(COUNTY, depth=1)
    assert [n.code for n in nodes] == other["codes"]
    # The figures themselves, not only the codes: the household's one member.
    assert nodes[0].values["registered_people"] == other["people"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_count_keeps_the_window_it_was_added_with(backend):
    """Counting does not move the expiry on (Django's generic incr wrote the value back
    with the default timeout, 300 s: an hour's window became five minutes after the
    last attempt)."""
    key, window = "tips:rate:window:203.0.113.10", 3600
    assert cache.add(key, 0, timeout=window)
    before = expiry(key)
    assert [cache.incr(key) for _ in range(3)] == [1, 2, 3]
    assert expiry(key) == before and before > time.time() + window - 60


def expiry(key: str) -> float:
    """When the key expires (seconds since the epoch), read from the backend itself."""
    internal = cache.make_and_validate_key(key)
    location = settings.CACHES["default"]
    if "redis" in location["BACKEND"]:
        client = redis.Redis.from_url(location["LOCATION"])
        return round(time.time() + client.pttl(internal) / 1000)
    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM fupin_cache WHERE cache_key = %s", [internal])
        (expires,) = cursor.fetchone()
    if isinstance(expires, str):  # SQLite returns the text of the timestamp
        expires = dt.datetime.fromisoformat(expires)
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=dt.UTC)
    return expires.timestamp()
