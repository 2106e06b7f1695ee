"""Writing and reading change records. Services record one object's change with
`recording(...)` (or `created(...)` for an object just made) inside their transaction;
bulk paths build records with `build_change` and `bulk_create` them."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import models
from django.utils import timezone

from fupin.core import context
from fupin.core.frames import json_text, json_value, write_frame
from fupin.core.models import ChangeAction, ChangeRecord


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
    actor,
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
        user=actor if getattr(actor, "pk", None) else None,
        user_name=getattr(actor, "username", "") or "system",
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


def record_change(**kwargs) -> ChangeRecord | None:
    """Write one change record; an update that changed nothing writes nothing."""
    rec = build_change(**kwargs)
    if rec.action == ChangeAction.UPDATE and not rec.changes:
        return None
    rec.save()
    return rec


def _area_of(instance: models.Model, area_code: str | None) -> str:
    if area_code is not None:
        return area_code
    own = getattr(instance, "area_code", None)
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
        actor,
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
        self._deleted = False
        self._pk = None
        self.before: dict[str, Any] | None = None
        self.instance = instance
        if instance is not None and not instance._state.adding and instance.pk is not None:
            self._pk = instance.pk
            self.before = snapshot(instance)

    def deleted(self) -> None:
        """Say that the object was deleted (inferred anyway when its key is gone)."""
        self._deleted = True

    def _action(self) -> str:
        if self.action:
            return self.action
        if self._deleted or (self._pk is not None and self.instance.pk is None):
            return ChangeAction.DELETE
        return ChangeAction.UPDATE if self._pk is not None else ChangeAction.CREATE

    def write(self) -> ChangeRecord | None:
        instance = self.instance
        if instance is None:
            raise TypeError("recording(): no object to record (set rec.instance)")
        action = self._action()
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
    actor,
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
    actor,
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


def bulk_record(records: Iterable[ChangeRecord], batch_size: int = 2000) -> None:
    ChangeRecord.objects.bulk_create(list(records), batch_size=batch_size)


def history_of(instance: models.Model):
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

RECORD_CHUNK = 100_000


def changes_expr(frame: pl.DataFrame, fields: list[str], old_suffix: str) -> pl.Expr:
    """`{"field": [old, new], …}` for the fields that changed, as `core.history.diff`
    writes it."""
    parts = []
    for f in fields:
        new = json_text(frame, f)
        old = json_text(frame, f + old_suffix)
        parts.append(pl.when(old != new).then(pl.format('"{}":[{},{}]', pl.lit(f), old, new)))
    body = pl.concat_str(parts, separator=",", ignore_nulls=True).fill_null("")
    return pl.concat_str([pl.lit("{"), body, pl.lit("}")])


def post_data_expr(frame: pl.DataFrame, fields: list[str]) -> pl.Expr:
    return pl.struct(
        [json_value(pl.col(f), frame.schema[f]).alias(f) for f in fields]
    ).struct.json_encode()


@dataclass
class BulkRecorder:
    actor: object
    now: dt.datetime
    reason: str
    written: int = 0

    def record(
        self,
        frame: pl.DataFrame,
        model,
        action: str,
        snapshot_fields: list[str],
        changes: pl.Expr,
        repr_expr: pl.Expr,
        area: pl.Expr,
        related: pl.Expr | None = None,
        related_model=None,
    ) -> None:
        if frame.is_empty():
            return
        # In slices, so that the JSON of a million records never sits in memory at once.
        for start in range(0, frame.height, RECORD_CHUNK):
            part = frame.slice(start, RECORD_CHUNK)
            out = self._records(
                part,
                model,
                action,
                snapshot_fields,
                changes,
                repr_expr,
                area,
                related,
                related_model,
            )
            # No id column: the database numbers change records itself (nothing in the
            # import refers to them), which spares a round of a million nextval() calls.
            write_frame(ChangeRecord, out)
            self.written += out.height

    def _records(
        self,
        frame,
        model,
        action,
        snapshot_fields,
        changes,
        repr_expr,
        area,
        related,
        related_model,
    ) -> pl.DataFrame:
        user_id = getattr(self.actor, "pk", None)
        rid = context.request_id.get()
        return frame.select(
            pl.lit(self.now).alias("time"),
            pl.lit(user_id, dtype=pl.Int64).alias("user_id"),
            pl.lit(getattr(self.actor, "username", "") or "system").alias("user_name"),
            pl.lit(rid.hex if rid else None, dtype=pl.String).alias("request_id"),
            pl.lit(action).alias("action"),
            pl.lit(type_label(model)).alias("object_type"),
            pl.col("id").cast(pl.String).alias("object_id"),
            repr_expr.str.slice(0, 200).alias("object_repr"),
            pl.lit(type_label(related_model) if related is not None else "").alias("related_type"),
            (related.cast(pl.String) if related is not None else pl.lit("")).alias("related_id"),
            area.alias("area_code"),
            changes.alias("changes"),
            post_data_expr(frame, snapshot_fields).alias("post_data"),
            pl.lit(self.reason).alias("reason"),
        )


def snapshot_fields(model) -> list[str]:
    exclude = set(getattr(model, "HISTORY_EXCLUDE", ()))
    return [f.attname for f in model._meta.concrete_fields if f.attname not in exclude]
