"""The import's writing stage: creations and updates with the database's bulk path, and
one change record per created or changed object (`core.history.BulkRecorder`), in the
import's transaction."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
from django.db.models import Model
from django.utils import timezone

from fupin.core.frames import (
    db_ready,
    db_types,
    field_defaults,
    full_frame,
    reserve_ids,
    update_frame,
    write_frame,
)
from fupin.core.history import BulkRecorder, RowRecords, changes_expr, snapshot_fields
from fupin.exchange import layout as L
from fupin.exchange.parsing import Parsed
from fupin.exchange.staging import State
from fupin.registry import hooks
from fupin.registry.models import Household, IncomeRecord, Member

Progress = Callable[[str, float], None]


def under_household(model: type[Model], repr_sql: str) -> RowRecords:
    """Members and incomes are recorded under their household, in its village."""
    return RowRecords(
        model,
        repr_sql,
        area_sql="h.village_id",
        joins="JOIN registry_household h ON h.id = t.household_id",
        related=(Household, "t.household_id"),
    )


def records_of(model: type[Model]) -> RowRecords:
    """How the change records of the import's rows of `model` read (also what
    `bench/exchange.py` writes for its records floor)."""
    if model is Household:
        return RowRecords(Household, repr_sql="t.number", area_sql="t.village_id")
    if model is Member:
        return under_household(Member, "t.name")
    if model is IncomeRecord:
        return under_household(
            IncomeRecord, "CAST(t.household_id AS TEXT) || '/' || CAST(t.year AS TEXT)"
        )
    raise ValueError(model)


# Model fields written by the import, per sheet (the model's own field names).
def sheet_fields(sheet: L.Sheet) -> list[str]:
    return [col.field for col in sheet.columns if col.field and col.kind != L.INFO]


def file_values(p: Parsed, model, rename: dict[str, str]) -> pl.DataFrame:
    """The file's values for the model's fields: blank cells become the field's empty
    value (text "", nullable None, else the default)."""
    fields = [col for col in p.sheet.columns if col.field and col.kind != L.INFO]
    defaults = field_defaults(model, [col.field for col in fields])
    types = db_types(model)
    exprs = []
    for col in fields:
        name = rename.get(col.field, col.field)
        expr = pl.col(col.code)
        want = types.get(col.field)
        if col.field == "disability_grade":
            expr = expr.cast(pl.Int64, strict=False)
        elif want is not None and want != pl.String and not isinstance(want, pl.List):
            expr = expr.cast(want)
        if col.field in defaults and defaults[col.field] is not None:
            default = defaults[col.field]
            if col.kind == L.CODES:
                expr = expr.fill_null(pl.lit([], dtype=pl.List(pl.String)))
            elif want is not None and isinstance(want, pl.Decimal):
                expr = expr.fill_null(pl.lit(str(default)).cast(pl.Float64).cast(want))
            else:
                expr = expr.fill_null(pl.lit(default))
        exprs.append(expr.alias(name))
    return p.frame.filter(pl.col("_ok")).select([*exprs, "_row", "_sheet"])


# ------------------------------------------------------------------ the import


def split_rows(
    new: pl.DataFrame,
    old: pl.DataFrame,
    keys: list[str],
    fields: list[str],
    present: set[str],
    model,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Rows of the file that create, change or leave unchanged a stored row. Changed and
    unchanged rows carry the stored id, each field's stored value as `<field>__old`, and
    the stored values of the snapshot's other columns; fields whose column the file does
    not fill keep their stored value."""
    snap = snapshot_fields(model)
    carried = [f for f in snap if f not in fields and f not in keys and f in old.columns]
    old = old.select(
        [*keys, *carried, *[pl.col(f).alias(f + "__old") for f in fields if f not in keys]]
    )
    joined = new.join(old, on=keys, how="left")
    exists = joined["id"].is_not_null() if "id" in joined.columns else None
    if exists is None or not exists.any():
        return (
            joined.drop([c for c in joined.columns if c.endswith("__old")]),
            joined.clear(),
            (joined.clear()),
        )
    created = joined.filter(~exists).drop(
        [c for c in joined.columns if c.endswith("__old")] + carried
    )
    stored = joined.filter(exists).with_columns(
        pl.col(f + "__old").alias(f) for f in fields if f not in present and f not in keys
    )
    compared = [f for f in fields if f not in keys]
    differs = pl.any_horizontal(pl.col(f).ne_missing(pl.col(f + "__old")) for f in compared)
    changed = stored.filter(differs).with_columns(pl.lit(timezone.now()).alias("updated_at"))
    same = stored.filter(~differs)
    return created, changed, same


def write_sheet(
    state: State,
    ctx: BulkRecorder,
    key: str,
    model,
    new: pl.DataFrame,
    stored: pl.DataFrame,
    keys: list[str],
    fields: list[str],
    created_extra: dict[str, pl.Expr],
    records: RowRecords,
) -> pl.DataFrame:
    """Create and update one model's rows; returns the created rows."""
    p = state.parsed[key]
    created, changed, same = split_rows(new, stored, keys, fields, p.present, model)
    counts = state.counts[key]
    counts.unchanged = same.height
    counts.created = created.height
    counts.updated = changed.height
    ids = reserve_ids(model, created.height)
    created = created.with_columns(
        pl.Series("id", ids, dtype=pl.Int64),
        *[expr.alias(name) for name, expr in created_extra.items()],
    )
    full = full_frame(created, model)
    write_frame(model, db_ready(full, model))
    # The records are built by the database from the rows just written (set-based).
    ctx.created(records, full["id"])
    if not changed.is_empty():
        update_frame(model, db_ready(changed, model, ["id", *fields, "updated_at"]))
        ctx.updated(
            records,
            changed.select(
                "id",
                changes_expr(changed, [f for f in fields if f not in keys], "__old").alias(
                    "changes"
                ),
            ),
        )
    return full


def write(state: State, report: Progress) -> None:
    ctx = BulkRecorder(actor=state.actor, now=state.now, reason=state.reason)
    h, m, i = (state.parsed.get(k) for k in ("households", "members", "incomes"))
    now = pl.lit(state.now)
    stored = state.take_stored("households")
    lookup = stored.select(
        "number", pl.col("id").alias("household_id"), pl.col("village_id").alias("area")
    )
    new = created = None
    if h is not None:
        fields = sheet_fields(L.HOUSEHOLDS)
        new = file_values(h, Household, {})
        created = write_sheet(
            state,
            ctx,
            "households",
            Household,
            new,
            stored,
            ["number"],
            fields,
            {"created_at": now, "updated_at": now},
            records_of(Household),
        )
        stayed = lookup.join(
            new.select("number", pl.col("village_id").alias("new_area")), on="number", how="left"
        )
        # Stored households the file puts in another village: what follows them (their
        # cases) is told in this transaction (registry.hooks).
        hooks.households_moved(
            stayed.filter(pl.col("new_area").is_not_null() & (pl.col("new_area") != pl.col("area")))
            .get_column("household_id")
            .to_list()
        )
        lookup = pl.concat(
            [
                stayed.select(
                    "number", "household_id", pl.coalesce("new_area", "area").alias("area")
                ),
                created.select(
                    "number", pl.col("id").alias("household_id"), pl.col("village_id").alias("area")
                ),
            ]
        )
    # Frames are let go as soon as they are written: a re-import holds the stored rows of
    # a million people next to the file's.
    del stored, new, created
    report("write", 0.5)
    lookup = lookup.rename({"number": "household_number"})
    if m is not None:
        fields = [f for f in sheet_fields(L.MEMBERS) if f != "number"]
        new = file_values(m, Member, {"number": "household_number"}).join(
            lookup, on="household_number", how="inner"
        )
        write_sheet(
            state,
            ctx,
            "members",
            Member,
            new,
            state.take_stored("members"),
            ["id_number", "household_id"],
            fields,
            {
                "is_active": pl.lit(True),
                "left_on": pl.lit(None, dtype=pl.Date),
                "created_at": now,
                "updated_at": now,
            },
            records_of(Member),
        )
        del new
    report("write", 0.7)
    if i is not None:
        fields = [f for f in sheet_fields(L.INCOMES) if f != "number"]
        new = file_values(i, IncomeRecord, {"number": "household_number"}).join(
            lookup, on="household_number", how="inner"
        )
        write_sheet(
            state,
            ctx,
            "incomes",
            IncomeRecord,
            new,
            state.take_stored("incomes"),
            ["household_id", "year"],
            fields,
            {"updated_at": now},
            records_of(IncomeRecord),
        )
    report("write", 0.85)
