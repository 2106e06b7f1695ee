"""What the import and export pages run: downloads of an export, uploads, and imports in
the background (tasks run by `fupin worker`) with their progress in a core.Job row.

An import of a large workbook takes longer than a request may, so the page saves the
upload, calls `start_import`, and sends the browser to a progress page keyed by a token.
`import_registry` creates the ExchangeRun itself: the token (a random hex string) names
the job (Job.key "exchange.import:<token>"), whose result names the run being imported
("started"), the run whose rows were written ("written") and, once the job has ended,
the run the page shows ("run").

The progress pages read `progress_of(token, user)`:
    {"user": id of the user who started it (nobody else may read it),
     "phase": queued | read | validate | write | done | finished | failed,
     "fraction": 0.0 … 1.0, "run": the run's id or None, "failed": bool}

Setting `FUPIN_IMPORT_SYNC = True` runs the import inline in the request instead of
queueing it (tests use it).
"""

from __future__ import annotations

import functools
import io
import logging
import shutil
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.accounts.models import User
from fupin.core import context, files, jobs
from fupin.core.masking import MASKERS
from fupin.core.models import Job
from fupin.exchange import layout as L
from fupin.exchange.export import csv_paths, export_registry
from fupin.exchange.importer import ImportResult, import_registry
from fupin.exchange.models import ExchangeRun
from fupin.exchange.report import write_report

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = files.MAX_IMPORT_BYTES
# A zip of CSV files may expand to this much, no more (a zip bomb stops here).
MAX_UNZIPPED_BYTES = files.MAX_UNZIPPED_BYTES
UPLOAD_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".zip")
ERRORS_SHOWN = 200

PHASES = {
    "queued": gettext_lazy("Waiting to start"),
    "read": gettext_lazy("Reading the file"),
    "validate": gettext_lazy("Checking every row"),
    "write": gettext_lazy("Writing to the registry"),
    "done": gettext_lazy("Writing the report"),
    "finished": gettext_lazy("Finished"),
    "failed": gettext_lazy("The import stopped because of an internal error."),
}
INTERRUPTED = gettext_lazy("The import was interrupted and has been started again.")
ALREADY_WRITTEN = gettext_lazy("An earlier run of this import has written it already.")


class UploadError(ValueError):
    """An upload that cannot be imported (the message is for the user)."""


def exchange_dir(name: str) -> Path:
    path = Path(settings.VAR_DIR) / "exchange" / name
    path.mkdir(parents=True, exist_ok=True)
    return path


# ------------------------------------------------------------------ export downloads


class TemporaryDownload(io.FileIO):
    """A file in a temporary directory that goes away when the response closes it."""

    def __init__(self, path: Path, directory: Path) -> None:
        super().__init__(path, "rb")
        self._directory = directory

    def close(self) -> None:
        try:
            super().close()
        finally:
            shutil.rmtree(self._directory, ignore_errors=True)


def export_download(
    *, actor: User, area_code: str, fmt: str, template: bool, language: str
) -> TemporaryDownload:
    """Export an area (or an empty template) into a temporary directory: the xlsx
    workbook, or the three CSV files in one zip. Closing the returned file removes the
    directory. Raises OutsideArea for an area the actor may not read."""
    directory = Path(tempfile.mkdtemp(prefix="fupin-export-"))
    try:
        kind = "template" if template else "registry"
        stem = f"fupin-{kind}-{area_code}-{timezone.localdate():%Y%m%d}"
        if fmt == "csv":
            result = export_registry(
                actor=actor,
                area_code=area_code,
                path=directory / f"{stem}.csv",
                template=template,
                language=language,
            )
            path = directory / f"{stem}.zip"
            with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for part in result.paths:
                    archive.write(part, arcname=part.name)
        else:
            path = directory / f"{stem}.xlsx"
            export_registry(
                actor=actor, area_code=area_code, path=path, template=template, language=language
            )
        return TemporaryDownload(path, directory)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise


# ------------------------------------------------------------------ uploads


def check_upload(upload) -> None:
    """Raise UploadError unless the upload is an xlsx, a CSV or a zip of CSV files
    within the size limits."""
    suffix = Path(upload.name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadError(_("Upload an xlsx workbook, a CSV file or a zip of CSV files."))
    if upload.size > MAX_UPLOAD_BYTES:
        raise UploadError(
            _("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    try:  # the bytes, not the name: a workbook or zip is a zip, a CSV is text
        kind = files.check_data_file(upload, max_bytes=MAX_UPLOAD_BYTES)
    except files.UploadRefused as exc:
        raise UploadError(str(exc)) from None
    if (kind == "zip") != (suffix != ".csv"):
        raise UploadError(_("Upload an xlsx workbook, a CSV file or a zip of CSV files."))
    if suffix == ".zip":
        _csv_members(upload)


def _csv_members(upload) -> list[zipfile.ZipInfo]:
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            members = [
                m
                for m in archive.infolist()
                if not m.is_dir()
                and m.filename.lower().endswith(".csv")
                and not Path(m.filename).name.startswith(("._", "."))
            ]
    except zipfile.BadZipFile as exc:
        raise UploadError(_("The zip file cannot be opened.")) from exc
    finally:
        upload.seek(0)
    if not members or len(members) > len(L.SHEETS):
        raise UploadError(
            _("A zip must hold one to three CSV files (households, members, yearly income).")
        )
    if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
        raise UploadError(_("The files in the zip are too large."))
    return members


def save_upload(upload) -> Path:
    """Save an upload under VAR_DIR/exchange/uploads/<uuid><suffix> and return the path
    to import. A zip of CSV files becomes <uuid>.households.csv, <uuid>.members.csv, …
    and the path returned is <uuid>.csv, which the importer reads as their set."""
    check_upload(upload)
    uploads = exchange_dir("uploads")
    stem = uuid.uuid4().hex
    suffix = Path(upload.name).suffix.lower()
    if suffix != ".zip":
        path = uploads / f"{stem}{suffix}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        return path
    path = uploads / f"{stem}.csv"
    targets = csv_paths(path)
    members = _csv_members(upload)
    free = list(targets)
    named: list[tuple[zipfile.ZipInfo, str]] = []
    for m in members:  # keep a member's kind when its name says it (x.members.csv)
        key = next((k for k in free if m.filename.lower().endswith(f".{k}.csv")), None)
        if key is not None:
            free.remove(key)
        named.append((m, key or ""))
    with zipfile.ZipFile(upload) as archive:
        for m, key in named:
            key = key or free.pop(0)  # the reader recognises each file by its headers
            written = 0
            with archive.open(m) as src, targets[key].open("wb") as out:
                for block in iter(functools.partial(src.read, 1 << 20), b""):
                    written += len(block)
                    if written > MAX_UNZIPPED_BYTES:
                        raise UploadError(_("The files in the zip are too large."))
                    out.write(block)
    return path


def remove_upload(path: Path) -> None:
    for part in [path, *csv_paths(path).values()] if path.suffix == ".csv" else [path]:
        part.unlink(missing_ok=True)


# ------------------------------------------------------------------ background imports


def job_key(token: str) -> str:
    return f"exchange.import:{token}"


def progress_of(token: str, user: User) -> dict[str, Any] | None:
    """The progress of an import started by `user`; None for anyone else's token."""
    job = jobs.get_job(job_key(token))
    if job is None or job.user_id != user.pk:
        return None
    return {"run": None, **jobs.state_of(job)}


def phase_label(state: dict[str, Any]) -> str:
    return str(PHASES.get(state.get("phase", ""), state.get("phase", "")))


def start_import(
    *, actor: User, path: Path, file_name: str, mode: str, dry_run: bool, language: str
) -> str:
    """Queue the import of a saved upload for `fupin worker` and return the token of its
    progress (inline when the setting FUPIN_IMPORT_SYNC is true). The uploaded file is
    removed when the import ends."""
    token = uuid.uuid4().hex
    request_id = context.request_id.get()
    with transaction.atomic():
        job = jobs.create_job(key=job_key(token), user_id=actor.pk)
        jobs.enqueue(
            import_task,
            job=job,
            sync=getattr(settings, "FUPIN_IMPORT_SYNC", False),
            job_id=job.pk,
            actor_id=actor.pk,
            path=str(path),
            file_name=file_name,
            mode=mode,
            dry_run=dry_run,
            language=language,
            request_id=str(request_id) if request_id else None,
        )
    return token


@task()
def import_task(**kwargs: Any) -> int | None:
    """The task `start_import` enqueues (JSON arguments; see run_import)."""
    return run_import(**kwargs)


class AlreadyWritten(Exception):
    """An earlier run of the same import job wrote it already: this run writes nothing."""


def run_import(
    *,
    job_id: int,
    actor_id: int,
    path: str,
    file_name: str,
    mode: str,
    dry_run: bool,
    language: str,
    request_id: str | None = None,
) -> int | None:
    """Import, write the report, keep the first rejected rows on the run, and record the
    progress in the job. Returns the run's id (None if no run was created).

    The run is created and committed first (the job's result "started" names it), and the
    file is read and checked outside any transaction, so other requests write meanwhile
    (SQLite has one write lock) and the bar moves. The importer's write transaction takes
    the job's lock, refuses to write when an earlier run of the job wrote (AlreadyWritten),
    and commits the rows with the run marked done and the job's result "written". So a
    task run again after its worker died: before that commit, marks the earlier run failed
    if it was left running, and imports again, once; after it, writes nothing and ends the
    job (the report of a run killed before its report is written stays missing)."""
    upload = Path(path)
    progress = jobs.Progress(job_id)
    rid = context.request_id.set(uuid.UUID(request_id) if request_id else None)
    try:
        run_id = _run_import(job_id, actor_id, upload, file_name, mode, dry_run, language, progress)
    except Exception:  # the job could not even record the failure
        logger.exception("import job %s of %s failed", job_id, file_name)
        Job.objects.filter(pk=job_id).update(
            phase="failed", fraction=1.0, failed=True, finished_at=timezone.now()
        )
        run_id = None
    finally:
        progress.close()
        context.request_id.reset(rid)
    remove_upload(upload)  # not on a stop (WorkerStopping): the task runs again
    return run_id


def _run_import(
    job_id: int,
    actor_id: int,
    path: Path,
    file_name: str,
    mode: str,
    dry_run: bool,
    language: str,
    progress: jobs.Progress,
) -> int | None:
    job = Job.objects.get(pk=job_id)
    if job.finished_at is not None:  # ended by an earlier run of this task
        return job.result.get("run")
    earlier = ExchangeRun.objects.filter(pk=job.result.get("started")).first()
    if earlier is not None:
        if earlier.status != ExchangeRun.Status.RUNNING or job.result.get("written"):
            # Its import ended (or another run of the job wrote); only the job did not.
            return _end_job(job_id, job.result.get("written") or earlier.pk)
        with translation.override(language):  # its worker died before the import ended
            earlier.status = ExchangeRun.Status.FAILED
            earlier.message = str(INTERRUPTED)
        earlier.finished_at = timezone.now()
        earlier.save(update_fields=["status", "message", "finished_at"])
    progress("read", 0.0)

    def before_write(run: ExchangeRun) -> None:
        ran = jobs.lock_job(job_id)
        if ran.finished_at is not None or ran.result.get("written"):
            raise AlreadyWritten(str(ALREADY_WRITTEN))

    runs: list[ExchangeRun] = []

    def started(run: ExchangeRun) -> None:
        runs.append(run)
        jobs.record(job_id, started=run.pk)

    with translation.override(language):
        actor = User.objects.select_related("area").get(pk=actor_id)
        try:
            result = import_registry(
                actor=actor,
                path=path,
                mode=mode,
                dry_run=dry_run,
                progress=progress,
                file_name=file_name,
                on_run=started,
                before_write=before_write,
                on_written=lambda run: jobs.record(job_id, written=run.pk),
            )
        except AlreadyWritten:  # another run of this job wrote meanwhile; its run stands
            written = Job.objects.get(pk=job_id).result["written"]
            return _end_job(job_id, written)
        except Exception:  # the importer marked its run failed (its writes rolled back)
            logger.exception("import job %s of %s failed", job_id, file_name)
            run_id = runs[0].pk if runs else None
            if runs:
                runs[0].message = str(PHASES["failed"])
                runs[0].save(update_fields=["message"])
            return _end_job(job_id, run_id, failed=True)
        try:
            with transaction.atomic():  # a failed report leaves the import standing
                finish_run(result, upload_stem=path.stem, file_name=file_name)
        except Exception:
            logger.exception("report of import %s failed", result.run.pk)
        return _end_job(job_id, result.run.pk)


def _end_job(job_id: int, run_id: int | None, *, failed: bool = False) -> int | None:
    """Mark the job finished (or failed) with its run, unless a run of it did already."""
    with transaction.atomic():
        job = jobs.lock_job(job_id)
        if job.finished_at is not None:
            return job.result.get("run")
        jobs.finish(job_id, phase="failed" if failed else "finished", failed=failed, run=run_id)
    return run_id


def _sensitive_columns() -> set[str]:
    """Column names (codes and headers in the active language) of masked values."""
    return {
        name
        for sheet in L.SHEETS
        for col in sheet.columns
        if col.field in MASKERS
        for name in (col.code, str(col.header))
    }


def first_errors(
    result: ImportResult, *, upload_stem: str, file_name: str, frame: pl.DataFrame | None = None
) -> list[list]:
    """The first rejected rows (or the rows of `frame`: the warnings) as [sheet, row,
    column, value, reason]. Sheet names show the uploaded file's name, not the stored one;
    ID numbers, phones and bank accounts are masked (the report keeps the full values for
    the people who may see them)."""
    sensitive = _sensitive_columns()
    original = Path(file_name).stem
    rows = []
    frame = result.errors if frame is None else frame
    for sheet, row, column, value, reason in frame.head(ERRORS_SHOWN).rows():
        sheet = (sheet or "").replace(upload_stem, original)
        if value and column in sensitive:
            field = next(
                (
                    c.field
                    for s in L.SHEETS
                    for c in s.columns
                    if column in (c.code, str(c.header)) and c.field in MASKERS
                ),
                "id_number",
            )
            masked = MASKERS[field](value)
            reason = (reason or "").replace(value, masked)  # reasons may quote the value
            value = masked
        rows.append([sheet, row, column, value, reason])
    return rows


def finish_run(result: ImportResult, *, upload_stem: str, file_name: str) -> ExchangeRun:
    """Write the report to VAR_DIR/exchange/reports/<run id>.xlsx and keep the first
    rejected rows in the run's summary (key "errors"; "errors_total" counts them all), and
    the first warnings ("warnings", "warnings_total")."""
    run = result.run
    path = exchange_dir("reports") / f"{run.pk}.xlsx"
    write_report(result, path)
    run.report_path = str(path)
    run.summary = {
        **run.summary,
        "errors": first_errors(result, upload_stem=upload_stem, file_name=file_name),
        "errors_total": result.errors.height,
        "warnings": first_errors(
            result, upload_stem=upload_stem, file_name=file_name, frame=result.warnings
        ),
        "warnings_total": result.warnings.height,
    }
    run.save(update_fields=["report_path", "summary"])
    return run


# ------------------------------------------------------------------ reading runs


@dataclass
class SheetRow:
    title: str
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


def sheet_rows(run: ExchangeRun) -> list[SheetRow]:
    """An import run's counts per sheet, in workbook order; the last row is the total."""
    rows = []
    total = SheetRow(_("Total"))
    for sheet in L.SHEETS:
        counts = run.summary.get(sheet.key) if isinstance(run.summary, dict) else None
        if not isinstance(counts, dict):
            continue
        row = SheetRow(
            str(sheet.title),
            **{
                k: int(counts.get(k, 0) or 0)
                for k in ("read", "created", "updated", "unchanged", "rejected")
            },
        )
        rows.append(row)
        for k in ("read", "created", "updated", "unchanged", "rejected"):
            setattr(total, k, getattr(total, k) + getattr(row, k))
    return [*rows, total] if rows else []


def export_rows(run: ExchangeRun) -> list[tuple[str, int]]:
    rows = run.summary.get("rows", {}) if isinstance(run.summary, dict) else {}
    return [(str(s.title), int(rows.get(s.key, 0))) for s in L.SHEETS if s.key in rows]


@dataclass(frozen=True)
class RecentRun:
    """A run of the list of recent runs, with its totals."""

    run: ExchangeRun
    total: SheetRow | None = None  # an import's totals (None: no sheet read)
    exported: int = 0  # an export's rows


def recent_runs(user: User, limit: int = 30) -> list[RecentRun]:
    """The latest imports and exports of the user's area, with their totals."""
    recent = []
    for run in ExchangeRun.objects.restrict(user)[:limit]:
        if run.direction == ExchangeRun.Direction.IMPORT:
            rows = sheet_rows(run)
            recent.append(RecentRun(run, total=rows[-1] if rows else None))
        else:
            recent.append(RecentRun(run, exported=sum(n for _title, n in export_rows(run))))
    return recent


def report_file(run: ExchangeRun) -> Path | None:
    if not run.report_path:
        return None
    path = Path(run.report_path)
    return path if path.is_file() else None
