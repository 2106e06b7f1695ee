"""Set-based pieces of a ledger's workbook writer (`Ledger.write`), so that an import of
tens of thousands of rows costs a few queries, not a service call per row:

- `resolve`: the sheet's household numbers and ID numbers as registry households of the
  importer's area and their current members (one query per 5,000 keys);
- `Refusal`, `refusal_rows`: a ledger rule's column form, applied to a sheet's rows;
- `sheet_rows`: a sheet's parsed rows resolved, the unresolved ones rejected;
- `reject_part`, `reject_unresolved`, `reject_refused`: a sheet's rows refused with
  their reasons; `stored_rows`, `without_stored`: the rows stored already (a re-import
  changes nothing, a stored row with other values is refused);
- `write_created`: the good rows written with the database's bulk path
  (`core.frames.write_frame`, COPY on PostgreSQL) and one creation record each, built by
  the database from the stored rows (`core.history.BulkRecorder`), under the household;

The rules themselves stay with the ledger (its `rules.py`, in the column form the
services' row form is proven against); this module only reads and writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import models
from django.utils.translation import gettext as _

from fupin.assistance.due import due_each
from fupin.core.bulk import in_batches
from fupin.core.frames import reserve_ids, write_frame
from fupin.core.history import BulkRecorder, RowRecords
from fupin.registry.models import Household, Member

HOUSEHOLD_SCHEMA = {
    "household_number": pl.String,
    "household_id": pl.Int64,
    "village_id": pl.String,
    "status": pl.String,
    "status_year": pl.Int64,
}
MEMBER_SCHEMA = {
    "household_id": pl.Int64,
    "id_number": pl.String,
    "member_id": pl.Int64,
    "birth_date": pl.Date,
}


def households_of(actor: Any, numbers: Iterable[str | None]) -> pl.DataFrame:
    """The households with these numbers that the actor may read (its area; a paired
    cadre: those it serves): HOUSEHOLD_SCHEMA."""
    rows = in_batches(
        sorted({n for n in numbers if n}),
        lambda part: (
            Household.objects.restrict(actor)
            .filter(number__in=part)
            .values_list("number", "id", "village_id", "status", "status_year")
        ),
    )
    return pl.DataFrame(rows, schema=HOUSEHOLD_SCHEMA, orient="row")


def members_of(household_ids: Iterable[int]) -> pl.DataFrame:
    """The current members of these households: MEMBER_SCHEMA."""
    rows = in_batches(
        sorted(set(household_ids)),
        lambda part: Member.objects.filter(household_id__in=part, is_active=True).values_list(
            "household_id", "id_number", "id", "birth_date"
        ),
    )
    return pl.DataFrame(rows, schema=MEMBER_SCHEMA, orient="row")


def resolve(
    actor: Any, frame: pl.DataFrame, *, household: str = "household_number", person: str = ""
) -> pl.DataFrame:
    """The sheet's rows with their household (household_id, village_id, status,
    status_year: null when the number names no household of the actor's) and, given
    `person` (the column of an ID number), that person as a current member of it
    (member_id, birth_date: null when not)."""
    found = households_of(actor, frame[household].to_list())
    out = frame.join(
        found.rename({"household_number": household}), on=household, how="left"
    ).with_columns(pl.col("household_id").cast(pl.Int64))
    if person:
        members = members_of(found["household_id"].to_list()).rename({"id_number": person})
        out = out.join(members, on=["household_id", person], how="left")
    return out


def write_created(
    recorder: BulkRecorder, model: type[models.Model], rows: pl.DataFrame, repr_sql: str
) -> pl.Series:
    """Insert `rows` (the model's columns by column name, without `id`, dates and
    decimals typed) with new ids, and record each creation under its household in its
    village (`t.village_id`, the LedgerRow's copy). Returns the ids, in row order."""
    ids = pl.Series("id", reserve_ids(model, rows.height), dtype=pl.Int64)
    if rows.is_empty():
        return ids
    write_frame(model, rows.with_columns(ids).select(["id", *rows.columns]))
    recorder.created(
        RowRecords(
            model,
            repr_sql=repr_sql,
            area_sql="t.village_id",
            related=(Household, "t.household_id"),
        ),
        ids,
    )
    return ids


def now_column(now: dt.datetime, name: str = "created_at") -> pl.Expr:
    """A timestamp column for `write_created` (UTC, as the database keeps it)."""
    return pl.lit(now).dt.convert_time_zone("UTC").alias(name)


@dataclass(frozen=True)
class Refusal:
    """One rule of a ledger in its column form: the rows it refuses (a boolean
    expression) and why (a text expression), reported on the column of `field`."""

    field: str
    refused: pl.Expr
    reason: pl.Expr


def refusal_rows(
    frame: pl.DataFrame, refusals: Sequence[Refusal]
) -> list[tuple[str, pl.Series, pl.Series]]:
    """Each rule's (field, refused mask, reasons) over `frame`, in one select."""
    if frame.is_empty() or not refusals:
        return []
    out = frame.select(
        *[r.refused.fill_null(True).alias(f"r{i}") for i, r in enumerate(refusals)],
        *[r.reason.alias(f"w{i}") for i, r in enumerate(refusals)],
    )
    return [(r.field, out[f"r{i}"], out[f"w{i}"]) for i, r in enumerate(refusals)]


def reject_part(
    batch: Any,  # a programmes.workbook.LedgerImport
    key: str,
    part: pl.DataFrame,
    mask: pl.Series,
    column: str,
    reasons: pl.Series | str,
) -> None:
    """Reject the rows of `part` where `mask` is true, with the reason on `column`: `part`
    is some rows of sheet `key`, each with `_i`, its index in `batch.frame(key)`."""
    picked = part["_i"].filter(mask.fill_null(False))
    if picked.is_empty():
        return
    n = batch.frame(key).height
    full = pl.Series([False] * n).scatter(picked, True)
    if isinstance(reasons, str):
        batch.reject(key, full, column, reasons)
        return
    text = pl.Series([None] * n, dtype=pl.String).scatter(
        picked, reasons.filter(mask.fill_null(False)).cast(pl.String)
    )
    batch.reject(key, full, column, text)


def still_ok(batch: Any, key: str, part: pl.DataFrame) -> pl.DataFrame:
    """The rows of `part` not rejected meanwhile (see `reject_part`)."""
    ok = batch.frame(key).with_row_index("_i").filter(pl.col("_ok")).select("_i")
    return part.join(ok, on="_i", how="semi")


def first_of_key(part: pl.DataFrame, keys: list[str]) -> pl.Series:
    """Whether each row is the first of the file with its natural key (the later ones are
    "given twice in the file")."""
    return part.select(pl.int_range(pl.len()).over(keys) == 0).to_series()


def reject_unresolved(batch: Any, key: str, rows: pl.DataFrame, person: str) -> None:
    """Reject the rows `resolve` found no household (of the user's area) or no current
    member for (the ID number in column `person`)."""
    reject_part(
        batch,
        key,
        rows,
        rows["household_id"].is_null(),
        "household_number",
        _("No household with this number in your area."),
    )
    reject_part(
        batch,
        key,
        rows,
        rows["household_id"].is_not_null() & rows["member_id"].is_null(),
        person,
        _("Not a current member of this household."),
    )


def reject_refused(
    batch: Any,
    key: str,
    rows: pl.DataFrame,
    refusals: Sequence[Refusal],
    columns: dict[str, str] | None = None,
) -> None:
    """Reject the rows each rule refuses, on the column of its field (`columns` maps a
    field to another column, e.g. "household" → "household_number")."""
    columns = {"household": "household_number", **(columns or {})}
    for field, mask, reasons in refusal_rows(rows, refusals):
        reject_part(batch, key, rows, mask, columns.get(field, field), reasons)


def stored_rows(
    model: type[models.Model], member_ids: Sequence[int], columns: list[str]
) -> pl.DataFrame:
    """The stored rows of these members (`columns`, types as the database gives them)."""
    found = in_batches(
        member_ids,
        lambda part: model._default_manager.filter(member_id__in=part).values_list(*columns),
    )
    return pl.DataFrame(found, schema=columns, orient="row", infer_schema_length=None)


def same_values(matched: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """The rows of a file matched to stored rows whose stored values (`<column>__old`)
    equal the file's, compared as text."""
    return matched.filter(
        pl.all_horizontal(
            pl.col(c).cast(pl.String).eq_missing(pl.col(f"{c}__old").cast(pl.String))
            for c in columns
        )
    )


def sheet_rows(batch: Any, key: str, person: str) -> pl.DataFrame:
    """The rows of sheet `key` that parsed, resolved to their household and person (the ID
    number in column `person`); those that do not resolve are rejected. `_i`: each row's
    index in the sheet (`reject_part`)."""
    ok = batch.frame(key).with_row_index("_i").filter(pl.col("_ok"))
    if ok.is_empty():
        return ok
    rows = resolve(batch.actor, ok, person=person)
    reject_unresolved(batch, key, rows, person)
    return still_ok(batch, key, rows)


def without_stored(
    batch: Any,
    key: str,
    rows: pl.DataFrame,
    stored: pl.DataFrame,
    keys: list[str],
    values: list[str],
    column: str,
    reason: str,
) -> pl.DataFrame:
    """The rows whose natural key (`keys`) names no stored row. A row equal to its stored
    row (`values`, compared as text) is counted unchanged; one that differs is rejected
    on `column` with `reason` (a re-import changes nothing, and says so)."""
    if stored.is_empty():
        return rows
    matched = rows.join(stored, on=keys, how="inner", suffix="__old")
    same = same_values(matched, values)
    batch.count(key).unchanged += same.height
    differs = matched.join(same.select("_i"), on="_i", how="anti")
    reject_part(batch, key, rows, rows["_i"].is_in(differs["_i"].implode()), column, reason)
    return still_ok(batch, key, rows.join(matched.select("_i"), on="_i", how="anti"))


def without_repeats(
    batch: Any, key: str, rows: pl.DataFrame, keys: list[str], column: str, reason: str
) -> pl.DataFrame:
    """The rows first of the file with their natural key; the later ones are rejected on
    `column` ("given twice in the file")."""
    reject_part(batch, key, rows, ~first_of_key(rows, keys), column, reason)
    return still_ok(batch, key, rows)


def due_on(rows: pl.DataFrame, day: str) -> pl.Series:
    """Whether each resolved row's household is due assistance on the row's date in
    column `day` (`assistance.due.due_each`)."""
    return due_each(
        rows.select(
            "household_id",
            pl.col("village_id").alias("village_code"),
            "status",
            "status_year",
            pl.col(day).alias("on"),
        )
    )
