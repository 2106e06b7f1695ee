"""Fast bulk writes for the demo generator and the registry import.

Django's bulk_create spends most of its time compiling SQL for every value; at a
million rows that dominates. These helpers insert model instances (or plain objects
with the same attribute names) whose primary keys are handed out in advance: COPY on
PostgreSQL, one prepared INSERT run by executemany on SQLite, bulk_create elsewhere.
They run inside the caller's transaction, so a kill leaves nothing half written.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.core.management.color import no_style
from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Max, Model


class Ids:
    """Primary keys handed out in advance, so rows can be inserted without RETURNING."""

    def __init__(self, *models: type[Model]) -> None:
        self.next: dict[type[Model], int] = {
            m: (m._default_manager.aggregate(x=Max("pk"))["x"] or 0) + 1 for m in models
        }

    def assign(self, objs: list[Any], model: type[Model] | None = None) -> None:
        if not objs:
            return
        model = model or type(objs[0])
        n = self.next[model]
        attname = model._meta.pk.attname
        for i, obj in enumerate(objs):
            setattr(obj, attname, n + i)
        self.next[model] = n + len(objs)


def _sqlite_datetime(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return str(value)


def _converter(f: models.Field[Any, Any], conn: BaseDatabaseWrapper) -> Callable[[Any], Any] | None:
    """A lean stand-in for Field.get_db_prep_save for the field types the registry uses;
    None means the value goes to the driver as it is."""
    sqlite = conn.vendor == "sqlite"
    if isinstance(f, models.JSONField):
        return lambda v: json.dumps(v, cls=f.encoder)
    if isinstance(f, models.DateTimeField):
        return _sqlite_datetime if sqlite else None
    if isinstance(f, models.DateField):
        return dt.date.isoformat if sqlite else None
    if isinstance(f, models.DecimalField):
        return str if sqlite else None
    if isinstance(
        f, (models.CharField, models.TextField, models.IntegerField, models.BooleanField)
    ) or (f.is_relation and f.many_to_one):
        return None
    return lambda v: f.get_db_prep_save(v, conn)


def bulk_insert(objs: list[Any], model: type[Model] | None = None, batch_size: int = 5000) -> None:
    """Insert model instances whose primary keys are set, in batches: COPY on PostgreSQL,
    one prepared INSERT run by executemany on SQLite (Django's bulk_create spends most
    of its time compiling SQL for every value), bulk_create elsewhere."""
    if not objs:
        return
    model = model or type(objs[0])
    conn = connections[router.db_for_write(model)]
    fields = list(model._meta.concrete_fields)
    if conn.vendor not in ("sqlite", "postgresql"):
        if not isinstance(objs[0], model):
            objs = [model(**vars(o)) for o in objs]
        model._default_manager.bulk_create(objs, batch_size=batch_size)
        return
    table = conn.ops.quote_name(model._meta.db_table)
    columns = ", ".join(conn.ops.quote_name(f.column) for f in fields)
    prep = [(f.attname, _converter(f, conn)) for f in fields]
    with conn.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            rows = [
                tuple(
                    v if fn is None or v is None else fn(v)
                    for name, fn in prep
                    for v in [getattr(o, name)]
                )
                for o in objs[start : start + batch_size]
            ]
            if conn.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(fields))
                sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - quoted names
                cursor.executemany(sql, rows)


def reset_sequences(*models: type[Model]) -> None:
    """After inserting explicit keys, move PostgreSQL's sequences past them."""
    conn = connections[router.db_for_write(models[0])]
    sql = conn.ops.sequence_reset_sql(no_style(), list(models))
    if sql:
        with conn.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)


def analyze(*models: type[Model]) -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load. A table filled in one
    transaction still looks empty to the planner until autovacuum gets round to it, and
    the planner then picks sequential scans over a million rows (seen: 270 ms instead of
    1 ms for a village's household list)."""
    conn = connections[router.db_for_write(models[0])]
    if conn.vendor != "postgresql":
        return
    with conn.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {conn.ops.quote_name(model._meta.db_table)}")


# Values per IN list of a bulk read: within SQLite's (32,766) and PostgreSQL's (65,535)
# limits on a statement's parameters, whatever the size of the file or area.
IN_BATCH = 5000


def in_batches[T](values: Iterable[Any], read: Callable[[list[Any]], Iterable[T]]) -> list[T]:
    """`read(chunk)` for the values IN_BATCH at a time (a query's IN list), the results
    together."""
    values = list(values)
    out: list[T] = []
    for start in range(0, len(values), IN_BATCH):
        out += read(values[start : start + IN_BATCH])
    return out
