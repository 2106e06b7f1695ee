"""Set-based writes of a ledger's workbook import: rows inserted or updated with the
database's bulk path (`core.frames`), each with its change record written by the
database from the stored row (`core.history.BulkRecorder`), in the import's transaction.
The rules that decide which rows are written are the ledger's (`checks.Check`, column
form); this module only writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core.bulk import bulk_insert
from fupin.core.frames import db_ready, full_frame, reserve_ids, update_frame, write_frame
from fupin.core.history import BulkRecorder, RowRecords, bulk_record, changes_expr, creation_record
from fupin.geo.models import Division, Level
from fupin.programmes.checks import Check, refused_columns
from fupin.programmes.workbook import LedgerImport
from fupin.registry.models import Household


def recorder(batch: LedgerImport) -> BulkRecorder:
    """The import's recorder: its user, its time, its reason."""
    return BulkRecorder(actor=batch.actor, now=batch.now, reason=batch.reason)


def insert(
    model: type[Model], rows: pl.DataFrame, records: RowRecords, rec: BulkRecorder
) -> pl.DataFrame:
    """Insert `rows` (columns named by the model's attnames; the others get their
    defaults) with new ids, and one creation record each. Returns the rows with `id`."""
    if rows.is_empty():
        return rows.with_columns(pl.lit(None, pl.Int64).alias("id"))
    ids = reserve_ids(model, rows.height)
    full = full_frame(rows.with_columns(pl.Series("id", ids, dtype=pl.Int64)), model)
    write_frame(model, db_ready(full, model))
    rec.created(records, full["id"])
    return full


def update(
    model: type[Model],
    rows: pl.DataFrame,
    fields: list[str],
    records: RowRecords,
    rec: BulkRecorder,
) -> None:
    """Set `fields` of the stored rows named by `id` to the frame's values, and record
    each change: the frame carries every field's stored value as `<field>__old`."""
    if rows.is_empty():
        return
    update_frame(model, db_ready(rows, model, ["id", *fields]))
    rec.updated(records, rows.select("id", changes_expr(rows, fields, "__old").alias("changes")))


def repeated(frame: pl.DataFrame, keys: list[str]) -> pl.Series:
    """True on the rows that repeat an earlier row's `keys` (given twice in the file)."""
    if frame.is_empty():
        return pl.Series([], dtype=pl.Boolean)
    return frame.select(pl.struct(keys).is_first_distinct().not_().alias("_dup")).to_series()


def reject(
    batch: LedgerImport, key: str, rows: pl.DataFrame, mask: pl.Series, column: str, reason: str
) -> pl.DataFrame:
    """Reject the rows of `rows` (a selection of the sheet's frame with its index `_i`)
    where `mask` is true, with `reason` on `column`; returns the rows left."""
    if rows.is_empty() or not mask.any():
        return rows
    batch.reject_rows(key, [(i, column, reason) for i in rows.filter(mask)["_i"].to_list()])
    return rows.filter(~mask)


def apply_checks(
    batch: LedgerImport,
    key: str,
    rows: pl.DataFrame,
    checks: Iterable[Check],
    columns: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """Every check's column form over the rows (all of them, so that a row refused by
    several checks is told each reason), on the sheet column `columns[field]` (or the
    check's field); returns the rows no check refused."""
    if rows.is_empty():
        return rows
    checks = tuple(checks)
    columns = columns or {}
    refused = pl.Series([False] * rows.height)
    rejected: list[tuple[int, str, str]] = []
    index = rows["_i"]
    for check, (field, mask) in zip(checks, refused_columns(checks, rows), strict=True):
        if mask.any():
            reason = check.reason()
            rejected += [
                (i, columns.get(field, field), reason) for i in index.filter(mask).to_list()
            ]
            refused = refused | mask
    if rejected:
        batch.reject_rows(key, rejected)
    return rows.filter(~refused)


# ------------------------------------------------------------------ the sheets' rows


def sheet_rows(batch: LedgerImport, key: str) -> pl.DataFrame:
    """The sheet's rows still good, with `_i`, their index in the sheet's frame (what
    `reject` takes). A sheet of the file is named in the summary even if all is refused."""
    if key in batch.parsed:
        batch.count(key)
    frame = batch.frame(key).with_row_index("_i")
    return frame.filter(pl.col("_ok")) if frame.height else frame


def frame_of(rows: list[tuple[Any, ...]], schema: dict[str, Any]) -> pl.DataFrame:
    """Rows read from the database (values_list) as a typed frame."""
    return pl.DataFrame(rows, schema=schema, orient="row")


def import_day(batch: LedgerImport) -> dt.date:
    """The import's day in the county (Asia/Shanghai), not UTC's."""
    return timezone.localdate(batch.now)


def households_by_number(batch: LedgerImport, key: str, rows: pl.DataFrame) -> pl.DataFrame:
    """The rows' households by number in the user's area: household_id and village_id
    added; a row naming none is refused on `household_number`."""
    found = frame_of(
        list(
            Household.objects.restrict(batch.actor)
            .filter(number__in=rows["household_number"].unique().to_list())
            .values_list("number", "id", "village_id")
        ),
        {"household_number": pl.String, "household_id": pl.Int64, "village_id": pl.String},
    )
    rows = rows.join(found, on="household_number", how="left")
    return reject(
        batch,
        key,
        rows,
        rows["household_id"].is_null(),
        "household_number",
        _("No household with this number in your area."),
    )


def settle(
    batch: LedgerImport,
    key: str,
    rows: pl.DataFrame,
    *,
    known: pl.Expr,
    same: pl.Expr,
    column: str,
    reason: str,
) -> pl.DataFrame:
    """Rows whose natural key is stored already (`known`): unchanged when they say the
    same (`same`), refused on `column` otherwise; returns the rows to create."""
    stored = rows.filter(known)
    differs = stored.select(~same.fill_null(False)).to_series()
    reject(batch, key, stored, differs, column, reason)
    batch.count(key).unchanged += int((~differs).sum())
    return rows.filter(~known)


def villages_in_area(batch: LedgerImport, key: str, rows: pl.DataFrame) -> pl.DataFrame:
    """Rows whose `village_code` is a village of the user's area, as `village_id`; the
    others are refused on that column."""
    villages = set(
        Division.objects.restrict(batch.actor)
        .filter(level=Level.VILLAGE, code__in=rows["village_code"].unique().to_list())
        .values_list("code", flat=True)
    )
    rows = reject(
        batch,
        key,
        rows,
        ~rows["village_code"].is_in(list(villages)),
        "village_code",
        _("No village with this code in your area."),
    )
    return rows.rename({"village_code": "village_id"})


# ------------------------------------------------------------------ the demos


@dataclass
class Created:
    """Rows of one model a demo creates (ids and foreign keys set): the area and the
    parent (type label, id) of each row's record."""

    model: type[Model]
    rows: list[Any]
    area: Callable[[Any], str]
    related: Callable[[Any], tuple[str, Any] | None] = lambda _row: None


def insert_created(groups: list[Created], reason: str) -> None:
    """Insert the demo's rows, model after model, and one creation record each, in one
    transaction (`core.bulk.bulk_insert`, `core.history.bulk_record`)."""
    now = timezone.now()
    records = [
        creation_record(row, time=now, area_code=g.area(row), reason=reason, related=g.related(row))
        for g in groups
        for row in g.rows
    ]
    with transaction.atomic():
        for g in groups:
            bulk_insert(g.rows, g.model)
        bulk_record(records)


def as_read(frame: pl.DataFrame, *names: str) -> pl.DataFrame:
    """Stored text as an import reads a cell (`exchange.parse.normalised`: NFKC, so
    full-width letters, digits and brackets become half-width; trimmed), so that a row
    exported and imported again finds its stored row (一 "扶贫车间（来料加工）" read back is
    "扶贫车间(来料加工)"). Empty text stays empty."""
    return frame.with_columns(
        pl.col(n).str.normalize("NFKC").str.strip_chars() for n in names if n in frame.columns
    )
