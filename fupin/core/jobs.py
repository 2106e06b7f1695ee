"""Background jobs: tasks of Django's task framework in the database, with their progress
in a core.Job row.

Work that takes longer than a request may (a registry import, a report for a large area)
is recorded by the page as a Job row and enqueued as a task (`django.tasks`, backend
django_tasks_db) in the same transaction, so the task exists exactly when the job does.
`fupin worker` (core/management/commands/worker.py) runs the tasks; a job survives a
restart of the web server or of the worker, and a worker that dies is noticed by the
others (core/worker.py) which put its task back in the queue. Every job must therefore be
safe to run again: `job_transaction` gives a job one transaction with its "finished"
mark, so a re-run after a crash either finds it finished or starts from nothing
(reports); an import keeps only its write phase in a transaction, which also records
that the job's import was written, under the job's lock (`lock_job`; fupin.exchange.jobs).

The page's progress bar reads the Job row (`Job.phase`, `Job.fraction`). `Progress`
writes it; inside the job's own transaction it writes through a second connection on
PostgreSQL (so the bar moves while the transaction is open), and not at all on SQLite,
where the open transaction holds the database's only write lock: there the bar shows the
phase reached before the transaction until it ends (so an import opens one only to write).

With `sync=True` the task is called inline in the request instead (tests use it).

Used by fupin.exchange.jobs (imports) and fupin.dashboards.reports (reports).

Each user may have at most settings.FUPIN_JOBS_PER_USER (2 by default) report jobs
running or queued at a time: `ensure_job_slot(running)` refuses the next one with
TooManyJobs (a ValidationFailed, so the page shows the message and the API answers 422).
A job that has been "running" longer than JOB_STALE_AFTER is taken as lost and no longer
counts.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.tasks import Task
from django.utils import timezone
from django.utils.translation import ngettext

from fupin.core.errors import ValidationFailed
from fupin.core.models import Job

DEFAULT_JOBS_PER_USER = 2
JOB_STALE_AFTER = dt.timedelta(hours=6)
# pg_advisory_xact_lock(class, id): the class of a job's lock.
_LOCK_CLASS = zlib.crc32(b"fupin.core.Job") & 0x7FFFFFFF


class TooManyJobs(ValidationFailed):
    code = "too_many_jobs"
    status = 429


def jobs_per_user() -> int:
    return int(getattr(settings, "FUPIN_JOBS_PER_USER", DEFAULT_JOBS_PER_USER))


def ensure_job_slot(running: int) -> None:
    """Refuse a new job when the user already has `running` jobs running or queued and
    that is the limit. Call it inside the transaction that records the new job, after
    locking the user's row, so two requests at once cannot both pass."""
    limit = jobs_per_user()
    if running >= limit:
        message = ngettext(
            "You already have %(n)d report being prepared; wait until it is finished "
            "before asking for another.",
            "You already have %(n)d reports being prepared; wait until one of them is "
            "finished before asking for another.",
            running,
        ) % {"n": running}
        raise TooManyJobs({"__all__": [message]}, message=message)


def stale_before() -> dt.datetime:
    """Jobs started before this moment and still "running" are lost and do not count."""
    return timezone.now() - JOB_STALE_AFTER


# ------------------------------------------------------------------ starting


def create_job(*, key: str, user_id: int | None) -> Job:
    return Job.objects.create(key=key, user_id=user_id)


def enqueue(task: Task[..., Any], *, job: Job | None, sync: bool, **kwargs: Any) -> None:
    """Enqueue `task(**kwargs)` for `fupin worker`, or call it inline when `sync`.

    Call it inside the transaction that records the job (its Job row, its run row): the
    task's row commits with them, or neither does."""
    if sync:
        task.call(**kwargs)
        return
    result = task.enqueue(**kwargs)
    if job is not None:
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id))


def get_job(key: str) -> Job | None:
    return Job.objects.filter(key=key).first()


# ------------------------------------------------------------------ running


@contextmanager
def job_transaction(job_id: int) -> Iterator[Job | None]:
    """One transaction for the whole job, which the job ends with `finish`: yields the
    Job, or None when it has finished already (a task run again after its worker died
    between the commit and the task's own "successful" mark). Two workers given the same
    job run it one after the other (a lock on PostgreSQL, SQLite's single writer), and the
    second finds it finished."""
    with transaction.atomic():
        job = lock_job(job_id)
        yield None if job.finished_at is not None else job


def lock_job(job_id: int) -> Job:
    """The Job, read after taking its lock until the end of the current transaction (call
    it inside one): two runs of the same job that lock it see each other's committed
    work. PostgreSQL: an advisory lock of the job; SQLite: the transaction's write lock
    (transaction_mode IMMEDIATE) is the lock already."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, job_id % 2**31])
    return Job.objects.get(pk=job_id)


def record(job_id: int, **values: Any) -> None:
    """Add `values` to the job's result (inside the caller's transaction, if any)."""
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job_id).update(result={**job.result, **values}, updated_at=timezone.now())


def finish(job_id: int, *, phase: str, failed: bool = False, **result: Any) -> None:
    """Mark the job ended (inside `job_transaction`, so that it commits with the work)."""
    now = timezone.now()
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job_id).update(
        phase=phase,
        fraction=1.0,
        failed=failed,
        result={**job.result, **result},
        updated_at=now,
        finished_at=now,
    )


class Progress:
    """A job's phase and fraction (0.0 … 1.0) in its Job row. Calling it records a phase
    and fraction; `update` any of phase, fraction, failed. Close it at the end of the job
    (it may hold a second database connection)."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        # Transactions opened after this point are the job's own.
        self.depth = len(connection.atomic_blocks)
        self._side: BaseDatabaseWrapper | None = None

    def __call__(self, phase: str, fraction: float) -> None:
        self.update(phase=phase, fraction=round(float(fraction), 3))

    def update(self, **values: Any) -> None:
        values["updated_at"] = timezone.now()
        if len(connection.atomic_blocks) <= self.depth:
            Job.objects.filter(pk=self.job_id).update(**values)
        elif connection.vendor == "postgresql":
            self._write_aside(values)
        # else SQLite: the job's transaction holds the only write lock.

    def _write_aside(self, values: dict[str, Any]) -> None:
        if self._side is None:
            self._side = connections.create_connection(connection.alias)
        columns = ", ".join(f"{connection.ops.quote_name(k)} = %s" for k in values)
        with self._side.cursor() as cursor:
            cursor.execute(
                # names from this module's own callers, values as parameters
                f"UPDATE {Job._meta.db_table} SET {columns} WHERE id = %s",  # noqa: S608
                [*values.values(), self.job_id],
            )

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def state_of(job: Job) -> dict[str, Any]:
    """The job as the progress pages show it."""
    return {
        "user": job.user_id,
        "phase": job.phase,
        "fraction": job.fraction,
        "failed": job.failed,
        **job.result,
    }
