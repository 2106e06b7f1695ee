"""Import and export of any registered ledger's workbook, with the registry import's
pieces (fupin.exchange): its column kinds and per-cell parsers with reasons
(`exchange.parsing.parse_sheet`), its header matching rule (code, Chinese or English
header, simplified or traditional, full-width or not: `exchange.readers.clean_text`),
and the same report (sheet, row, column, value, reason).

An import reads every sheet of the ledger, parses each cell, then hands the parsed rows
to the ledger's writer (`Ledger.write`), which checks them against the database (the
household exists and is in the user's area, the natural key …), rejects bad rows with
`LedgerImport.reject`, and writes the good ones with their change records. All in one
transaction: a crash leaves the database as it was. With `atomic`, one bad row refuses
the whole file. Each ledger names a natural key per sheet, so importing the same file
again creates nothing, changes nothing and says so (`unchanged`).
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import xlsxwriter
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import csvsafe
from fupin.core.bulk import bulk_insert, in_batches
from fupin.core.errors import NotAllowed
from fupin.core.frames import reserve_ids
from fupin.core.history import BulkRecorder, RowRecords
from fupin.core.masking import mask_expr
from fupin.core.models import SensitiveRead
from fupin.core.scope import area_prefix_of
from fupin.exchange.jobs import TemporaryDownload
from fupin.exchange.layout import INFO, TEXT, Sheet
from fupin.exchange.parse import amount_too_precise_message
from fupin.exchange.parsing import ERROR_SCHEMA, Parsed, parse_sheet
from fupin.exchange.readers import (
    HEADER_SCAN_ROWS,
    RawSheet,
    WorkbookError,
    clean_text,
    header_names,
)
from fupin.geo.models import Division
from fupin.programmes import ledgers
from fupin.programmes.ledgers import Ledger
from fupin.registry.models import Household, Member

if TYPE_CHECKING:  # a name of django-stubs only
    from django.utils.functional import _StrOrPromise as StrOrPromise

MIN_MATCHED = 2


def _match(rows: list[list[Any]], sheet: Sheet) -> tuple[int, dict[int, str]]:
    """The header row among the first rows (the one naming most columns) and its map."""
    names = header_names(sheet)
    best: tuple[int, dict[int, str]] = (-1, {})
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        mapping: dict[int, str] = {}
        for j, cell in enumerate(row):
            if cell is None or str(cell).strip() == "":
                continue
            code = names.get(clean_text(str(cell)).lower())
            if code and code not in mapping.values():
                mapping[j] = code
        if len(mapping) > len(best[1]):
            best = (r, mapping)
    return best


def _frame(sheet: Sheet, data: pl.DataFrame, header: int, mapping: dict[int, str], name: str):
    body = data.slice(header + 1)
    frame = pl.DataFrame(
        {code: body.to_series(j).cast(pl.String) for j, code in mapping.items()}
        or {"_": [None] * body.height}
    ).with_columns(
        pl.int_range(header + 2, header + 2 + body.height, dtype=pl.Int64).alias("_row"),
        pl.lit(name).alias("_sheet"),
    )
    codes = [c for c in sheet.codes if c in frame.columns]
    if codes:
        frame = frame.with_columns(pl.col(codes).str.strip_chars())
        frame = frame.filter(
            pl.any_horizontal(pl.col(c).is_not_null() & (pl.col(c) != "") for c in codes)
            & ~pl.all_horizontal(
                pl.col(c).is_null() | pl.col(c).str.starts_with("#") for c in codes
            )
        )
    for code in sheet.codes:
        if code not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(code))
    return frame.select([*sheet.codes, "_row", "_sheet"])


def _best(rows: list[list[Any]], sheets: tuple[Sheet, ...]):
    scored = [(sheet, *_match(rows, sheet)) for sheet in sheets]
    sheet, header, mapping = max(scored, key=lambda s: len(s[2]))
    return (sheet, header, mapping) if len(mapping) >= MIN_MATCHED else (None, -1, {})


def read_sheets(path: Path, sheets: tuple[Sheet, ...]) -> dict[str, RawSheet]:
    """Each of the ledger's sheets found in an xlsx workbook (one or more of its sheets)
    or a CSV file (one sheet), as text frames with `_row` (Excel's row number) and
    `_sheet`. A worksheet is recognised by the headers it names."""
    path = Path(path)
    tables: list[tuple[str, pl.DataFrame]] = []
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame = pl.read_csv(
                path,
                has_header=False,
                infer_schema=False,
                encoding="utf8-lossy",
                truncate_ragged_lines=True,
            )
            first = frame.columns[0]
            frame = frame.with_columns(pl.col(first).str.strip_prefix("\ufeff"))
            tables.append((path.name, csvsafe.unescape_frame(frame)))
        elif suffix in (".xlsx", ".xlsm", ".xls"):
            # lazy: only an .xlsx workbook needs it
            import fastexcel

            reader = fastexcel.read_excel(str(path))
            for name in reader.sheet_names:
                if not name.startswith("_"):
                    loaded = reader.load_sheet(name, header_row=None, dtypes="string")
                    tables.append((name, loaded.to_polars()))
        else:
            raise WorkbookError(suffix)
    except WorkbookError:
        raise
    except Exception as exc:
        raise WorkbookError(str(exc)) from exc
    parts: dict[str, RawSheet] = {}
    for name, data in tables:
        if data.height == 0:
            continue
        head = [list(r) for r in data.head(HEADER_SCAN_ROWS).iter_rows()]
        sheet, header, mapping = _best(head, sheets)
        if sheet is None:
            continue
        frame = _frame(sheet, data, header, mapping, name)
        if sheet.key in parts:
            parts[sheet.key].frame = pl.concat([parts[sheet.key].frame, frame])
            parts[sheet.key].names.append(name)
        else:
            parts[sheet.key] = RawSheet(sheet.key, frame, [name])
    if not parts:
        raise WorkbookError(_("No sheet of this ledger was found in the file."))
    return parts


@dataclass
class SheetCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class LedgerImport:
    """One import in progress: the parsed sheets, who imports, and what was written.
    The ledger's writer rejects rows with `reject` and, when `proceed()` says so, writes
    the rows still `_ok` and counts them in `counts`."""

    ledger: Ledger
    actor: Any
    parsed: dict[str, Parsed]
    atomic: bool = False
    now: dt.datetime = field(default_factory=timezone.now)
    reason: str = ""
    counts: dict[str, SheetCounts] = field(default_factory=dict)

    def frame(self, key: str) -> pl.DataFrame:
        """The sheet's typed rows (every row, `_ok` false for rejected ones); an empty
        frame with the sheet's columns when the file lacks it."""
        if key in self.parsed:
            return self.parsed[key].frame
        sheet = next(s for s in self.ledger.sheets if s.key == key)
        schema = {c.code: pl.String for c in sheet.columns if c.kind != INFO}
        return pl.DataFrame(
            schema={**schema, "_row": pl.Int64, "_sheet": pl.String, "_ok": pl.Boolean}
        )

    def ok(self, key: str) -> pl.DataFrame:
        frame = self.frame(key)
        return frame.filter(pl.col("_ok")) if frame.height else frame

    def reject(self, key: str, mask: pl.Series, column: str, reasons: pl.Series | str) -> None:
        """Reject the rows of sheet `key` where `mask` is true, with the reason on
        `column` (a column code; the report shows its header)."""
        self.parsed[key].reject(mask, column, reasons)

    def reject_rows(self, key: str, rows: list[tuple[int, str, str]]) -> None:
        """Reject single rows of sheet `key`: (index in `frame(key)`, column code,
        reason) triples, as a writer finds them one by one."""
        frame = self.frame(key)
        by_column: dict[str, dict[int, str]] = {}
        for index, column, reason in rows:
            by_column.setdefault(column, {}).setdefault(index, reason)
        for column, reasons in by_column.items():
            idx = sorted(reasons)
            mask = pl.Series([False] * frame.height).scatter(idx, True)
            text = pl.Series([None] * frame.height, dtype=pl.String).scatter(
                idx, pl.Series([reasons[i] for i in idx], dtype=pl.String)
            )
            self.reject(key, mask, column, text)

    @property
    def errors(self) -> pl.DataFrame:
        parts = [e for p in self.parsed.values() for e in p.errors]
        if not parts:
            return pl.DataFrame(schema=ERROR_SCHEMA)
        return pl.concat(parts).sort(["sheet", "row"])

    def proceed(self) -> bool:
        """Whether to write: always, unless the import is atomic and a row was rejected."""
        return not (self.atomic and self.errors.height)

    def count(self, key: str) -> SheetCounts:
        return self.counts.setdefault(key, SheetCounts())

    def insert(self, key: str, objs: list[Any], records: RowRecords) -> list[int]:
        """Write new rows of sheet `key` in bulk (model instances, keys not yet set):
        their keys drawn at once, one insert for all (COPY on PostgreSQL), and one
        creation record each written set-based from the stored rows (`records`), by the
        import's actor, time and reason. Counted as created; returns their ids."""
        if not objs:
            return []
        model = type(objs[0])
        ids = reserve_ids(model, len(objs))
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk
        bulk_insert(objs, model)
        BulkRecorder(actor=self.actor, now=self.now, reason=self.reason).created(
            records, pl.Series("id", ids, dtype=pl.Int64)
        )
        self.count(key).created += len(objs)
        return ids


@dataclass
class ImportOutcome:
    ledger: str
    counts: dict[str, SheetCounts]
    errors: pl.DataFrame
    refused: bool  # atomic and some row was bad: nothing written

    @property
    def written(self) -> int:
        return sum(c.created + c.updated for c in self.counts.values())

    def summary_lines(self) -> list[str]:
        lines = []
        if self.refused:
            lines.append(
                _(
                    "Refused: %(n)d rows have errors and the import is all-or-nothing; "
                    "nothing was written."
                )
                % {"n": self.errors["row"].n_unique() if self.errors.height else 0}
            )
        titles = {s.key: s.title for s in ledgers.get(self.ledger).sheets}
        for key, c in self.counts.items():
            lines.append(
                _("%(sheet)s: %(created)d created, %(updated)d changed, %(unchanged)d unchanged.")
                % {
                    "sheet": titles.get(key, key),
                    "created": c.created,
                    "updated": c.updated,
                    "unchanged": c.unchanged,
                }
            )
        if not self.refused and not self.written:
            lines.append(_("Nothing to change: the ledger already holds these rows."))
        if self.errors.height:
            lines.append(
                _("%(n)d cells were rejected (see the report).") % {"n": self.errors.height}
            )
        return lines


class _Refused(Exception):
    pass


@dataclass(frozen=True)
class Register:
    """A register's sheet (courses, enterprises): rows placed in a division of the
    importing user's area (the sheet's `area_code`, the model's `division_id`), each
    known by a code of its own (`code`: the sheet's column and the model's field),
    with other `fields` an import of the same row again finds unchanged. The refusals
    are the ledger's words."""

    key: str
    code: str
    fields: tuple[str, ...]
    records: RowRecords
    twice: StrOrPromise  # the code given twice in the file
    other_details: StrOrPromise  # the code known in the user's area with other details
    taken: StrOrPromise  # the code used elsewhere (where is not said)


def write_register(
    batch: LedgerImport,
    register: Register,
    readable: QuerySet[Any, Any],
    *,
    values: Callable[[dict[str, Any]], dict[str, Any]],
    check: Callable[[dict[str, Any]], list[tuple[str, str]]],
) -> None:
    """Write a register's new rows in bulk and count the unchanged: `readable` holds
    the rows the user reads (the user's area), `values(row)` a row's fields as stored,
    `check(row)` the ledger's refusals of a row, (column, reason) pairs."""
    frame = batch.frame(register.key).with_row_index("_i")
    ok = frame.filter(pl.col("_ok"))
    if ok.is_empty():
        return
    code_of = register.code
    prefix = area_prefix_of(batch.actor) or ""
    codes = ok[code_of].unique().to_list()
    areas = set(
        Division.objects.filter(code__in=ok["area_code"].unique().to_list()).values_list(
            "code", flat=True
        )
    )
    mine = {getattr(r, code_of): r for r in readable.filter(**{f"{code_of}__in": codes})}
    model = readable.model
    taken = set(
        model._default_manager.filter(**{f"{code_of}__in": codes}).values_list(code_of, flat=True)
    )
    rejected: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    new: list[Any] = []
    for row in ok.iter_rows(named=True):
        i, code = row["_i"], row[code_of]
        if code in seen:
            rejected.append((i, code_of, str(register.twice)))
            continue
        seen.add(code)
        if row["area_code"] not in areas or not row["area_code"].startswith(prefix):
            rejected.append((i, "area_code", _("No division with this code in your area.")))
            continue
        problems = check(row)
        if problems:
            rejected.extend((i, column, text) for column, text in problems)
            continue
        stored = values(row)
        existing = mine.get(code)
        if existing is not None:
            same = existing.division_id == row["area_code"] and all(
                getattr(existing, f) == stored[f] for f in register.fields
            )
            if same:
                batch.count(register.key).unchanged += 1
            else:
                rejected.append((i, code_of, str(register.other_details)))
            continue
        if code in taken:
            rejected.append((i, code_of, str(register.taken)))
            continue
        new.append(
            model(
                **{code_of: code},
                division_id=row["area_code"],
                created_by=batch.actor,
                created_at=batch.now,
                **stored,
            )
        )
    batch.reject_rows(register.key, rejected)
    batch.insert(register.key, new, register.records)


def households_of(actor: Any, numbers: Iterable[str | None]) -> dict[str, Household]:
    """The households of the actor's area that a sheet names by number, by number (read
    in batches: a county's file names more than a statement may take)."""
    wanted = sorted({n for n in numbers if n})
    return {
        h.number: h
        for h in in_batches(
            wanted, lambda chunk: Household.objects.restrict(actor).filter(number__in=chunk)
        )
    }


def members_of(
    households: Iterable[Household], id_numbers: Iterable[str | None]
) -> dict[tuple[int, str], Member]:
    """The current members of `households` that a sheet names by ID number, by
    (household id, ID number) (read by ID number, in batches)."""
    ids = {h.pk for h in households}
    return {
        (m.household_id, m.id_number): m
        for m in in_batches(
            sorted({n for n in id_numbers if n}),
            lambda chunk: Member.objects.filter(id_number__in=chunk, is_active=True),
        )
        if m.household_id in ids
    }


def check_cells(p: Parsed) -> None:
    """What a cell's own column says beyond its kind, for every ledger alike: an amount
    of more than two decimals is refused (the ledgers keep money to the fen), and text
    longer than its model field holds is refused (not cut, not a database error)."""
    for code, flag in p.sub_fen.items():
        p.reject(flag & p.frame["_ok"], code, amount_too_precise_message())
    p.sub_fen = {}
    for col in p.sheet.columns:
        if col.kind != TEXT or not col.field:
            continue
        limit = getattr(p.sheet.model._meta.get_field(col.field), "max_length", None)
        if limit is None:
            continue
        long = p.frame[col.code].str.len_chars().fill_null(0) > limit
        p.reject(long, col.code, _("At most %(n)d characters.") % {"n": limit})


def import_workbook(
    ledger: Ledger,
    path: Path,
    *,
    actor: Any,
    atomic: bool = False,
    reason: str = "",
    today: dt.date | None = None,
) -> ImportOutcome:
    """Read, parse, check and write a ledger's workbook (see the module docstring)."""
    if ledger.write is None:
        raise WorkbookError(_("This ledger cannot be imported."))
    if not getattr(actor, "may_edit", False):  # an import writes: editing roles only
        raise NotAllowed()
    today = today or timezone.localdate()
    raw = read_sheets(path, ledger.sheets)
    by_key = {s.key: s for s in ledger.sheets}
    parsed = {key: parse_sheet(by_key[key], r, today) for key, r in raw.items()}
    for p in parsed.values():
        check_cells(p)
    batch = LedgerImport(
        ledger, actor, parsed, atomic=atomic, reason=reason or _("Workbook import")
    )
    refused = False
    try:
        with transaction.atomic():
            ledger.write(batch)
            if not batch.proceed():
                raise _Refused
    except _Refused:
        refused = True
        batch.counts = {}
    return ImportOutcome(ledger.key, batch.counts, batch.errors, refused)


def write_report(outcome: ImportOutcome, path: Path) -> Path:
    """The report workbook: a summary, and every rejected cell (sheet, row, column,
    value, reason), like the registry import's."""
    path = Path(path)
    book = xlsxwriter.Workbook(str(path))
    head = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
    ws = book.add_worksheet(_("Summary"))
    ws.set_column(0, 0, 90)
    for i, line in enumerate(outcome.summary_lines()):
        ws.write_string(i, 0, line)
    ws = book.add_worksheet(_("Rejected rows"))
    headers = [_("Sheet"), _("Row"), _("Column"), _("Value"), _("Reason")]
    for j, h in enumerate(headers):
        ws.write_string(0, j, h, head)
    for i, row in enumerate(outcome.errors.iter_rows(), start=1):
        for j, value in enumerate(row):
            if value is not None:
                ws.write(i, j, value)
    book.close()
    return path


def export_workbook(ledger: Ledger, user: Any, prefix: str, path: Path) -> Path:
    """The ledger's rows of an area as a workbook in the import's layout (headers in the
    user's language, a hidden `_columns` sheet with the stable codes), so that an export
    can be edited and imported again."""
    if ledger.export is None:
        raise WorkbookError(_("This ledger cannot be exported."))
    frames = ledger.export(user, prefix)
    path = Path(path)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    codes = book.add_worksheet("_columns")
    codes.hide()
    line = 0
    for sheet in ledger.sheets:
        ws = book.add_worksheet(str(sheet.title)[:31])
        frame = frames.get(sheet.key)
        for j, col in enumerate(sheet.columns):
            ws.write_string(0, j, str(col.header), head)
            ws.set_column(j, j, col.width)
            codes.write_row(line, 0, [sheet.key, col.code])
            line += 1
        if frame is None:
            continue
        for i, row in enumerate(frame.select(sheet.codes).iter_rows(), start=1):
            for j, value in enumerate(row):
                if value is not None and value != "":
                    ws.write_string(i, j, str(value))  # never a formula
    book.close()
    return path


def export_download(ledger: Ledger, user: Any, prefix: str) -> TemporaryDownload:
    """The ledger's workbook of an area in a temporary directory that goes away once
    the file is sent (exchange's TemporaryDownload), not left in /tmp."""
    directory = Path(tempfile.mkdtemp(prefix=f"fupin-{ledger.key}-"))
    try:
        path = export_workbook(ledger, user, prefix, directory / f"{ledger.key}.xlsx")
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return TemporaryDownload(path, directory)


def text_frame(rows: list[tuple[Any, ...]], sheet: Sheet) -> pl.DataFrame:
    """Rows read for an export (values in the order of the sheet's columns) as the text
    frame `export_workbook` writes."""
    return pl.DataFrame(
        [[None if v is None else str(v) for v in r] for r in rows],
        schema={c.code: pl.String for c in sheet.columns},
        orient="row",
    )


def masked_for(
    user: Any, frame: pl.DataFrame, column: str, *, kind: str, object_type: str, prefix: str
) -> pl.DataFrame:
    """An export's sensitive column (`kind`: id_number, phone, bank_account) masked for
    a role that may not reveal it; for one that may, left whole with one logged read
    of them all."""
    if not getattr(user, "may_reveal", False):
        return frame.with_columns(mask_expr(pl.col(column), kind))
    if frame.height:
        SensitiveRead.log_bulk(
            user=user,
            object_type=object_type,
            object_id="export",
            field=kind,
            area_code=prefix,
            count=frame.height,
            channel="export",
        )
    return frame
