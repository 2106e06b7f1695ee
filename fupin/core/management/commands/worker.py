"""`fupin worker`: run the background jobs (imports, reports) and the daily commands.

django_tasks_db's worker loop (its Worker class) with fupin's heartbeat, recovery of dead
workers' tasks, the daily schedule and a stop that puts the task back
(fupin/core/worker.py). Run one or more per installation, e.g. under systemd:

    fupin worker                     # every queue, until SIGTERM
    fupin worker --batch             # run what is queued, then exit (tests, cron-less checks)
"""

from __future__ import annotations

import datetime as dt
import logging
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django_tasks_db.management.commands.db_worker import (
    valid_backend_name,
    valid_interval,
    validate_worker_id,
)

from fupin.core.worker import HEARTBEAT_SECONDS, STALE_AFTER, FupinWorker


class Command(BaseCommand):
    help = "Run the background jobs and the daily commands (the job queue in the database)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queue",
            default="*",
            help="queues to run, separated by commas (default: every queue, '*')",
        )
        parser.add_argument(
            "--interval",
            type=valid_interval,
            default=1.0,
            help="seconds to wait when the queue is empty (default: 1)",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="run the tasks that are ready (after recovery and the schedule), then exit",
        )
        parser.add_argument("--once", action="store_true", help="run at most one task, then exit")
        parser.add_argument(
            "--no-schedule",
            dest="scheduler",
            action="store_false",
            help="do not enqueue the daily commands from this worker",
        )
        parser.add_argument(
            "--heartbeat",
            type=valid_interval,
            default=HEARTBEAT_SECONDS,
            help="seconds between heartbeats (default: %(default)s)",
        )
        parser.add_argument(
            "--stale-after",
            type=valid_interval,
            default=STALE_AFTER.total_seconds(),
            help="a worker silent this many seconds is dead; its task is run again "
            "(default: %(default)s)",
        )
        parser.add_argument("--backend", type=valid_backend_name, default="default")
        parser.add_argument("--worker-id", type=validate_worker_id, default=None)

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["heartbeat"] >= opts["stale_after"]:
            # A worker beats every `heartbeat` seconds: with a stale limit no longer than
            # that, a live worker between two beats looks dead and its task runs twice.
            raise CommandError(
                _(
                    "--heartbeat (%(heartbeat)s s) must be shorter than --stale-after "
                    "(%(stale_after)s s), or a live worker looks dead between two heartbeats."
                )
                % {"heartbeat": opts["heartbeat"], "stale_after": opts["stale_after"]}
            )
        for name in ("django_tasks_db", "django.tasks", "fupin.core.worker"):
            logger = logging.getLogger(name)
            if logger.getEffectiveLevel() > logging.INFO and opts["verbosity"] > 1:
                logger.setLevel(logging.INFO)
        queues = [q for q in opts["queue"].split(",") if q]
        worker = FupinWorker(
            queue_names=queues or ["*"],
            interval=opts["interval"],
            batch=opts["batch"] or opts["once"],
            backend_name=opts["backend"],
            startup_delay=not (opts["batch"] or opts["once"]),
            max_tasks=1 if opts["once"] else None,
            worker_id=opts["worker_id"] or get_random_string(32),
            excluded_queue_names=[],
            heartbeat=opts["heartbeat"],
            stale_after=dt.timedelta(seconds=opts["stale_after"]),
            scheduler=opts["scheduler"],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            worker.reset_signals()  # called in-process (tests): leave the process as it was
