"""Background jobs in a thread of the serving process, with their progress in the cache.

Work that takes longer than a request may (a registry import, a report for a large area)
is started by the page, runs in a (non-daemon) thread of the same process, and writes its
progress to the cache, where a progress page polls it. The thread closes its own database
connection when it ends.

With `sync=True` the work runs inline in the request instead (tests use it: a thread
cannot see the test's uncommitted transaction). The cache must be shared by every process
that serves pages: see CACHES in fupin/settings.py.

Used by fupin.exchange.jobs (imports) and fupin.dashboards.reports (reports).

Each user may have at most settings.FUPIN_JOBS_PER_USER (2 by default) report jobs
running or queued at a time: `ensure_job_slot(running)` refuses the next one with
TooManyJobs (a ValidationFailed, so the page shows the message and the API answers 422).
A job that has been "running" longer than JOB_STALE_AFTER is taken as lost (its process
stopped) and no longer counts.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.translation import ngettext

from fupin.core.errors import ValidationFailed

PROGRESS_SECONDS = 24 * 3600
DEFAULT_JOBS_PER_USER = 2
JOB_STALE_AFTER = dt.timedelta(hours=6)


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


def run_in_background(target: Callable[..., Any], *, name: str, sync: bool, **kwargs: Any) -> None:
    """Call target(**kwargs) in a thread named `name`, or inline when `sync`."""
    if sync:
        target(**kwargs)
        return
    thread = threading.Thread(
        target=_thread_main, args=(target,), kwargs=kwargs, name=name, daemon=False
    )
    thread.start()


def _thread_main(target: Callable[..., Any], **kwargs: Any) -> None:
    try:
        target(**kwargs)
    finally:
        connection.close()  # the thread's own connection


class Progress:
    """A job's state in the cache under `key`: a dict with at least "phase" and
    "fraction" (0.0 … 1.0). Calling it records a phase and fraction."""

    def __init__(self, key: str, **state: Any) -> None:
        self.key = key
        self.state: dict[str, Any] = {"phase": "queued", "fraction": 0.0, **state}
        self.save()

    def __call__(self, phase: str, fraction: float) -> None:
        self.update(phase=phase, fraction=round(float(fraction), 3))

    def update(self, **values: Any) -> None:
        self.state.update(values)
        self.save()

    def save(self) -> None:
        cache.set(self.key, self.state, PROGRESS_SECONDS)


def read_progress(key: str) -> dict[str, Any] | None:
    state: dict[str, Any] | None = cache.get(key)
    return state
