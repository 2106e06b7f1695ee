"""An import queued by the page and run by `fupin worker` in another process: it waits
in the queue while no worker runs, survives a worker killed in the middle of it, and is
imported once (fupin/core/worker.py, fupin/exchange/jobs.py)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.tasks.base import TaskResultStatus
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from conftest import VILLAGE, make_id
from fupin.core.models import ChangeAction, ChangeRecord, Job, WorkerHeartbeat
from fupin.core.tests.shared_db import shared_database
from fupin.exchange.models import ExchangeRun
from fupin.exchange.tests.test_pages import HOUSEHOLD, MEMBER, csv_zip, run_of, upload
from fupin.registry.models import Household, Member

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[3]
WAIT = 120  # seconds: a deadline for what must happen, not a measure of speed


@pytest.fixture
def shared(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.FUPIN_IMPORT_SYNC = False
    with shared_database(tmp_path) as url:
        yield url


def worker(url: str, tmp_path: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "FUPIN_DEBUG": "1",
        "FUPIN_VAR_DIR": str(tmp_path / "var"),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "fupin.cli", "worker", "--no-schedule", "--interval", "0.1", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def finish(proc: subprocess.Popen[bytes]) -> str:
    out, _ = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, out.decode()
    return out.decode()


def households(n: int) -> bytes:
    rows, members = [], []
    for i in range(n):
        number = f"{VILLAGE}{5000 + i:04d}"
        rows.append(dict(HOUSEHOLD, household_number=number, address=f"大坪村三组{i}号"))
        members.append(
            dict(
                MEMBER,
                household_number=number,
                id_number=make_id(seq=f"{i % 1000:03d}", birth=f"{1950 + i // 1000 % 50}0101"),
            )
        )
    return csv_zip(rows, members)


def until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


def test_an_import_waits_queued_until_a_worker_runs_it(client, users, shared, tmp_path):
    client.force_login(users["village"])
    token = run_of(upload(client, households(3), "q.zip")).rstrip("/").rsplit("/", 1)[1]
    url = reverse("exchange:progress_json", args=[token])
    # No worker: the job waits in the queue, in the database.
    data = client.get(url).json()
    assert data["phase"] == "queued" and data["url"] is None
    task = DBTaskResult.objects.get()
    assert task.status == TaskResultStatus.READY
    assert Job.objects.get().task_id == str(task.pk)

    finish(worker(shared, tmp_path, "--batch"))

    data = client.get(url).json()
    run = ExchangeRun.objects.get(direction=ExchangeRun.Direction.IMPORT)
    assert data["phase"] == "finished" and data["url"] == reverse(
        "exchange:run_detail", args=[run.pk]
    )
    assert run.status == ExchangeRun.Status.DONE and run.summary["households"]["created"] == 3
    assert Household.objects.filter(village_id=VILLAGE).count() == 3
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL and task.return_value == run.pk
    assert not WorkerHeartbeat.objects.exists()  # the worker said goodbye


def test_a_worker_killed_in_the_middle_of_an_import_leaves_it_to_the_next_once(
    client, users, shared, tmp_path
):
    n = 3000
    client.force_login(users["village"])
    run_of(upload(client, households(n), "k.zip"))
    job = Job.objects.get()

    proc = worker(shared, tmp_path, "--batch", "--heartbeat", "60", "--stale-after", "120")
    try:
        if connection.vendor == "postgresql":
            _kill_while_waiting_for_the_history_lock(proc, shared)
        else:
            _kill_inside_the_import_transaction(proc, job, shared)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    task = DBTaskResult.objects.get()
    assert task.status == TaskResultStatus.RUNNING  # as the dead worker left it
    # The run was committed before the file was read; the rows went with the worker.
    left = ExchangeRun.objects.get()
    assert left.status == ExchangeRun.Status.RUNNING
    assert Household.objects.filter(village_id=VILLAGE).count() == 0

    # Time passes: the dead worker's heartbeat grows old; the next worker puts its task
    # back in the queue and runs it.
    WorkerHeartbeat.objects.update(seen_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    finish(worker(shared, tmp_path, "--batch"))

    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL, task.traceback
    assert len(task.worker_ids) == 2
    run = ExchangeRun.objects.exclude(pk=left.pk).get()
    assert run.status == ExchangeRun.Status.DONE and run.summary["households"]["created"] == n
    left.refresh_from_db()  # the next run marked it failed
    assert left.status == ExchangeRun.Status.FAILED and left.finished_at is not None
    job.refresh_from_db()
    assert job.phase == "finished"
    assert job.result == {"started": run.pk, "written": run.pk, "run": run.pk}
    numbers = list(Household.objects.filter(village_id=VILLAGE).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == n
    assert Member.objects.filter(household__village_id=VILLAGE).count() == n
    created = ChangeRecord.objects.filter(
        action=ChangeAction.CREATE, object_type__icontains="household"
    )
    assert created.count() == n
    assert created.values("object_id").distinct().count() == n


def _kill_while_waiting_for_the_history_lock(
    proc, url: str, sig: signal.Signals = signal.SIGKILL
) -> None:
    """PostgreSQL: hold a lock that the import's history writes wait for, so the worker
    stops in the middle of its transaction (the households written, their records
    not), and kill it there."""

    with psycopg.connect(url.replace("postgres://", "postgresql://")) as lock:
        lock.execute(f"LOCK TABLE {ChangeRecord._meta.db_table} IN SHARE MODE")

        def waiting() -> bool:
            assert proc.poll() is None, proc.stdout.read().decode()
            row = lock.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = %s::regclass",
                [ChangeRecord._meta.db_table],
            ).fetchone()
            return bool(row and row[0])

        until(waiting, "the worker to wait for the history table")
        # The bar moved while the import's transaction is open (a second connection).
        phase = lock.execute("SELECT phase FROM core_job").fetchone()
        assert phase == ("write",)
        proc.send_signal(sig)
        proc.wait(timeout=WAIT)
        lock.rollback()


def _kill_inside_the_import_transaction(
    proc, job: Job, url: str, sig: signal.Signals = signal.SIGKILL
) -> None:
    """SQLite: the import's write transaction holds the only write lock from its start to
    its commit; kill the worker as soon as the lock is seen after the job's last progress
    written outside it ("validate", 0.3)."""
    path = url.removeprefix("sqlite:///")
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:

        def phase() -> tuple[str, float]:
            assert proc.poll() is None, proc.stdout.read().decode()
            return probe.execute(
                "SELECT phase, fraction FROM core_job WHERE id = ?", [job.pk]
            ).fetchone()

        last = ("validate", 0.3)
        until(lambda: phase() == last, "the import to check the file")

        def locked() -> bool:
            try:
                probe.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return True
            probe.execute("ROLLBACK")
            assert phase() == last, "the import ended before it could be interrupted"
            return False

        until(locked, "the import's transaction")
        proc.send_signal(sig)
        proc.wait(timeout=WAIT)
    finally:
        probe.close()


def test_sigterm_abandons_the_import_and_puts_it_back_in_the_queue(client, users, shared, tmp_path):
    n = 3000
    client.force_login(users["village"])
    run_of(upload(client, households(n), "t.zip"))
    job = Job.objects.get()
    # not --batch: it would go on
    proc = worker(shared, tmp_path, "--heartbeat", "60", "--stale-after", "120")
    try:
        if connection.vendor == "postgresql":
            _kill_while_waiting_for_the_history_lock(proc, shared, signal.SIGTERM)
        else:
            _kill_inside_the_import_transaction(proc, job, shared, signal.SIGTERM)
    finally:
        if proc.poll() is None:
            proc.kill()
        out = proc.communicate()[0].decode()
    assert proc.returncode == 0, out  # a clean stop
    task = DBTaskResult.objects.get()
    assert task.status == TaskResultStatus.READY, task.traceback  # back in the queue
    left = ExchangeRun.objects.get()
    assert left.status == ExchangeRun.Status.RUNNING and not Household.objects.exists()
    job.refresh_from_db()
    assert job.phase == "queued" and job.finished_at is None
    assert not WorkerHeartbeat.objects.exists()
    # The upload is kept for the next run, which imports it once.
    finish(worker(shared, tmp_path, "--batch"))
    run = ExchangeRun.objects.exclude(pk=left.pk).get()
    assert run.status == ExchangeRun.Status.DONE and run.summary["households"]["created"] == n
    assert ExchangeRun.objects.get(pk=left.pk).status == ExchangeRun.Status.FAILED
    assert Household.objects.filter(village_id=VILLAGE).count() == n


def test_other_requests_write_while_an_import_reads_and_checks_its_file(
    client, users, shared, tmp_path
):
    """SQLite has one write lock: an import holds it only while it writes, not while it
    reads and checks the file, so a sign-in (a session row) meanwhile does not wait for
    it and fail with "database is locked"."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's single write lock")
    client.force_login(users["village"])
    run_of(upload(client, households(6000), "w.zip"))
    job = Job.objects.get()
    path = shared.removeprefix("sqlite:///")
    # A busy timeout as a web request has (Django's default, 5 s): long enough for the
    # job's short progress writes, far shorter than an import holding the lock.
    other = sqlite3.connect(path, timeout=5, isolation_level=None)
    before_write = {("read", 0.0), ("validate", 0.1)}  # written outside the write phase
    proc = worker(shared, tmp_path, "--batch", "--heartbeat", "60", "--stale-after", "120")
    try:

        def phase() -> tuple[str, float]:
            assert proc.poll() is None, proc.stdout.read().decode()
            return other.execute(
                "SELECT phase, fraction FROM core_job WHERE id = ?", [job.pk]
            ).fetchone()

        until(lambda: phase() in before_write, "the import to read the file")
        other.execute("BEGIN IMMEDIATE")  # "database is locked" while the import holds it
        # Holding the write lock, the job's phase cannot move: the import is still
        # reading or checking the file while this connection writes.
        assert phase() in before_write, "the import got past its checks before this test"
        other.execute(
            "INSERT INTO django_session (session_key, session_data, expire_date) "
            "VALUES ('sqlitelock-probe', '', '2100-01-01 00:00:00')"
        )
        other.execute("COMMIT")
        finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        other.close()
    run = ExchangeRun.objects.get()
    assert run.status == ExchangeRun.Status.DONE
    assert Household.objects.filter(village_id=VILLAGE).count() == 6000
