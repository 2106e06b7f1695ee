"""`fupin worker`: recovery of a dead worker's tasks, the daily schedule, the task put
back on a stop (fupin/core/worker.py). The import killed mid-way is in
fupin/exchange/tests/test_worker_import.py."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from fupin.core import worker as W
from fupin.core.models import Job, ScheduledRun, WorkerHeartbeat
from fupin.core.tests.shared_db import shared_database

pytestmark = pytest.mark.django_db

CHINA = dt.timezone(dt.timedelta(hours=8))


def _running(worker_id: str) -> DBTaskResult:
    result = W.run_command.enqueue(name="check", args=["check"])
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim(worker_id)
    return row


def test_recovery_puts_back_the_task_of_a_worker_whose_heartbeat_is_stale():
    now = timezone.now()
    W.beat("dead", now - dt.timedelta(minutes=5))
    W.beat("alive", now - dt.timedelta(seconds=2))
    lost, busy = _running("dead"), _running("alive")
    job = Job.objects.create(key="k", phase="write", fraction=0.6, task_id=str(lost.pk))

    assert W.recover(stale_after=dt.timedelta(seconds=60), now=now) == [str(lost.pk)]

    lost.refresh_from_db()
    busy.refresh_from_db()
    assert lost.status == TaskResultStatus.READY and lost.started_at is None
    assert busy.status == TaskResultStatus.RUNNING
    assert not WorkerHeartbeat.objects.filter(worker_id="dead").exists()
    assert WorkerHeartbeat.objects.filter(worker_id="alive").exists()
    job.refresh_from_db()
    assert (job.phase, job.fraction) == ("queued", 0.0)
    # A second look finds nothing more to do.
    assert W.recover(stale_after=dt.timedelta(seconds=60), now=now) == []


def test_recovery_leaves_a_task_that_another_worker_has_claimed_since():
    now = timezone.now()
    W.beat("dead", now - dt.timedelta(minutes=5))
    W.beat("next", now)
    row = _running("dead")
    row.claim("next")  # put back earlier and claimed again by a live worker
    assert W.recover(stale_after=dt.timedelta(seconds=60), now=now) == []
    row.refresh_from_db()
    assert row.status == TaskResultStatus.RUNNING and row.worker_ids == ["dead", "next"]


def test_a_task_that_lost_its_worker_too_often_fails_instead():
    now = timezone.now()
    W.beat("third", now - dt.timedelta(minutes=5))
    row = _running("first")
    row.claim("second")
    row.claim("third")
    assert W.recover(stale_after=dt.timedelta(seconds=60), now=now) == []
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "fupin.core.worker.WorkerLost"


def test_the_schedule_enqueues_each_command_once_a_day_from_its_time(settings):
    settings.FUPIN_SCHEDULE = {
        "early": ("01:00", ["check"]),
        "late": ("23:00", ["check", "--deploy"]),
    }
    noon = dt.datetime(2026, 3, 2, 12, 0, tzinfo=CHINA)
    assert W.enqueue_due(noon) == ["early"]
    assert W.enqueue_due(noon + dt.timedelta(hours=1)) == []
    assert W.enqueue_due(noon + dt.timedelta(hours=11, minutes=30)) == ["late"]
    # 00:30 China time on the next day is still the 2nd in UTC: China's day counts.
    next_day = dt.datetime(2026, 3, 3, 0, 30, tzinfo=CHINA)
    assert W.enqueue_due(next_day) == []
    assert W.enqueue_due(next_day + dt.timedelta(hours=1)) == ["early"]
    runs = list(ScheduledRun.objects.order_by("day", "name").values_list("name", "day"))
    assert runs == [
        ("early", dt.date(2026, 3, 2)),
        ("late", dt.date(2026, 3, 2)),
        ("early", dt.date(2026, 3, 3)),
    ]
    tasks = DBTaskResult.objects.filter(task_path="fupin.core.worker.run_command")
    assert tasks.count() == 3
    # A second insert for the same day (a scheduler that looked before the first wrote)
    # enqueues nothing.
    assert W.enqueue_once("early", dt.date(2026, 3, 3), ["check"]) is None
    assert tasks.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_racing_enqueue_the_days_run_once(settings, tmp_path):
    settings.FUPIN_SCHEDULE = {f"job{i}": ("00:00", ["check"]) for i in range(5)}
    now = timezone.now()
    with shared_database(tmp_path):
        start = threading.Barrier(2)
        found: list[list[str]] = []
        errors: list[BaseException] = []

        def scheduler() -> None:
            from django.db import connection  # this thread's own connection

            try:
                start.wait()
                found.append(W.enqueue_due(now))
            except BaseException as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=scheduler) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert sorted(found[0] + found[1]) == sorted(settings.FUPIN_SCHEDULE)
        assert ScheduledRun.objects.count() == 5
        assert DBTaskResult.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_daily_commands_and_keeps_their_output(settings):
    settings.FUPIN_SCHEDULE = {"system-check": ("00:00", ["check"])}
    call_command("worker", "--batch")
    run = ScheduledRun.objects.get(name="system-check")
    assert run.day == timezone.localdate()
    task = DBTaskResult.objects.get(pk=run.task_id)
    assert task.status == TaskResultStatus.SUCCESSFUL, task.traceback
    assert "System check identified no issues" in task.return_value
    # The worker forgot its heartbeat when it stopped.
    assert not WorkerHeartbeat.objects.exists()
    # Run again the same day: nothing more enqueued.
    call_command("worker", "--batch")
    assert DBTaskResult.objects.count() == 1


def test_recovery_puts_back_a_task_whose_worker_left_no_heartbeat():
    # A worker stopped by SIGTERM between claiming a task and starting it forgets its
    # heartbeat on the way out; a worker whose first beat never got through has none.
    # Its task must not stay RUNNING for ever once it has run longer than the limit.
    now = timezone.now()
    W.beat("alive", now)
    gone = _running("gone")
    DBTaskResult.objects.filter(pk=gone.pk).update(started_at=now - dt.timedelta(minutes=5))
    fresh = _running("starting")  # claimed a moment ago, its first beat still to come
    busy = _running("alive")
    DBTaskResult.objects.filter(pk=busy.pk).update(started_at=now - dt.timedelta(minutes=5))

    assert W.recover(stale_after=dt.timedelta(seconds=60), now=now) == [str(gone.pk)]

    statuses = dict(DBTaskResult.objects.values_list("pk", "status"))
    assert statuses[gone.pk] == TaskResultStatus.READY
    assert statuses[fresh.pk] == TaskResultStatus.RUNNING
    assert statuses[busy.pk] == TaskResultStatus.RUNNING


def test_a_failing_tick_leaves_the_heartbeat_thread_beating(settings):
    # An error of the schedule (here a time of day that is no time) must not end the
    # thread that renews the heartbeat: the worker would look dead and its running task
    # be put back and run a second time by another worker while it still runs here.
    settings.FUPIN_SCHEDULE = {"broken": ("25:00", ["check"])}
    worker = W.FupinWorker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="ticking",
        excluded_queue_names=[],
    )
    worker.tick()  # logged, not raised
    long_ago = timezone.now() - dt.timedelta(hours=1)
    WorkerHeartbeat.objects.filter(worker_id="ticking").update(seen_at=long_ago)
    worker.tick()
    assert WorkerHeartbeat.objects.get(worker_id="ticking").seen_at > long_ago
