"""Background jobs in a thread of the serving process, with their progress in the cache.

Work that takes longer than a request may (a registry import, a report for a large area)
is started by the page, runs in a (non-daemon) thread of the same process, and writes its
progress to the cache, where a progress page polls it. The thread closes its own database
connection when it ends.

With `sync=True` the work runs inline in the request instead (tests use it: a thread
cannot see the test's uncommitted transaction). The cache must be shared by every process
that serves pages: see CACHES in fupin/settings.py.

Used by fupin.exchange.jobs (imports) and fupin.dashboards.reports (reports).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import connection

PROGRESS_SECONDS = 24 * 3600


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
    return cache.get(key)
