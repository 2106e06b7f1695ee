"""Set-based writes of a ledger's workbook import: rows inserted or updated with the
database's bulk path (`core.frames`), each with its change record written by the
database from the stored row (`core.history.BulkRecorder`), in the import's transaction.
The rules that decide which rows are written are the ledger's (`checks.Check`, column
form); this module only writes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import polars as pl
from django.db.models import Model

from fupin.core.frames import db_ready, full_frame, reserve_ids, update_frame, write_frame
from fupin.core.history import BulkRecorder, RowRecords, changes_expr
from fupin.programmes.checks import Check, refused_columns
from fupin.programmes.workbook import LedgerImport


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
