"""Import of registration workbooks: validate every row, report every rejected one, write
the good ones with their history in one transaction.

Pipeline (columnar from end to end; no ORM object per row):

1. read: every sheet into text frames (`readers`);
2. parse: each cell to its type, with a reason when it cannot be (`parse`);
3. rules within a row (the registration form's rules, as in registry.services), then
   across rows and sheets (duplicates, household links, household size vs members);
4. inside one transaction: look the file's households and people up in the registry
   (through temporary tables, so the cost follows the file, not the registry), check
   scope and "one person, one household", and classify each row as created, updated,
   unchanged or rejected;
5. write creations and updates with the database's bulk path, and one change record per
   created or changed object (who, when, what, why = this import), in the same
   transaction. All-or-nothing refuses the whole file if any row was rejected; a dry run
   rolls back. A kill at any moment leaves the database as before or after.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts import authority
from fupin.core.bulk import analyze
from fupin.core.errors import NotAllowed
from fupin.core.files import file_sha256
from fupin.core.models import ChangeRecord
from fupin.core.scope import area_prefix_of
from fupin.exchange import layout as L
from fupin.exchange.export import csv_paths
from fupin.exchange.models import ExchangeRun
from fupin.exchange.parsing import (
    ERROR_SCHEMA,
    errors_of,
    fix_excel_numbers,
    parse_sheet,
    warnings_of,
)
from fupin.exchange.readers import WorkbookError, read_workbook
from fupin.exchange.rules import household_rules, income_rules, member_rules, size_rule
from fupin.exchange.staging import (
    ImportRefused,
    SheetCounts,
    State,
    database_checks,
    initial_load_area,
)
from fupin.exchange.write import write
from fupin.registry.models import Household, IncomeRecord, Member

__all__ = ["ImportRefused", "ImportResult", "import_registry", "parse_sheet", "summary_lines"]

Progress = Callable[[str, float], None]
# After this many new rows, refresh PostgreSQL's planner statistics in the same transaction.
ANALYZE_AFTER = 10_000


@dataclass
class ImportResult:
    run: ExchangeRun
    counts: dict[str, SheetCounts]
    errors: pl.DataFrame  # sheet, row, column, value, reason
    rejected_rows: dict[str, pl.DataFrame] = field(default_factory=dict)
    written: bool = False
    seconds: float = 0.0
    # Cells of kept rows that the import changed (an amount rounded to the fen), with why:
    # the same columns as `errors`.
    warnings: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ERROR_SCHEMA))


def import_registry(**kwargs) -> ImportResult:
    """Validate and import a registration workbook as `actor` (see `_import`). If anything
    unexpected goes wrong, the transaction is rolled back and the run is marked failed
    before the error propagates, so no run stays "running" for ever."""
    runs: list[ExchangeRun] = []
    on_run = kwargs.pop("on_run", None)

    def created(run: ExchangeRun) -> None:
        runs.append(run)
        if on_run is not None:
            on_run(run)

    try:
        return _import(on_run=created, **kwargs)
    except Exception as exc:
        for run in runs:
            run.status = ExchangeRun.Status.FAILED
            run.message = f"{type(exc).__name__}: {exc}"[:2000]
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "message", "finished_at"])
        raise


def _import(
    *,
    on_run: Callable[[ExchangeRun], None],
    actor,
    path: Path | str,
    mode: str = ExchangeRun.Mode.UPSERT,
    dry_run: bool = False,
    progress: Progress | None = None,
    file_name: str | None = None,
    today: dt.date | None = None,
    initial_load: bool = False,
    before_write: Callable[[ExchangeRun], None] | None = None,
    on_written: Callable[[ExchangeRun], None] | None = None,
) -> ImportResult:
    """Validate and import a registration workbook as `actor`, in the actor's language.

    The run is created (and, outside a caller's transaction, committed) first; reading
    and checking the file run outside any transaction; only the database checks and the
    writes hold one. `before_write(run)` is called first in that transaction (it may
    raise to write nothing), and `on_written(run)` last, just before it commits, once the
    rows are written and the run is marked done: a background job records there, with
    the rows, that its import was written (fupin.exchange.jobs).

    `initial_load`: the first load of a registry kept elsewhere (a county migrating from
    the national system): new households keep the status, status year and monitoring type
    the file gives them. Only for the system administrator (`registry.initial_load` in
    fupin.accounts.authority), only into counties with no households yet; each change
    record's reason says so and carries the file's SHA-256."""
    started = time.perf_counter()
    path = Path(path)
    report = progress or (lambda phase, fraction: None)
    prefix = area_prefix_of(actor)
    sha256 = file_sha256(*_files_of(path))
    run = ExchangeRun.objects.create(
        direction=ExchangeRun.Direction.IMPORT,
        user=actor if getattr(actor, "pk", None) else None,
        user_name=getattr(actor, "username", "") or "system",
        area_code=(actor.area_id if getattr(actor, "area_id", None) else ""),
        file_name=file_name or path.name,
        file_sha256=sha256,
        mode=mode,
        dry_run=dry_run,
    )
    on_run(run)
    counts = {s.key: SheetCounts() for s in L.SHEETS}
    empty_errors = pl.DataFrame(schema=ERROR_SCHEMA)
    if prefix is None or not getattr(actor, "may_edit", False):
        return _finish(
            run,
            counts,
            empty_errors,
            {},
            ExchangeRun.Status.REFUSED,
            _("You may not import into the registry."),
            started,
        )
    if initial_load:
        refusal = authority.refusal(actor, "registry.initial_load", actor.area_id or "")
        if isinstance(refusal, NotAllowed):
            return _finish(
                run,
                counts,
                empty_errors,
                {},
                ExchangeRun.Status.REFUSED,
                _("An initial load is for the system administrator only: %(reason)s")
                % {"reason": refusal.message},
                started,
            )
    report("read", 0.0)
    try:
        raw = read_workbook(path)
    except WorkbookError as exc:
        return _finish(
            run,
            counts,
            empty_errors,
            {},
            ExchangeRun.Status.FAILED,
            _("The file cannot be read as a registration workbook: %(reason)s") % {"reason": exc},
            started,
        )
    raw = fix_excel_numbers(raw, path)
    today = today or dt.date.today()
    report("validate", 0.1)
    parsed = {key: parse_sheet(L.SHEETS_BY_KEY[key], sheet, today) for key, sheet in raw.items()}
    for key, p in parsed.items():
        counts[key].read = p.frame.height
    h, m, i = parsed.get("households"), parsed.get("members"), parsed.get("incomes")
    if h is not None:
        household_rules(h)
    if m is not None:
        member_rules(m, today)
    if i is not None:
        income_rules(i)
    size_rule(h, m)
    report("validate", 0.3)
    state = State(
        parsed=parsed,
        counts=counts,
        actor=actor,
        prefix=prefix,
        now=timezone.now(),
        reason=(
            _("Initial load of the registry: import #%(id)s of %(file)s, SHA-256 %(sha)s")
            if initial_load
            else _("Import #%(id)s of %(file)s")
        )
        % {"id": run.pk, "file": run.file_name, "sha": sha256},
        today=today,
        mode=mode,
        initial_load=initial_load,
    )
    status = ExchangeRun.Status.DONE
    message = ""
    written = False
    if connection.vendor == "sqlite":
        # A million index entries do not fit SQLite's default 2 MB page cache; with
        # 256 MB the index B-trees stay in memory while the import writes them. (Other
        # pragmas, such as temp_store, cannot be changed inside a caller's transaction.)
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")
    try:
        with transaction.atomic():
            if before_write is not None:
                before_write(run)
            if initial_load:
                initial_load_area(h)
            database_checks(state)
            # Every reason is known now: keep the text of the rejected rows only (for the
            # report), not a second copy of the whole file.
            for p in parsed.values():
                p.raw = p.raw.join(
                    p.frame.filter(~pl.col("_ok")).select("_row", "_sheet"),
                    on=["_row", "_sheet"],
                    how="semi",
                )
            errors = errors_of(parsed)
            if mode == ExchangeRun.Mode.ALL_OR_NOTHING and errors.height:
                raise ImportRefused(
                    _("%(n)s rows had rejected cells; in all-or-nothing mode nothing is written.")
                    % {"n": errors.select("sheet", "row").n_unique()}
                )
            report("write", 0.4)
            write(state, report)
            if sum(x.created for x in counts.values()) >= ANALYZE_AFTER:
                analyze(Household, Member, IncomeRecord, ChangeRecord)
            if dry_run:
                raise ImportRefused(_("Dry run: nothing was written."))
            written = True
            if initial_load:
                message = state.reason
            if on_written is not None:
                _count_rejected(parsed, counts)
                _finish(run, counts, empty_errors, {}, status, message, started, written)
                on_written(run)
    except ImportRefused as exc:
        message = str(exc)
        status = ExchangeRun.Status.CHECKED if dry_run else ExchangeRun.Status.REFUSED
    errors = errors_of(parsed)
    _count_rejected(parsed, counts)
    rejected_rows = {
        key: p.raw.join(
            p.frame.filter(~pl.col("_ok")).select("_row", "_sheet"),
            on=["_row", "_sheet"],
            how="semi",
        )
        for key, p in parsed.items()
    }
    report("done", 1.0)
    return _finish(
        run,
        counts,
        errors,
        rejected_rows,
        status,
        message,
        started,
        written,
        warnings=warnings_of(parsed),
    )


def _count_rejected(parsed, counts) -> None:
    for key, p in parsed.items():
        counts[key].rejected = p.frame.filter(~pl.col("_ok")).height


def _files_of(path: Path) -> list[Path]:
    if path.suffix.lower() == ".csv":
        parts = [p for p in csv_paths(path).values() if p.exists()]
        return parts or [path]
    return [path]


def _finish(
    run, counts, errors, rejected_rows, status, message, started, written=False, warnings=None
):
    run.status = status
    run.message = message
    run.finished_at = timezone.now()
    run.summary = {key: vars(c) for key, c in counts.items()}
    run.save(update_fields=["status", "message", "finished_at", "summary"])
    return ImportResult(
        run=run,
        counts=counts,
        errors=errors,
        rejected_rows=rejected_rows,
        written=written,
        seconds=time.perf_counter() - started,
        warnings=warnings if warnings is not None else pl.DataFrame(schema=ERROR_SCHEMA),
    )


def summary_lines(result: ImportResult) -> list[str]:
    titles = {s.key: str(s.title) for s in L.SHEETS}
    lines = []
    for key, n in result.counts.items():
        if not n.read and key not in result.rejected_rows:
            continue
        lines.append(
            _(
                "%(sheet)s: %(read)s rows read, %(created)s created, %(updated)s updated, "
                "%(unchanged)s unchanged, %(rejected)s rejected"
            )
            % {"sheet": titles[key], **vars(n)}
        )
    if result.warnings.height:
        lines.append(
            _("%(n)s cells were rounded to the fen (see the warnings).")
            % {"n": result.warnings.height}
        )
    return lines
