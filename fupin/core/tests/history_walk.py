"""The history checker: watches every write that production code makes while a service
runs and tells which written objects got no change record.

A write is "made by production code" when a frame of a module under `fupin/` that is not a
test module is on the stack (test setup writing rows directly is not checked; a test
helper calling a service is). Writes are seen through:

- `post_save` / `post_delete` / `m2m_changed` (the object, or the owner of the relation);
- `QuerySet.update`, `QuerySet.delete`, `QuerySet._raw_delete` (the keys they match,
  read before the statement runs), `QuerySet.bulk_create`, `QuerySet.bulk_update`;
- the raw bulk writers `core.bulk.bulk_insert` and `core.frames.write_frame` /
  `update_frame`, wherever a module imported them (the keys of the objects or of the
  frame's key column; without keys, the model only).

Every model of a fupin app has history unless `NO_HISTORY` names it with the reason. A
written object of a model with history must have a ChangeRecord written during the same
call (object type and id; a write known by model only needs one record of that type).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from unittest import mock

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save

import fupin
from fupin.core.history import snapshot
from fupin.core.models import ChangeAction, ChangeRecord

FUPIN = str(Path(fupin.__file__).parent) + "/"

# Models written without change records, on purpose. label → reason.
NO_HISTORY: dict[str, str] = {
    "core.changerecord": "the history itself",
    "core.job": "a background job's progress (the page's progress bar); the work the job "
    "runs records its own writes",
    "core.sensitiveread": "the log of unmasked reads and prints itself (who, when, which "
    "field, how many), written once and never changed",
    "dossier.printrecord": "the log of printed files and handbooks itself (who, when, "
    "which households, how many ID numbers and phones in full), written once, never changed",
    "dossier.villageprint": "a log of village print runs (who asked, its state, the PDF); "
    "the print it makes is logged as a print record",
    "compare.comparisonrun": "a log of comparison runs; the findings it makes are recorded",
    "exchange.exchangerun": "a log of import/export runs; the objects imported are recorded",
    "geo.division": "the statistical division tree, loaded from the official list",
    "projects.projectstep": "the signed steps of a project, append-only; each transition is "
    "recorded on the project itself",
}

# Writes of a model with history that one production function makes without a record, on
# purpose. (function, model label) → reason.
UNRECORDED: dict[tuple[str, str], str] = {
    (
        "fupin.geo.services.load_divisions",
        "geo.villageprofile",
    ): "the empty profile made with a new village; as-of reads take a profile without "
    "records as it is now, and its first recorded state is its first update",
    (
        "fupin.cases.services.follow_households",
        "cases.case",
    ): "the case's copy of its household's village (Case.village, the lists' index, left "
    "out of the case's history): the move itself is recorded on the household",
    (
        "fupin.scoring.services.assessment_compute",
        "scoring.assessmentresult",
    ): "a run's results, derived from the data and written once with the run in bulk, "
    "never changed: the run is recorded (who computed it, when, with the scheme's items "
    "and thresholds as they were)",
}


def _production_frames() -> list:
    frames = []
    f = sys._getframe(2)
    while f is not None:
        name = f.f_code.co_filename
        if name.startswith(FUPIN) and "/tests/" not in name and not name.endswith("conftest.py"):
            frames.append(f)
        f = f.f_back
    return frames


def _label(model) -> str:
    return model._meta.label_lower


@dataclasses.dataclass
class Write:
    label: str
    pk: str | None  # None: known by model only
    how: str
    where: str  # the innermost production function that wrote


@dataclasses.dataclass
class Watch:
    """Collects writes and the public service functions on their stacks."""

    writes: list[Write] = dataclasses.field(default_factory=list)
    services: set[str] = dataclasses.field(default_factory=set)
    mark: int = 0

    def add(self, model, pks, how: str) -> None:
        if not model.__module__.startswith("fupin.") or model._meta.auto_created:
            return  # another library's, or a many-to-many table (seen on its owner)
        frames = _production_frames()
        if not frames:
            return
        label = _label(model)
        where = f"{frames[0].f_globals.get('__name__')}.{frames[0].f_code.co_name}"
        for f in frames:
            module = f.f_globals.get("__name__", "")
            if module.endswith(".services") and not f.f_code.co_name.startswith("_"):
                self.services.add(f"{module}.{f.f_code.co_name}")
        for pk in pks:
            self.writes.append(Write(label, None if pk is None else str(pk), how, where))

    def unrecorded(self) -> list[Write]:
        """The writes of models with history that have no change record of this watch:
        a deleted object needs a delete record, any other its latest record of the call
        holding the state it has now."""
        checked = [
            w
            for w in self.writes
            if w.label not in NO_HISTORY and (w.where, w.label) not in UNRECORDED
        ]
        if not checked:
            return []
        latest: dict[tuple[str, str], ChangeRecord] = {}
        deleted: set[tuple[str, str]] = set()
        for rec in ChangeRecord.objects.filter(id__gt=self.mark).order_by("time", "id"):
            latest[(rec.object_type, rec.object_id)] = rec
            if rec.action == ChangeAction.DELETE:
                deleted.add((rec.object_type, rec.object_id))
        types = {t for t, _i in latest}
        missing, seen = [], set()
        for w in checked:
            key = (w.label, w.pk)
            if key in seen:
                continue
            seen.add(key)
            if w.pk is None:
                ok = w.label in types
            else:
                ok = self._state_recorded(w, latest.get(key), key in deleted)
            if not ok:
                missing.append(w)
        return missing

    def recorded_twice(self) -> list[str]:
        """Objects this watch's records create or delete more than once, and updates
        recorded without a change: one write recorded twice."""
        counts: dict[tuple[str, str, str], int] = {}
        empty = []
        for rec in ChangeRecord.objects.filter(id__gt=self.mark).order_by("id"):
            key = (rec.action, rec.object_type, rec.object_id)
            counts[key] = counts.get(key, 0) + 1
            if rec.action == ChangeAction.UPDATE and not rec.changes:
                empty.append(f"{rec.object_type} {rec.object_id} updated without a change")
        twice = [
            f"{label} {pk} {action}d {n} times"
            for (action, label, pk), n in counts.items()
            if n > 1 and action != ChangeAction.UPDATE
        ]
        return twice + empty

    @staticmethod
    def _state_recorded(w: Write, rec: ChangeRecord | None, deleted: bool) -> bool:
        model = apps.get_model(w.label)
        obj = model._default_manager.filter(pk=w.pk).first()
        if obj is None:  # gone: deleted, with its record
            return deleted
        if rec is None or rec.action == ChangeAction.DELETE:
            return False
        now = json.loads(json.dumps(snapshot(obj), cls=DjangoJSONEncoder))
        if _differs(rec.post_data, now):
            w.how += f" (recorded state differs: {_differs(rec.post_data, now)})"
            return False
        return True


def _same(a, b) -> bool:
    """Equal, or the same number written two ways (a Decimal before and after the
    database: "0" and "0.00")."""
    if a == b:
        return True
    try:
        return isinstance(a, str) and isinstance(b, str) and Decimal(a) == Decimal(b)
    except InvalidOperation:
        return False


def _differs(recorded: dict, now: dict) -> dict:
    return {
        k: (recorded.get(k), now.get(k))
        for k in {*recorded, *now}
        if not _same(recorded.get(k), now.get(k))
    }


def _keys(qs) -> list:
    return list(qs.order_by().values_list("pk", flat=True))


def _frame_keys(frame, key: str = "id") -> list:
    if key in getattr(frame, "columns", ()):
        return list(frame.get_column(key).to_list())
    return [None]


@contextlib.contextmanager
def watching() -> Iterator[Watch]:
    """Watch the writes made by production code in the block."""
    from fupin.core import bulk, frames

    watch = Watch(
        mark=ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    )

    def on_save(sender, instance, raw=False, **kw):
        if not raw:
            watch.add(sender, [instance.pk], "save")

    def on_delete(sender, instance, **kw):
        watch.add(sender, [instance.pk], "delete")

    def on_m2m(sender, instance, action, **kw):
        if action.startswith("post_") and isinstance(instance, models.Model):
            watch.add(type(instance), [instance.pk], f"m2m {action}")

    qs = models.QuerySet
    real = {
        name: getattr(qs, name)
        for name in ("update", "delete", "_raw_delete", "bulk_create", "bulk_update")
    }

    def update(self, **kwargs):
        watch.add(self.model, _keys(self), "QuerySet.update")
        return real["update"](self, **kwargs)

    def delete(self):
        watch.add(self.model, _keys(self), "QuerySet.delete")
        return real["delete"](self)

    def raw_delete(self, using):
        watch.add(self.model, _keys(self), "QuerySet._raw_delete")
        return real["_raw_delete"](self, using)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        out = real["bulk_create"](self, objs, *args, **kwargs)
        watch.add(self.model, [o.pk for o in objs] or [], "bulk_create")
        return out

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        watch.add(self.model, [o.pk for o in objs], "bulk_update")
        return real["bulk_update"](self, objs, fields, *args, **kwargs)

    def bulk_insert(objs, model=None, *args, **kwargs):
        objs = list(objs)
        if objs:
            watch.add(model or type(objs[0]), [o.pk for o in objs], "bulk_insert")
        return real_bulk_insert(objs, model, *args, **kwargs)

    def write_frame(model, frame, *args, **kwargs):
        watch.add(model, _frame_keys(frame) if frame.height else [], "write_frame")
        return real_write_frame(model, frame, *args, **kwargs)

    def update_frame(model, frame, key="id", *args, **kwargs):
        watch.add(model, _frame_keys(frame, key) if frame.height else [], "update_frame")
        return real_update_frame(model, frame, key, *args, **kwargs)

    # The raw writers this tree has (frames' may move while the importer is split).
    real_bulk_insert = bulk.bulk_insert
    real_write_frame = getattr(frames, "write_frame", None)
    real_update_frame = getattr(frames, "update_frame", None)
    fakes = {bulk.bulk_insert: bulk_insert}
    if real_write_frame is not None:
        fakes[real_write_frame] = write_frame
    if real_update_frame is not None:
        fakes[real_update_frame] = update_frame
    patches = [
        mock.patch.object(qs, "update", update),
        mock.patch.object(qs, "delete", delete),
        mock.patch.object(qs, "_raw_delete", raw_delete),
        mock.patch.object(qs, "bulk_create", bulk_create),
        mock.patch.object(qs, "bulk_update", bulk_update),
    ]
    # The raw writers wherever they were imported by name.
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("fupin."):
            continue
        for attr, value in list(vars(module).items()):
            try:  # a test module's pytestmark (a MarkDecorator) is callable but unhashable
                known = callable(value) and value in fakes
            except TypeError:
                continue
            if known:
                patches.append(mock.patch.object(module, attr, fakes[value]))
    post_save.connect(on_save, dispatch_uid="history_walk_save", weak=False)
    post_delete.connect(on_delete, dispatch_uid="history_walk_delete", weak=False)
    m2m_changed.connect(on_m2m, dispatch_uid="history_walk_m2m", weak=False)
    try:
        with contextlib.ExitStack() as stack:
            for p in patches:
                stack.enter_context(p)
            yield watch
    finally:
        post_save.disconnect(dispatch_uid="history_walk_save")
        post_delete.disconnect(dispatch_uid="history_walk_delete")
        m2m_changed.disconnect(dispatch_uid="history_walk_m2m")


def fupin_models() -> list[str]:
    return sorted(_label(m) for m in apps.get_models() if m.__module__.startswith("fupin."))


# ------------------------------------------------------------------ which services write

# Calls that write whatever their receiver: `x.save()`, and the history helpers.
_ALWAYS = {"save", "record_change", "recording", "created", "bulk_record", "bulk_insert"}
# Query calls that write when called on a manager or a queryset (`X.objects.…`, `….filter(…).…`).
_QUERY = {
    "create",
    "update",
    "delete",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "_raw_delete",
    "write_frame",
    "update_frame",
}
# Relation calls that write when called on an attribute (`project.villages.set(…)`).
_RELATION = {"set", "add", "remove", "clear"}


def _module_files() -> dict[str, Path]:
    root = Path(FUPIN)
    out = {}
    for path in root.rglob("*.py"):
        rel = path.relative_to(root.parent)
        if "tests" in rel.parts or "migrations" in rel.parts:
            continue
        out[".".join(rel.with_suffix("").parts)] = path
    return out


def _calls(fn) -> Iterator:
    import ast

    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            yield node


def writers() -> set[str]:
    """Every function of a fupin module (not a test) that writes to the database, directly
    or through another fupin function it calls, as `module.function`, found by reading
    the code: a fixed point over the calls."""
    import ast

    funcs: dict[str, ast.AST] = {}
    names: dict[str, dict[str, str]] = {}  # module → local name → module or module.function
    for module, path in _module_files().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        local: dict[str, str] = {}
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for a in node.names:
                    local[a.asname or a.name] = f"{node.module}.{a.name}"
            elif isinstance(node, ast.Import):
                for a in node.names:
                    local[a.asname or a.name.split(".")[0]] = a.name
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                local[node.name] = f"{module}.{node.name}"
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for a in node.names:  # imports inside functions too
                    local.setdefault(a.asname or a.name, f"{node.module}.{a.name}")
        names[module] = local
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                funcs[f"{module}.{node.name}"] = node
            elif isinstance(node, ast.ClassDef):
                for sub in node.body:
                    if isinstance(sub, ast.FunctionDef):
                        funcs[f"{module}.{node.name}.{sub.name}"] = sub

    def direct(fn) -> bool:
        for call in _calls(fn):
            f = call.func
            if isinstance(f, ast.Name) and f.id in _ALWAYS:
                return True
            if isinstance(f, ast.Attribute):
                if f.attr in _ALWAYS:
                    return True
                receiver = f.value
                if f.attr in _QUERY and (
                    isinstance(receiver, ast.Call)
                    or (isinstance(receiver, ast.Attribute) and receiver.attr == "objects")
                ):
                    return True
                if f.attr in _RELATION and isinstance(receiver, ast.Attribute):
                    return True
        return False

    def callees(qual: str, fn) -> set[str]:
        module = qual.rsplit(".", 1)[0] if qual.count(".") else qual
        while module not in names and "." in module:
            module = module.rsplit(".", 1)[0]
        local = names.get(module, {})
        out = set()
        for call in _calls(fn):
            f = call.func
            if isinstance(f, ast.Name) and f.id in local:
                out.add(local[f.id])
            elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
                target = local.get(f.value.id)
                if target:
                    out.add(f"{target}.{f.attr}")
        return out

    found = {q for q, fn in funcs.items() if direct(fn)}
    edges = {q: callees(q, fn) for q, fn in funcs.items()}
    changed = True
    while changed:
        changed = False
        for q, targets in edges.items():
            if q not in found and targets & found:
                found.add(q)
                changed = True
    return found


def service_writers() -> set[str]:
    """The public functions of every `fupin/<app>/services.py` that write."""
    return {
        q
        for q in writers()
        if q.count(".") == 3
        and q.split(".")[2] == "services"
        and not q.rsplit(".", 1)[1].startswith("_")
    }
