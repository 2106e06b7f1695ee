"""Locked data snapshots (数据锁定): the indicator frames as of a date, frozen as Parquet.

Layout of VAR_DIR/snapshots/<id>-<as-of>-<random>/::

    people.parquet       one row per person in a household on the as-of date
    households.parquet   one row per household (status at the start and end of the period…)
    villages.parquet     rural population and data-quality counts per village
    divisions.parquet    the area's division tree (code, name, level) at creation
    manifest.json        snapshot id, area, as-of, period start, created by/at, row counts,
                         the SHA-256 and size of every file

The Snapshot row keeps the manifest's SHA-256, so the manifest cannot be swapped either.
Files are written to a temporary directory and renamed into place; an existing directory
is never overwritten. Every read checks every hash, so figures read from a snapshot are
the figures it was created with, or an error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from collections import OrderedDict
from pathlib import Path
from threading import Lock

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.models import User
from fupin.core.errors import DomainError, OutsideArea
from fupin.core.history import created
from fupin.core.models import actor_account, actor_name
from fupin.core.scope import user_covers
from fupin.geo.models import Division
from fupin.indicators import frames as fr
from fupin.indicators.models import Snapshot
from fupin.monitoring.models import RiskLevel
from fupin.registry import choices as c

FILES = ("people", "households", "villages", "divisions")
# Files a snapshot written before them lacks (their figures are then None).
OPTIONAL_FILES = ("counties",)
SCHEMAS = {
    "counties": fr.COUNTY_SCHEMA,
    "people": fr.PEOPLE_SCHEMA,
    "households": fr.HOUSEHOLD_SCHEMA,
    "villages": fr.VILLAGE_SCHEMA,
    "divisions": fr.DIVISION_SCHEMA,
}
FORMAT = 1
# The people file keeps person and household ids (for audit); figures do not need them.
READ_COLUMNS = {"people": [c for c in fr.PEOPLE_SCHEMA if c not in ("person_id", "household_id")]}


class SnapshotError(DomainError):
    code = "snapshot_error"
    status = 409


class SnapshotCorrupt(SnapshotError):
    code = "snapshot_corrupt"
    default_message = _("The snapshot's files do not match their recorded hashes.")


def root() -> Path:
    return Path(
        getattr(settings, "INDICATOR_SNAPSHOT_DIR", "") or Path(settings.VAR_DIR) / "snapshots"
    )


def directory_of(snapshot: Snapshot) -> Path:
    return root() / snapshot.directory


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


CODED = (
    "status",
    "monitoring_type",
    "category",
    "main_cause",
    "health",
    "labour",
    "status_start",
    "monitoring_type_start",
    "risk_level",
)


def _known(name: str) -> set[str]:
    known = {
        "status": c.HouseholdStatus.values,
        "status_start": c.HouseholdStatus.values,
        "monitoring_type": c.MonitoringType.values,
        "monitoring_type_start": c.MonitoringType.values,
        "category": c.HouseholdCategory.values,
        "main_cause": c.PovertyCause.values,
        "health": c.Health.values,
        "labour": c.LabourCapacity.values,
        "risk_level": RiskLevel.values,
    }
    return {"", *known.get(name, [])}


def encode(frame: pl.DataFrame, frames: fr.Frames) -> pl.DataFrame:
    """Coded text columns (village codes, statuses, causes…) as Enums: compact files,
    and the engine groups small integers instead of hashing millions of strings. The
    categories are the known codes and the values present, sorted."""
    out = []
    for name in frame.columns:
        if name == "village_code" or name in CODED:
            values = set(frame[name].drop_nulls().unique().to_list())
            if name == "village_code":
                values |= set(frames.villages["village_code"].to_list())
            else:
                values |= _known(name)
            out.append(pl.col(name).cast(pl.Enum(sorted(values))))
    return frame.with_columns(out) if out else frame


def write_files(frames: fr.Frames, target: Path, manifest: dict) -> str:
    """Write the frames and their manifest into a new directory `target` (which must
    not exist) and return the manifest's SHA-256."""
    if target.exists():
        raise SnapshotError(_("The snapshot directory %(path)s already exists.") % {"path": target})
    partial = target.with_name(target.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    files = {}
    for name in (*FILES, *OPTIONAL_FILES):
        frame = getattr(frames, name)
        if frame is None:
            continue
        path = partial / f"{name}.parquet"
        frame = frame.select([pl.col(k).cast(v) for k, v in SCHEMAS[name].items()])
        if name in ("people", "households"):
            # Sorted by village (then id): the engine sums contiguous runs.
            ids = "person_id" if name == "people" else "household_id"
            frame = frame.sort("village_code", ids)
        encode(frame, frames).write_parquet(path, compression="zstd", statistics=True)
        files[name] = {
            "file": path.name,
            "rows": frame.height,
            "bytes": path.stat().st_size,
            "sha256": sha256_file(path),
        }
    manifest = {
        **manifest,
        "format": FORMAT,
        "as_of": frames.as_of.isoformat(),
        "period_start": frames.period_start.isoformat(),
        "has_quality": frames.has_quality,
        "files": files,
    }
    data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
    (partial / "manifest.json").write_bytes(data)
    for path in partial.iterdir():
        path.chmod(0o444)
    try:
        # os.rename refuses to replace a non-empty directory: no overwrite, even racing.
        os.rename(partial, target)
    except OSError as e:
        shutil.rmtree(partial, ignore_errors=True)
        raise SnapshotError(
            _("The snapshot directory %(path)s already exists.") % {"path": target}
        ) from e
    return hashlib.sha256(data).hexdigest()


def create(*, actor: User | None, area_code: str, as_of: dt.date, label: str = "") -> Snapshot:
    """Freeze the area's registry as of `as_of` (read from history) into a snapshot."""

    area = Division.objects.filter(code=area_code.ljust(12, "0")).first()
    if area is None:
        raise SnapshotError(_("No division with code %(code)s.") % {"code": area_code})
    if actor is not None and not user_covers(actor, area.code):
        raise OutsideArea()
    if as_of > timezone.localdate():
        raise SnapshotError(_("A snapshot cannot be taken as of a future date."))
    frames = fr.load(area.prefix, as_of, quality=as_of == timezone.localdate())
    with transaction.atomic():
        snap = Snapshot.objects.create(
            area=area,
            as_of=as_of,
            label=label,
            directory="",
            manifest_sha256="",
            people=frames.people.height,
            households=frames.households.height,
            created_by=actor_account(actor),
            created_by_name=actor_name(actor),
        )
        # Not the row's id alone: ids start again in a new database, files stay.
        snap.directory = f"{snap.pk}-{as_of:%Y%m%d}-{uuid.uuid4().hex[:12]}"
        manifest = {
            "snapshot_id": snap.pk,
            "area": area.code,
            "area_name": area.name,
            "created_at": snap.created_at.isoformat(),
            "created_by": snap.created_by_name,
            "label": label,
        }
        snap.manifest_sha256 = write_files(frames, directory_of(snap), manifest)
        try:
            snap.save(update_fields=["directory", "manifest_sha256"])
            created(actor, snap, area_code=area.code, reason=label or "snapshot")
        except Exception:
            _remove(directory_of(snap))
            raise
    return snap


def _remove(path: Path) -> None:
    for p in path.glob("*"):
        p.chmod(0o644)
    shutil.rmtree(path, ignore_errors=True)


def read_manifest(path: Path, expected_sha256: str | None = None) -> dict:
    file = path / "manifest.json"
    if not file.exists():
        raise SnapshotCorrupt(_("The snapshot's manifest is missing."))
    data = file.read_bytes()
    if expected_sha256 is not None and hashlib.sha256(data).hexdigest() != expected_sha256:
        raise SnapshotCorrupt()
    return json.loads(data)


def verify_dir(path: Path, expected_sha256: str | None = None) -> list[str]:
    """The problems found (empty when every file matches its hash)."""
    try:
        manifest = read_manifest(path, expected_sha256)
    except SnapshotCorrupt as e:
        return [str(e.message)]
    problems = []
    for name, info in manifest["files"].items():
        file = path / info["file"]
        if not file.exists():
            problems.append(f"{name}: missing")
        elif sha256_file(file) != info["sha256"]:
            problems.append(f"{name}: sha256 differs")
    return problems


def verify(snapshot: Snapshot) -> list[str]:
    return verify_dir(directory_of(snapshot), snapshot.manifest_sha256)


_CACHE: OrderedDict[tuple[str, str], fr.Frames] = OrderedDict()
_CACHE_LOCK = Lock()
CACHE_SIZE = 2


def read_dir(path: Path, expected_sha256: str | None = None, *, cache: bool = True) -> fr.Frames:
    """The frames of a snapshot directory, after checking every hash. Verified frames
    are kept in memory (a snapshot never changes, and the key includes the manifest's
    hash)."""
    key = (str(path), expected_sha256 or "")
    if cache:
        with _CACHE_LOCK:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key]
    manifest = read_manifest(path, expected_sha256)
    data: dict[str, pl.DataFrame] = {}
    for name in (*FILES, *OPTIONAL_FILES):
        if name in OPTIONAL_FILES and name not in manifest["files"]:
            continue
        info = manifest["files"][name]
        file = path / info["file"]
        raw = file.read_bytes() if file.exists() else b""
        if hashlib.sha256(raw).hexdigest() != info["sha256"]:
            raise SnapshotCorrupt()
        data[name] = pl.read_parquet(raw, columns=READ_COLUMNS.get(name))
    frames = fr.Frames(
        as_of=dt.date.fromisoformat(manifest["as_of"]),
        period_start=dt.date.fromisoformat(manifest["period_start"]),
        people=data["people"],
        households=data["households"],
        villages=data["villages"],
        divisions=data["divisions"],
        has_quality=bool(manifest.get("has_quality")),
        meta=manifest,
        counties=data.get("counties"),
    )
    if cache:
        with _CACHE_LOCK:
            _CACHE[key] = frames
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
    return frames


def read(snapshot: Snapshot, *, cache: bool = True) -> fr.Frames:
    return read_dir(directory_of(snapshot), snapshot.manifest_sha256, cache=cache)


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()
