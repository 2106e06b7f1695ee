"""Writing and reading change records. Services record one object's change with
`recording(...)` (or `created(...)` for an object just made) inside their transaction;
bulk paths write many with `bulk_record`, or set-based with a `BulkRecorder`."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import polars as pl
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

from fupin.core import context
from fupin.core.frames import column_of, json_text, write_frame, write_table
from fupin.core.models import ChangeAction, ChangeRecord, actor_account, actor_name


def type_label(model: type[models.Model] | models.Model) -> str:
    return model._meta.label_lower


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or ""
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The stored state of an instance: every concrete field by attribute name."""
    exclude = set(getattr(instance, "HISTORY_EXCLUDE", ()))
    return {
        f.attname: _json_value(getattr(instance, f.attname))
        for f in instance._meta.concrete_fields
        if f.attname not in exclude
    }


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list[Any]]:
    before = before or {}
    after = after or {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def build_change(
    *,
    actor: Any,  # a fupin.accounts User or None; the base layer cannot name the class
    instance: models.Model,
    action: str,
    before: dict[str, Any] | None,
    area_code: str,
    reason: str = "",
    related: models.Model | None = None,
    time: dt.datetime | None = None,
) -> ChangeRecord:
    after = None if action == ChangeAction.DELETE else snapshot(instance)
    return ChangeRecord(
        time=time or timezone.now(),
        user=actor_account(actor),
        user_name=actor_name(actor),
        request_id=context.request_id.get(),
        action=action,
        object_type=type_label(instance),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        related_type=type_label(related) if related is not None else "",
        related_id=str(related.pk) if related is not None else "",
        area_code=area_code,
        changes=diff(before, after),
        post_data=after,
        reason=reason or "",
    )


def _saved[**P](build: Callable[P, ChangeRecord]) -> Callable[P, ChangeRecord | None]:
    """`build` (same arguments), then save the record; an update that changed nothing
    writes nothing."""

    def record(*args: P.args, **kwargs: P.kwargs) -> ChangeRecord | None:
        rec = build(*args, **kwargs)
        if rec.action == ChangeAction.UPDATE and not rec.changes:
            return None
        rec.save()
        return rec

    return record


# Write one change record: build_change's arguments, one signature for both.
record_change = _saved(build_change)


def _area_of(instance: models.Model, area_code: str | None) -> str:
    if area_code is not None:
        return area_code
    own: str | None = getattr(instance, "area_code", None)
    if own is None:
        raise TypeError(f"{type_label(instance)} cannot tell its area: pass area_code")
    return own


class Recording:
    """One object's change, recorded on leaving `recording(...)`: the state before is
    taken on entry, the action is inferred on exit (create for an object not yet saved
    on entry, delete for one deleted in the block, update otherwise), and an update that
    changed nothing records nothing. `reason`, `related` and `area_code` may still be set
    inside the block; after it, `record` is the written ChangeRecord (or None)."""

    def __init__(
        self,
        actor: Any,  # a fupin.accounts User or None (see build_change)
        instance: models.Model | None,
        *,
        reason: str = "",
        area_code: str | None = None,
        related: models.Model | None = None,
        action: str | None = None,
        time: dt.datetime | None = None,
    ) -> None:
        self.actor = actor
        self.reason = reason
        self.area_code = area_code
        self.related = related
        self.action = action
        self.time = time
        self.record: ChangeRecord | None = None
        self._pk: Any = None
        self.before: dict[str, Any] | None = None
        self.instance = instance
        if instance is not None and not instance._state.adding and instance.pk is not None:
            self._pk = instance.pk
            self.before = snapshot(instance)

    def _action(self, instance: models.Model) -> str:
        if self.action:
            return self.action
        if self._pk is not None and instance.pk is None:
            return ChangeAction.DELETE
        return ChangeAction.UPDATE if self._pk is not None else ChangeAction.CREATE

    def write(self) -> ChangeRecord | None:
        instance = self.instance
        if instance is None:
            raise TypeError("recording(): no object to record (set rec.instance)")
        action = self._action(instance)
        restore = action == ChangeAction.DELETE and instance.pk is None
        if restore:  # Model.delete() clears the key; the record names the deleted object
            instance.pk = self._pk
        try:
            self.record = record_change(
                actor=self.actor,
                instance=instance,
                action=action,
                before=self.before,
                area_code=_area_of(instance, self.area_code),
                reason=self.reason,
                related=self.related,
                time=self.time,
            )
        finally:
            if restore:
                instance.pk = None
        return self.record


@contextlib.contextmanager
def recording(
    actor: Any,  # a fupin.accounts User or None (see build_change)
    instance: models.Model | None = None,
    *,
    reason: str = "",
    area_code: str | None = None,
    related: models.Model | None = None,
    action: str | None = None,
    time: dt.datetime | None = None,
) -> Iterator[Recording]:
    """Write one object's change record around the code that changes it, inside the
    caller's transaction:

        with recording(actor, household, reason=reason):
            household.status = ...
            household.save()

    The area is the object's own `area_code` unless given. An object created in the
    block is handed over with `rec.instance = obj` (or pass the unsaved instance). If the
    block raises, nothing is recorded."""
    rec = Recording(
        actor,
        instance,
        reason=reason,
        area_code=area_code,
        related=related,
        action=action,
        time=time,
    )
    yield rec
    rec.write()


def created(
    actor: Any,  # a fupin.accounts User or None (see build_change)
    instance: models.Model,
    *,
    reason: str = "",
    area_code: str | None = None,
    related: models.Model | None = None,
    time: dt.datetime | None = None,
) -> ChangeRecord | None:
    """Record the creation of an object just saved (the short form of `recording` for
    `X.objects.create(...)`)."""
    rec = Recording(
        actor,
        None,
        reason=reason,
        area_code=area_code,
        related=related,
        action=ChangeAction.CREATE,
        time=time,
    )
    rec.instance = instance
    return rec.write()


def history_of(instance: models.Model) -> models.QuerySet[ChangeRecord]:
    """Records of the object itself and of its children (members of a household …)."""
    label, pk = type_label(instance), str(instance.pk)
    return ChangeRecord.objects.filter(
        models.Q(object_type=label, object_id=pk) | models.Q(related_type=label, related_id=pk)
    ).order_by("-time", "-id")


def state_as_of(object_type: str, object_id: str, when: dt.datetime) -> dict[str, Any] | None:
    """The object's stored state as of `when`, or None if it did not exist then."""
    rec = (
        ChangeRecord.objects.filter(object_type=object_type, object_id=object_id, time__lte=when)
        .order_by("-time", "-id")
        .first()
    )
    if rec is None or rec.action == ChangeAction.DELETE:
        return None
    return rec.post_data


def children_as_of(
    related: models.Model, child_type: str, when: dt.datetime
) -> list[dict[str, Any]]:
    """States as of `when` of every child object recorded under `related`."""
    recs = ChangeRecord.objects.filter(
        related_type=type_label(related),
        related_id=str(related.pk),
        object_type=child_type,
        time__lte=when,
    ).order_by("object_id", "time", "id")
    latest: dict[str, ChangeRecord] = {}
    for rec in recs:
        latest[rec.object_id] = rec
    return [r.post_data for r in latest.values() if r.action != ChangeAction.DELETE and r.post_data]


# ------------------------------------------------------------------ bulk change records
#
# One bulk writer, two entries: `bulk_record` writes change records built one object at a
# time (`build_change`, `creation_record`: the demo generators, map loads); a
# `BulkRecorder` writes the records of rows already in their table set-based, the
# database building each record's JSON from the stored row (`INSERT … SELECT` with
# `json_object` on SQLite, `jsonb_build_object` on PostgreSQL), so that a million records
# never pass through Python. Both give what `build_change` gives for the same objects:
# same snapshot keys in field order, same JSON value forms as `snapshot` (dates and
# datetimes as ISO text, decimals as text with their places), same labels.

RECORD_COLUMNS = (
    "time",
    "user_id",
    "user_name",
    "request_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "related_type",
    "related_id",
    "area_code",
    "changes",
    "post_data",
    "reason",
)


def snapshot_fields(model: type[models.Model]) -> list[str]:
    """The attribute names `snapshot` keeps for the model, in field order."""
    exclude = set(getattr(model, "HISTORY_EXCLUDE", ()))
    return [f.attname for f in model._meta.concrete_fields if f.attname not in exclude]


def creation_record(
    instance: models.Model,
    *,
    time: dt.datetime,
    area_code: str,
    reason: str,
    actor: Any = None,  # a fupin.accounts User or None (see build_change)
    related: models.Model | tuple[str, Any] | None = None,
) -> SimpleNamespace:
    """The fields of the record `build_change` makes for a created object, for
    `bulk_record`, without building a ChangeRecord instance and diffing against nothing
    (a third of a demo's time went there). `related`: the parent object, or its type
    label and primary key."""
    post = snapshot(instance)
    if isinstance(related, tuple):
        related_type, related_pk = related
    elif related is not None:
        related_type, related_pk = type_label(related), related.pk
    return SimpleNamespace(
        time=time,
        user_id=getattr(actor, "pk", None),
        user_name=actor_name(actor),
        request_id=context.request_id.get(),
        action=ChangeAction.CREATE,
        object_type=type_label(instance),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        related_type=related_type if related is not None else "",
        related_id=str(related_pk) if related is not None else "",
        area_code=area_code,
        changes={k: [None, v] for k, v in post.items() if v is not None},
        post_data=post,
        reason=reason or "",
    )


def bulk_record(records: Iterable[Any], chunk: int = 50_000) -> int:
    """Write change records (ChangeRecord instances from `build_change`, or records from
    `creation_record`) with the database's bulk path (`core.frames.write_frame`); the
    database numbers them. Returns how many were written."""
    written = 0
    batch: list[Any] = []
    for rec in records:
        batch.append(rec)
        if len(batch) >= chunk:
            written += _write_records(batch)
            batch = []
    return written + _write_records(batch)


def _write_records(records: list[Any]) -> int:
    if not records:
        return 0
    columns: dict[str, list[Any]] = {name: [] for name in RECORD_COLUMNS}
    for rec in records:
        for name in RECORD_COLUMNS:
            columns[name].append(getattr(rec, name))
    rid = columns["request_id"]
    columns["request_id"] = [r.hex if isinstance(r, uuid.UUID) else r for r in rid]
    for name in ("changes", "post_data"):
        columns[name] = [
            None if v is None else json.dumps(v, cls=DjangoJSONEncoder, ensure_ascii=False)
            for v in columns[name]
        ]
    frame = pl.DataFrame(
        columns,
        schema={
            **{name: pl.String for name in RECORD_COLUMNS},
            "time": pl.Datetime("us", "UTC"),
            "user_id": pl.Int64,
        },
    )
    write_frame(ChangeRecord, frame)
    return frame.height


@dataclass
class RowRecords:
    """How the records of one model's stored rows (alias `t`) read: SQL expressions for
    the object's text (`repr_sql`), its area (`area_sql`), the parent it is recorded
    under (`related`: its model and the SQL of its id), and the joins they need."""

    model: type[models.Model]
    repr_sql: str
    area_sql: str
    joins: str = ""
    related: tuple[type[models.Model], str] | None = None


def _json_sql(field: models.Field[Any, Any], column: str, vendor: str) -> str:
    """SQL for the JSON value `snapshot` gives the field's value (null for NULL)."""
    if vendor == "postgresql":
        if isinstance(field, (models.DecimalField, models.UUIDField)):
            return f"{column}::text"
        if isinstance(field, models.DateTimeField):
            utc = f"({column} AT TIME ZONE 'UTC')"
            return (
                f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
                f"mod(extract(microseconds FROM {utc})::bigint, 1000000) = 0 THEN '' "
                f"ELSE to_char({utc}, '.US') END || '+00:00'"
            )
        if isinstance(field, models.DateField):
            return f"to_char({column}, 'YYYY-MM-DD')"
        return column
    # SQLite keeps booleans as 0/1, decimals as numbers, datetimes as naive UTC text.
    if isinstance(field, models.BooleanField):
        return (
            f"json(CASE WHEN {column} IS NULL THEN 'null' "
            f"WHEN {column} THEN 'true' ELSE 'false' END)"
        )
    if isinstance(field, models.DecimalField):
        return (
            f"CASE WHEN {column} IS NULL THEN NULL "
            f"ELSE printf('%%.{field.decimal_places}f', {column}) END"
        )
    if isinstance(field, models.DateTimeField):
        iso = f"replace({column}, ' ', 'T')"
        return (
            f"CASE WHEN {column} IS NULL THEN NULL "
            f"WHEN length({column}) = 19 OR substr({column}, 21) = '000000' "
            f"THEN substr({iso}, 1, 19) || '+00:00' ELSE {iso} || '+00:00' END"
        )
    if isinstance(field, models.JSONField):
        return f"json({column})"
    if isinstance(field, models.UUIDField):
        # Stored as 32 hex digits; `snapshot` writes str(uuid) with dashes.
        return (
            f"CASE WHEN {column} IS NULL THEN NULL ELSE lower(substr({column}, 1, 8) || '-' || "
            f"substr({column}, 9, 4) || '-' || substr({column}, 13, 4) || '-' || "
            f"substr({column}, 17, 4) || '-' || substr({column}, 21)) END"
        )
    return column


def snapshot_sql(model: type[models.Model], alias: str = "t") -> str:
    """SQL building the model's `snapshot` of each row (alias `alias`) as JSON."""
    vendor = connection.vendor
    quote = connection.ops.quote_name
    exclude = set(getattr(model, "HISTORY_EXCLUDE", ()))
    pairs = [
        f"'{f.attname}', {_json_sql(f, f'{alias}.{quote(column_of(f))}', vendor)}"
        for f in model._meta.concrete_fields
        if f.attname not in exclude
    ]
    if vendor == "postgresql":
        # jsonb_build_object takes at most 100 arguments: in parts, joined with ||.
        parts = [", ".join(pairs[i : i + 40]) for i in range(0, len(pairs), 40)]
        return " || ".join(f"jsonb_build_object({p})" for p in parts)
    return f"json_object({', '.join(pairs)})"


def _id_runs(ids: pl.Series) -> list[tuple[int, int]]:
    """Sorted ids as (first, last) runs of consecutive values."""
    s = ids.sort()
    if s.is_empty():
        return []
    frame = pl.DataFrame({"id": s}).with_columns(
        (pl.col("id").diff().fill_null(1) != 1).cum_sum().alias("run")
    )
    runs = frame.group_by("run", maintain_order=True).agg(
        pl.col("id").min().alias("a"), pl.col("id").max().alias("b")
    )
    return list(zip(runs["a"].to_list(), runs["b"].to_list(), strict=True))


@dataclass
class BulkRecorder:
    """Change records of many rows of one import (or any bulk write), set-based: who
    (`actor`), when (`now`), why (`reason`) and the request are the same for all."""

    actor: object
    now: dt.datetime
    reason: str
    written: int = 0

    def created(self, rows: RowRecords, ids: pl.Series) -> None:
        """One creation record for each row of `ids`, already written to its table.
        Its `changes` stay empty: every field is new, and `ChangeRecord.effective_changes`
        reads them from the state, which is written once."""
        for low, high in _id_runs(ids):
            self._insert(rows, ChangeAction.CREATE, "t.id BETWEEN %s AND %s", [low, high], "'{}'")

    def updated(self, rows: RowRecords, changes: pl.DataFrame) -> None:
        """One update record for each row of `changes` (`id`, `changes`: the JSON text of
        `{field: [old, new]}`, see `changes_expr`), already updated in its table."""
        if changes.is_empty():
            return
        quote = connection.ops.quote_name
        tmp = quote("tmp_record_changes")
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {tmp}")
            cursor.execute(f"CREATE TEMP TABLE {tmp} (id bigint PRIMARY KEY, changes text)")
        write_table("tmp_record_changes", changes.select("id", "changes"))
        cast = "c.changes::jsonb" if connection.vendor == "postgresql" else "c.changes"
        self._insert(
            rows,
            ChangeAction.UPDATE,
            "TRUE",
            [],
            cast,
            joins=f"JOIN {tmp} c ON c.id = t.id",
        )
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {tmp}")

    def _insert(
        self,
        rows: RowRecords,
        action: str,
        where: str,
        params: list[Any],
        changes_sql: str,
        joins: str = "",
    ) -> None:
        quote = connection.ops.quote_name
        model = rows.model
        rid = context.request_id.get()
        related_type, related_sql = "", "''"
        if rows.related is not None:
            related_type = type_label(rows.related[0])
            related_sql = f"CAST({rows.related[1]} AS TEXT)"
        columns = ", ".join(quote(c) for c in RECORD_COLUMNS)
        sql = (
            f"INSERT INTO {quote(ChangeRecord._meta.db_table)} ({columns}) "  # noqa: S608
            f"SELECT %s, %s, %s, %s, %s, %s, CAST(t.id AS TEXT), "
            f"SUBSTR({rows.repr_sql}, 1, 200), %s, {related_sql}, {rows.area_sql}, "
            f"{changes_sql}, {snapshot_sql(model)}, %s "
            f"FROM {quote(model._meta.db_table)} t {joins} {rows.joins} WHERE {where}"
        )
        head = [
            connection.ops.adapt_datetimefield_value(self.now),
            getattr(self.actor, "pk", None),
            actor_name(self.actor),
            rid.hex if rid else None,
            action,
            type_label(model),
            related_type,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, [*head, self.reason, *params])
            self.written += max(cursor.rowcount, 0)


def changes_expr(frame: pl.DataFrame, fields: list[str], old_suffix: str) -> pl.Expr:
    """`{"field": [old, new], …}` for the fields that changed, as `core.history.diff`
    writes it (the values as `snapshot` gives them): the `changes` of `BulkRecorder.updated`."""
    parts = []
    for f in fields:
        new = json_text(frame, f)
        old = json_text(frame, f + old_suffix)
        parts.append(pl.when(old != new).then(pl.format('"{}":[{},{}]', pl.lit(f), old, new)))
    body = pl.concat_str(parts, separator=",", ignore_nulls=True).fill_null("")
    return pl.concat_str([pl.lit("{"), body, pl.lit("}")])
