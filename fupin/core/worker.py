"""What `fupin worker` adds to django_tasks_db's worker loop: a heartbeat, recovery of
the tasks of dead workers, the daily schedule, and a stop that puts the task back.

- Heartbeat: each worker keeps a WorkerHeartbeat row and renews it every few seconds
  (HEARTBEAT_SECONDS) from a thread of its own.
- Recovery: a RUNNING task whose worker's heartbeat is older than STALE_AFTER (the worker
  was killed, or its machine lost) is put back in the queue (READY) and run again by the
  next worker; jobs are safe to run again (fupin.core.jobs.job_transaction). A task that
  has lost MAX_ATTEMPTS workers is marked failed instead of being tried for ever.
- Schedule: settings.FUPIN_SCHEDULE names the daily commands and their time of day in
  China time (TIME_ZONE). From that time on, the first worker to insert the day's
  ScheduledRun row (unique per name and day) enqueues the run, in the same transaction:
  once a day however many workers there are.
- Stop: on SIGTERM or SIGINT the worker takes no new task and abandons the running one
  (its transaction rolls back) and puts it back in the queue, then exits.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import signal
import socket
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, close_old_connections, connection, transaction
from django.tasks import task
from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from fupin.core.models import Job, ScheduledRun, WorkerHeartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
STALE_AFTER = dt.timedelta(seconds=60)
MAX_ATTEMPTS = 3


class WorkerStopping(BaseException):
    """Raised in the running task when the worker is told to stop (BaseException, so
    that a task's `except Exception` does not take it for a failure of its own)."""


class WorkerLost(Exception):
    """A task whose workers died MAX_ATTEMPTS times."""


# ------------------------------------------------------------------ heartbeat, recovery


def beat(worker_id: str, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(seen_at=now)
    if not updated:
        WorkerHeartbeat.objects.get_or_create(
            worker_id=worker_id,
            defaults={
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": now,
                "seen_at": now,
            },
        )


def forget(worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def recover(
    *, stale_after: dt.timedelta = STALE_AFTER, now: dt.datetime | None = None
) -> list[str]:
    """Put back in the queue the RUNNING tasks whose worker's heartbeat is older than
    `stale_after`, or whose worker has no heartbeat at all and claimed the task longer
    than `stale_after` ago (it stopped between claiming the task and running it, and
    forgot its heartbeat on the way out), and forget those workers. Returns the ids of
    the tasks put back."""
    cutoff = (now or timezone.now()) - stale_after

    def lost(result: DBTaskResult[..., Any], seen: dict[str, dt.datetime]) -> bool:
        if not result.worker_ids:
            return False
        last_seen = seen.get(result.worker_ids[-1])
        if last_seen is None:
            return result.started_at is not None and result.started_at < cutoff
        return last_seen < cutoff

    def heartbeats() -> dict[str, dt.datetime]:
        return dict(WorkerHeartbeat.objects.values_list("worker_id", "seen_at"))

    seen = heartbeats()
    if not any(lost(r, seen) for r in DBTaskResult.objects.running()):
        WorkerHeartbeat.objects.filter(seen_at__lt=cutoff).delete()
        return []
    requeued: list[str] = []
    with exclusive_transaction(DBTaskResult.objects.db):
        # Locked and read again in the transaction: a task another worker has claimed in
        # the meantime names that worker last and is left alone.
        seen = heartbeats()
        dead = {worker_id for worker_id, at in seen.items() if at < cutoff}
        for result in DBTaskResult.objects.running().select_for_update():
            if not lost(result, seen):
                continue
            if len(result.worker_ids) >= MAX_ATTEMPTS:
                logger.error("task %s lost %s workers: failed", result.id, len(result.worker_ids))
                result.set_failed(WorkerLost(f"{len(result.worker_ids)} workers died running it"))
                continue
            logger.warning(
                "task %s of dead worker %s: back in the queue", result.id, result.worker_ids[-1]
            )
            requeue(result)
            requeued.append(str(result.id))
        WorkerHeartbeat.objects.filter(worker_id__in=dead, seen_at__lt=cutoff).delete()
        Job.objects.filter(task_id__in=requeued, finished_at=None).update(
            phase="queued", fraction=0.0, updated_at=timezone.now()
        )
    return requeued


def requeue(result: DBTaskResult[..., Any]) -> None:
    result.status = TaskResultStatus.READY
    result.started_at = None
    result.finished_at = None
    result.exception_class_path = ""
    result.traceback = ""
    result.save(
        update_fields=["status", "started_at", "finished_at", "exception_class_path", "traceback"]
    )


# ------------------------------------------------------------------ schedule


@task()
def run_command(*, name: str, args: list[str]) -> str:
    """A daily command of the schedule; returns the end of its output (kept on the task)."""
    out = io.StringIO()
    logger.info("scheduled %s: %s", name, " ".join(args))
    call_command(*args, stdout=out)
    return out.getvalue()[-4000:]


def schedule() -> dict[str, tuple[dt.time, list[str]]]:
    """settings.FUPIN_SCHEDULE as name -> (time of day, command arguments)."""
    entries: dict[str, tuple[str, list[str]]] = getattr(settings, "FUPIN_SCHEDULE", {})
    return {name: (dt.time.fromisoformat(at), list(args)) for name, (at, args) in entries.items()}


def enqueue_once(name: str, day: dt.date, args: list[str]) -> str | None:
    """Enqueue the day's run of `name` unless some worker has; returns the task's id, or
    None when it was enqueued already."""
    try:
        with transaction.atomic():
            run = ScheduledRun.objects.create(name=name, day=day)
            result = run_command.enqueue(name=name, args=args)
            run.task_id = str(result.id)
            run.save(update_fields=["task_id"])
    except IntegrityError:
        return None
    return str(result.id)


def enqueue_due(now: dt.datetime | None = None) -> list[str]:
    """Enqueue every daily command whose time of day has come today (China time) and
    whose run of today has not been enqueued. Returns the names enqueued."""
    local = timezone.localtime(now)
    done = set(ScheduledRun.objects.filter(day=local.date()).values_list("name", flat=True))
    enqueued = []
    for name, (at, args) in schedule().items():
        if local.time() >= at and name not in done and enqueue_once(name, local.date(), args):
            enqueued.append(name)
    return enqueued


# ------------------------------------------------------------------ the worker


class FupinWorker(Worker):
    """django_tasks_db's Worker with a heartbeat, recovery and the schedule (in a thread
    of their own, every `heartbeat` seconds), and a stop that puts the task back."""

    def __init__(
        self,
        *,
        heartbeat: float = HEARTBEAT_SECONDS,
        stale_after: dt.timedelta = STALE_AFTER,
        scheduler: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.heartbeat = heartbeat
        self.stale_after = stale_after
        self.scheduler = scheduler
        self._stop = threading.Event()
        self._abandoned = False

    def tick(self) -> None:
        """Heartbeat, recovery, schedule: once. A locked SQLite database (a job's long
        transaction) or a lost connection is tried again at the next tick."""
        try:
            beat(self.worker_id)
            recover(stale_after=self.stale_after)
            if self.scheduler:
                for name in enqueue_due():
                    logger.info("enqueued today's %s", name)
        except DatabaseError:
            logger.warning("worker tick failed; next in %s s", self.heartbeat, exc_info=True)
            close_old_connections()
        except Exception:
            # Whatever else fails (a bad FUPIN_SCHEDULE entry, a scheduled command that
            # cannot be enqueued) must not end the heartbeat: a worker that stops beating
            # looks dead, and its running task would be run again beside it.
            logger.exception("worker tick failed; next in %s s", self.heartbeat)

    def _ticker(self) -> None:
        try:
            while not self._stop.wait(self.heartbeat):
                self.tick()
        finally:
            connection.close()  # the thread's own connection

    def run(self) -> None:
        self.tick()  # before the first task: a batch run recovers and schedules too
        thread = threading.Thread(target=self._ticker, name="fupin-worker-tick", daemon=True)
        thread.start()
        try:
            super().run()
        finally:
            self._stop.set()
            thread.join()
            forget(self.worker_id)

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        if self.running and self.running_task:
            logger.warning("%s: abandoning the running task", signal.strsignal(signum))
            self.running = False
            self._abandoned = True
            raise WorkerStopping
        super().shutdown(signum, frame)

    def run_task(self, db_task_result: DBTaskResult[..., Any]) -> None:
        super().run_task(db_task_result)  # records WorkerStopping as a failure …
        if self._abandoned:
            # … which it was not: back in the queue for the next worker.
            requeue(db_task_result)
            Job.objects.filter(task_id=str(db_task_result.id), finished_at=None).update(
                phase="queued", fraction=0.0, updated_at=timezone.now()
            )
            logger.warning("task %s put back in the queue", db_task_result.id)
