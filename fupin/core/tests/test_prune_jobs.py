"""`fupin prune_jobs` (run daily by `fupin worker`): finished task results, Jobs and
ScheduledRuns older than the retention go; nothing unfinished, nothing of today."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.tasks.base import TaskResultStatus
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from fupin.core import worker as W
from fupin.core.models import Job, ScheduledRun

pytestmark = pytest.mark.django_db


def _task(status: TaskResultStatus, finished_days_ago: int | None) -> str:
    result = W.run_command.enqueue(name="check", args=["check"])
    finished = (
        None if finished_days_ago is None else timezone.now() - dt.timedelta(days=finished_days_ago)
    )
    DBTaskResult.objects.filter(pk=result.id).update(status=status, finished_at=finished)
    return str(result.id)


def _job(key: str, *, created_days_ago: int, finished_days_ago: int | None) -> Job:
    now = timezone.now()
    return Job.objects.create(
        key=key,
        created_at=now - dt.timedelta(days=created_days_ago),
        finished_at=None
        if finished_days_ago is None
        else now - dt.timedelta(days=finished_days_ago),
    )


def _prune(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("prune_jobs", *args, stdout=out)
    return out.getvalue()


def test_old_finished_work_goes_and_unfinished_or_recent_work_stays():
    assert settings.FUPIN_JOB_RETENTION_DAYS == 90
    old_done = _task(TaskResultStatus.SUCCESSFUL, 91)
    old_failed = _task(TaskResultStatus.FAILED, 120)
    recent = _task(TaskResultStatus.FAILED, 30)
    running = _task(TaskResultStatus.RUNNING, None)
    queued = _task(TaskResultStatus.READY, None)
    DBTaskResult.objects.filter(pk__in=[running, queued]).update(
        enqueued_at=timezone.now() - dt.timedelta(days=200)
    )
    _job("old-finished", created_days_ago=100, finished_days_ago=95)
    _job("recent-finished", created_days_ago=100, finished_days_ago=10)
    _job("old-running", created_days_ago=200, finished_days_ago=None)
    today = timezone.localdate()
    for name, days_ago in [("today", 0), ("last-month", 30), ("old", 91), ("older", 400)]:
        ScheduledRun.objects.create(name=name, day=today - dt.timedelta(days=days_ago))

    out = _prune()

    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert {str(pk) for pk in left} == {recent, running, queued}
    assert old_done not in left and old_failed not in left
    assert set(Job.objects.values_list("key", flat=True)) == {"recent-finished", "old-running"}
    assert set(ScheduledRun.objects.values_list("name", flat=True)) == {"today", "last-month"}
    assert "1 finished jobs and 2 scheduled runs older than 90 days" in out

    # Idempotent: run again (a stop after the work, before the run's success mark).
    assert "0 finished jobs and 0 scheduled runs" in _prune()
    assert DBTaskResult.objects.count() == 3 and Job.objects.count() == 2


def test_a_short_retention_never_removes_todays_scheduled_run(settings):
    settings.FUPIN_JOB_RETENTION_DAYS = 1
    today = timezone.localdate()
    ScheduledRun.objects.create(name="today", day=today)
    ScheduledRun.objects.create(name="yesterday", day=today - dt.timedelta(days=1))
    _job("just-finished", created_days_ago=0, finished_days_ago=0)

    _prune()

    # Were today's row gone, the worker would enqueue today's commands a second time.
    assert list(ScheduledRun.objects.values_list("name", flat=True)) == ["today"]
    assert Job.objects.filter(key="just-finished").exists()


def test_the_retention_must_be_a_day_at_least(settings):
    with pytest.raises(CommandError):
        _prune("--days", "0")
    settings.FUPIN_JOB_RETENTION_DAYS = 0
    with pytest.raises(CommandError, match="at least 1"):
        _prune()


def test_the_daily_schedule_runs_the_prune():
    _job("old-finished", created_days_ago=100, finished_days_ago=95)
    at, args = W.schedule()["prune-jobs"]
    assert at == dt.time(3, 0)

    W.run_command.call(name="prune-jobs", args=args)

    assert not Job.objects.exists()
