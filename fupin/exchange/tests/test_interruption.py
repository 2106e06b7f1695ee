"""Killing an import at any moment leaves the database as before or after it, never half.

The import runs as a real `fupin import-registry` process against a database of its own
(a SQLite file, or a PostgreSQL database created and dropped here when the suite runs
on PostgreSQL), and is killed with SIGKILL: once deterministically in the middle of its
write (households written, members not yet), and at random moments."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import make_id
from fupin.exchange.tests.conftest import (
    good_household,
    good_income,
    good_member,
    second_member,
    write_book,
)

ROOT = Path(__file__).resolve().parents[3]
REAL_VILLAGE = "431129100008"  # 春晓社区, in the shipped division list
COUNT = """
import django, json
django.setup()
from fupin.registry.models import Household, Member, IncomeRecord
from fupin.core.models import ChangeRecord
print(json.dumps([Household.objects.count(), Member.objects.count(),
                  IncomeRecord.objects.count(), ChangeRecord.objects.count()]))
"""
# `fupin import-registry FILE` that stops for a minute in the middle of its write
# (households written, members not yet) after leaving a marker file (argv[2]).
PAUSED_IMPORT = """
import sys, time
from pathlib import Path
import django
django.setup()
from django.core.management import call_command
from fupin.exchange import write

original = write.write_sheet


def paused(state, ctx, key, *args, **kwargs):
    if key == "members":
        Path(sys.argv[2]).write_text("paused")
        time.sleep(60)
    return original(state, ctx, key, *args, **kwargs)


write.write_sheet = paused
call_command("import_registry", sys.argv[1])
"""


@pytest.fixture
def database(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        name = f"test_fupin_kill_{os.getpid()}"
        admin = urlparse(url)._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        yield urlparse(url)._replace(path=f"/{name}").geturl()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'kill.sqlite3'}"


def _env(url: str, **extra) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="fupin.settings")
    env.pop("FUPIN_TEST_DB_NAME", None)
    env.update(extra)
    return env


def fupin(url: str, *args: str, **extra) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "fupin.cli", *args],
        cwd=ROOT,
        env=_env(url, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def counts(url: str) -> list[int]:
    out = subprocess.run(
        [sys.executable, "-c", COUNT],
        cwd=ROOT,
        env=_env(url),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def book(tmp_path: Path, name: str, households: int, address: str = "") -> Path:
    hh, mm, ii = [], [], []
    for k in range(households):
        number = f"{REAL_VILLAGE}{k + 1:04d}"
        day = f"{k % 12 + 1:02d}{k // 12 + 1:02d}"
        hh.append(
            good_household(
                number, village_code=REAL_VILLAGE, **({"address": address} if address else {})
            )
        )
        mm.append(good_member(number, id_number=make_id(birth="1970" + day, seq="211")))
        mm.append(second_member(number, id_number=make_id(birth="1972" + day, seq="222")))
        ii.append(good_income(number))
    return write_book(tmp_path / name, households=hh, members=mm, incomes=ii)


def test_killed_import_leaves_the_database_as_before_or_after(database, tmp_path):
    url = database
    for args in (
        ("migrate", "--no-input", "-v0"),
        ("load_divisions", str(ROOT / "fupin/geo/data/divisions_4311.csv")),
    ):
        p = fupin(url, *args)
        assert p.wait(timeout=300) == 0, p.stderr.read()
    first = book(tmp_path, "first.csv", 60)
    empty = counts(url)
    assert empty[:3] == [0, 0, 0]

    # 1. Killed in the middle of its write: households written, members not yet.
    marker = tmp_path / "paused"
    p = subprocess.Popen(
        [sys.executable, "-c", PAUSED_IMPORT, str(first), str(marker)],
        cwd=ROOT,
        env=_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert p.poll() is None, p.stderr.read()
        assert time.monotonic() < deadline, "the import never reached its write"
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert counts(url) == empty

    # 2. The same import, not interrupted.
    p = fupin(url, "import-registry", str(first))
    assert p.wait(timeout=300) == 0, p.stderr.read()
    after = counts(url)
    assert after[:3] == [60, 120, 60], p.stdout.read()

    # 3. An update of every household killed at random moments: before or after.
    second = book(tmp_path, "second.csv", 60, address="新地址")
    rng = random.Random(7)
    outcomes = set()
    for _ in range(4):
        p = fupin(url, "import-registry", str(second))
        time.sleep(rng.uniform(0.3, 2.5))
        p.send_signal(signal.SIGKILL)
        p.wait()
        now = counts(url)
        assert now in (after, [*after[:3], after[3] + 60]), now
        outcomes.add(now[3])
        after = now
    # Whatever happened, one more full run brings the file in, once.
    p = fupin(url, "import-registry", str(second))
    assert p.wait(timeout=300) == 0, p.stderr.read()
    final = counts(url)
    assert final[:3] == [60, 120, 60]
