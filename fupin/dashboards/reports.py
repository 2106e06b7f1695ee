"""Reports of an area for a period: an Excel workbook of the standard tables and a PDF
summary with charts, generated as background jobs (tasks run by `fupin worker`) with
their progress in a core.Job row ("dashboards.report:<run id>").

Standard tables (every indicator of fupin.indicators.definitions, as of 31 December of
the year, or today for the current year):

- Summary: every figure of the area with its unit and definition, by group;
- one sheet of every figure by child area (townships of a county, villages of a township);
- for a county or larger: every figure by village, read township by township (this is
  the long part of a large area, and what the progress bar follows);
- Trend: the trend figures as of 31 December of each year.

Who asked for which report when is a ReportRun; every download is a ReportDownload.
Files live in VAR_DIR/reports/<run id>.<xlsx|pdf>.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.core import jobs
from fupin.core.errors import OutsideArea, ValidationFailed
from fupin.dashboards import excel
from fupin.dashboards import selectors as S
from fupin.dashboards.models import ReportDownload, ReportKind, ReportRun, ReportStatus
from fupin.dashboards.tables import Tables
from fupin.geo.models import Division, Level
from fupin.indicators.selectors import figures

logger = logging.getLogger(__name__)

PHASES = {
    "queued": gettext_lazy("Waiting to start"),
    "figures": gettext_lazy("Reading the figures"),
    "trend": gettext_lazy("Reading the figures of past years"),
    "write": gettext_lazy("Writing the file"),
    "finished": gettext_lazy("Finished"),
    "failed": gettext_lazy("The report stopped because of an internal error."),
}


def job_key(run_id: int) -> str:
    return f"dashboards.report:{run_id}"


def progress_of(run: ReportRun) -> dict[str, Any]:
    """The run's progress: from its job while it runs, from the run once it ended."""
    if run.status == ReportStatus.FINISHED:
        return {"phase": "finished", "fraction": 1.0, "failed": False}
    if run.status == ReportStatus.FAILED:
        return {"phase": "failed", "fraction": 1.0, "failed": True}
    job = jobs.get_job(job_key(run.pk))
    if job is None:
        return {"phase": "queued", "fraction": 0.0, "failed": False}
    return {"phase": job.phase, "fraction": job.fraction, "failed": job.failed}


def phase_label(state: dict[str, Any]) -> str:
    return str(PHASES.get(state.get("phase", ""), state.get("phase", "")))


def reports_dir() -> Path:
    path = Path(settings.VAR_DIR) / "reports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def period_as_of(year: int, today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return today if year >= today.year else dt.date(year, 12, 31)


# ------------------------------------------------------------------ starting and reading


def start_report(
    *, actor, area_code: str, kind: str, year: int, language: str, sync: bool | None = None
) -> ReportRun:
    """Record the request and queue the report for `fupin worker` (inline when `sync`,
    or by default when the setting FUPIN_REPORT_SYNC is true). Raises OutsideArea for an
    area the actor may not read, ValidationFailed for a bad kind or year, TooManyJobs
    (a ValidationFailed) when the actor has jobs_per_user() reports running. `actor=None`
    is the command line run by the operator: any area, recorded as "system"."""
    if actor is None:
        area = Division.objects.filter(code=area_code).first()
        if area is None:
            raise OutsideArea()
    else:
        area = S.area_for(user=actor, code=area_code)
    errors: dict[str, list[str]] = {}
    if kind not in ReportKind.values:
        errors["kind"] = [_("Choose Excel or PDF.")]
    years = S.trend_years(area)
    if year not in years:
        errors["year"] = [
            _("Choose a year from %(first)s to %(last)s.") % {"first": years[0], "last": years[-1]}
        ]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        if actor is not None:
            # At most jobs_per_user() reports running or queued per user; the user's
            # row is locked so that two requests at once cannot both pass the count.
            get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
            jobs.ensure_job_slot(
                ReportRun.objects.filter(
                    user=actor, status=ReportStatus.RUNNING, started_at__gte=jobs.stale_before()
                ).count()
            )
        run = ReportRun.objects.create(
            user=actor,
            user_name=actor.username if actor is not None else "system",
            area_code=area.code,
            area_name=area.name,
            kind=kind,
            year=year,
            as_of=period_as_of(year),
        )
        job = jobs.create_job(key=job_key(run.pk), user_id=run.user_id)
        jobs.enqueue(
            report_task,
            job=job,
            sync=getattr(settings, "FUPIN_REPORT_SYNC", False) if sync is None else sync,
            run_id=run.pk,
            language=language,
        )
    run.refresh_from_db()
    return run


def report_get(*, user, pk: int) -> ReportRun:
    run = ReportRun.objects.restrict(user).filter(pk=pk).first()
    if run is None:
        raise OutsideArea()
    return run


def report_list(*, user, limit: int = 20):
    return ReportRun.objects.restrict(user).order_by("-started_at", "-id")[:limit]


def report_download(*, actor, run: ReportRun) -> Path:
    """The file of a finished report, recording the download (who, when)."""
    if run.status != ReportStatus.FINISHED or not run.file_path:
        raise OutsideArea()
    path = Path(run.file_path)
    if not path.is_file():
        raise OutsideArea()
    ReportDownload.objects.create(run=run, user=actor, user_name=actor.username)
    return path


def file_name(run: ReportRun) -> str:
    return f"fupin-{run.area_code}-{run.year}.{run.kind}"


# ------------------------------------------------------------------ the job


@task()
def report_task(*, run_id: int, language: str) -> None:
    """The task `start_report` enqueues."""
    run_report(run_id=run_id, language=language)


def run_report(*, run_id: int, language: str) -> None:
    """Write the report's file and mark the run finished. Safe to run again (a worker
    that died): a run that ended is left alone, and the file is written again whole
    under the same name."""
    run = ReportRun.objects.get(pk=run_id)
    if run.status != ReportStatus.RUNNING:
        return
    job = jobs.get_job(job_key(run.pk))
    if job is None:  # a run recorded without its job
        job = jobs.create_job(key=job_key(run.pk), user_id=run.user_id)
    progress = jobs.Progress(job.pk)
    try:
        with translation.override(language):
            tables = collect(run, progress)
            progress("write", 0.9)
            path = reports_dir() / f"{run.pk}.{run.kind}"
            if run.kind == ReportKind.EXCEL:
                excel.write_workbook(tables, path)
            else:
                # lazy: reportlab is loaded only on the PDF path
                from fupin.dashboards.pdf import write_pdf

                write_pdf(tables, path)
    except Exception as exc:
        logger.exception("report %s failed", run.pk)
        with transaction.atomic():
            run.status = ReportStatus.FAILED
            run.message = f"{type(exc).__name__}: {exc}"[:2000]
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "message", "finished_at"])
            jobs.finish(job.pk, phase="failed", failed=True)
        return
    finally:
        progress.close()
    with transaction.atomic():
        run.status = ReportStatus.FINISHED
        run.file_path = str(path)
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "file_path", "finished_at"])
        jobs.finish(job.pk, phase="finished")


def collect(run: ReportRun, progress) -> Tables:
    area = Division.objects.get(code=run.area_code)
    today = timezone.localdate()
    as_of = None if run.as_of >= today else run.as_of
    tables = Tables(area, run.as_of, run.year)
    progress("figures", 0.05)
    # A county's report also has a table of every village: two levels at once.
    depth = 2 if area.level == Level.COUNTY else 1
    nodes = figures(area.code, as_of=as_of, depth=depth)
    tables.node = nodes[0]
    tables.children = [n for n in nodes[1:] if n.level == area.level + 1]
    if depth == 2:
        names = {n.code: n.name for n in tables.children}
        tables.villages = [
            (names.get(n.parent or "", ""), n) for n in nodes[1:] if n.level == area.level + 2
        ]
    # Past years are read back from history, one year at a time: the long part.
    years = [y for y in S.trend_years(area, today) if y <= run.year]
    tables.trend = {"years": years, "values": []}
    for i, year in enumerate(years):
        progress("trend", 0.1 + 0.8 * i / max(1, len(years)))
        if year == run.year:
            values = tables.node.values
        else:
            values = S.year_values(area.code, dt.date(year, 12, 31))
        tables.trend["values"].append(values)
    return tables
