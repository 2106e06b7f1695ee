"""`fupin prune_jobs`: forget the finished background work older than the retention.

Run daily by `fupin worker` (settings.FUPIN_SCHEDULE "prune-jobs"). Removes, when older
than settings.FUPIN_JOB_RETENTION_DAYS (or --days):

- the finished task results (their arguments and tracebacks), with django_tasks_db's own
  `prune_db_task_results` (every queue, successful and failed alike);
- the finished Jobs (progress rows of imports and reports): never one still queued or
  running (no `finished_at`), whatever its age;
- the ScheduledRuns (one per daily command and day): never today's, which keeps the day's
  commands from being enqueued a second time.

Idempotent: a second run (or a run again after a stop) finds nothing more to remove.
"""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core.models import Job, ScheduledRun


@dataclass(frozen=True)
class Pruned:
    jobs: int
    scheduled_runs: int


def prune_jobs_and_runs(days: int, now: dt.datetime | None = None) -> Pruned:
    """Delete the finished Jobs that finished more than `days` days ago and the
    ScheduledRuns of days more than `days` days back (never today's)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=days)
    today = timezone.localdate(now)
    last_day = min(today - dt.timedelta(days=days), today - dt.timedelta(days=1))
    with transaction.atomic():
        jobs, _ = Job.objects.filter(finished_at__isnull=False, finished_at__lte=cutoff).delete()
        runs, _ = ScheduledRun.objects.filter(day__lte=last_day).delete()
    return Pruned(jobs=jobs, scheduled_runs=runs)


def _days(value: str) -> int:
    days = int(value)
    if days < 1:
        raise ValueError(value)
    return days


class Command(BaseCommand):
    help = (
        "Remove finished task results, Jobs and scheduled runs older than "
        "FUPIN_JOB_RETENTION_DAYS (run daily by fupin worker)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--days",
            type=_days,
            default=None,
            help="keep this many days (default: settings.FUPIN_JOB_RETENTION_DAYS)",
        )

    def handle(self, *args: Any, days: int | None, **options: Any) -> None:
        days = days if days is not None else int(settings.FUPIN_JOB_RETENTION_DAYS)
        if days < 1:
            raise CommandError(_("FUPIN_JOB_RETENTION_DAYS must be at least 1."))
        call_command(
            "prune_db_task_results",
            queue_name="*",
            min_age_days=days,
            verbosity=0,
            stdout=self.stdout,
        )
        pruned = prune_jobs_and_runs(days)
        self.stdout.write(
            _(
                "Removed task results, %(jobs)s finished jobs and %(runs)s scheduled runs "
                "older than %(days)s days."
            )
            % {"jobs": pruned.jobs, "runs": pruned.scheduled_runs, "days": days}
        )
