"""Locked snapshots: frozen from history, read back with the same figures, never
changed afterwards, refused when tampered with or when the directory exists."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from conftest import VILLAGE, give_status
from fupin.core.errors import NotAllowed, OutsideArea
from fupin.core.models import ChangeRecord
from fupin.indicators import services, snapshots
from fupin.indicators.selectors import figures
from fupin.indicators.tests.conftest import AS_OF, at
from fupin.registry import choices as c

COUNTY = "431129000000"


def _make(users, day=AS_OF):
    return services.snapshot_create(actor=users["county"], area_code="431129", as_of=day)


def test_snapshot_files_manifest_and_record(crafted, users):
    snap = _make(users)
    path = snapshots.directory_of(snap)
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["as_of"] == "2023-06-30" and manifest["area"] == COUNTY
    assert manifest["created_by"] == "county"
    assert manifest["files"]["households"]["rows"] == snap.households == 8
    assert manifest["files"]["people"]["rows"] == snap.people == 15
    for info in manifest["files"].values():
        assert len(info["sha256"]) == 64 and (path / info["file"]).exists()
    assert snapshots.verify(snap) == []
    assert ChangeRecord.objects.filter(object_type="indicators.snapshot", object_id=str(snap.pk))


def test_figures_from_snapshot_equal_history_and_never_change(crafted, users):
    snap = _make(users)
    from_history = figures(COUNTY, as_of=AS_OF, depth=2)
    from_snapshot = figures(COUNTY, snapshot=snap, depth=2)
    assert [(n.code, n.values) for n in from_snapshot] == [(n.code, n.values) for n in from_history]
    # A part of the county read from the county's snapshot.
    village = figures(VILLAGE, snapshot=snap, depth=0)[0]
    assert village.values == figures(VILLAGE, as_of=AS_OF, depth=0)[0].values
    assert village.values["poor_people"] == 3
    # A late correction to the registry, dated inside the snapshot's period.
    with at(dt.date(2023, 6, 15)):
        give_status(crafted.h4, c.HouseholdStatus.EXITED, crafted.h4.status_year)
    snapshots.clear_cache()
    again = figures(COUNTY, snapshot=snap.pk, depth=2)
    assert [(n.code, n.values) for n in again] == [(n.code, n.values) for n in from_snapshot]
    # History itself now says something else for that date.
    assert figures(COUNTY, as_of=AS_OF, depth=0)[0].values["poor_people"] == 8
    assert again[0].values["poor_people"] == 9


def test_tampered_snapshot_is_refused(crafted, users):
    snap = _make(users)
    path = snapshots.directory_of(snap) / "people.parquet"
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    snapshots.clear_cache()
    assert snapshots.verify(snap) == ["people: sha256 differs"]
    with pytest.raises(snapshots.SnapshotCorrupt):
        figures(COUNTY, snapshot=snap)


def test_swapped_manifest_is_refused(crafted, users):
    snap = _make(users)
    manifest = snapshots.directory_of(snap) / "manifest.json"
    manifest.chmod(0o644)
    text = manifest.read_text().replace('"2023-06-30"', '"2023-06-29"')
    manifest.write_text(text)
    snapshots.clear_cache()
    assert snapshots.verify(snap)
    with pytest.raises(snapshots.SnapshotCorrupt):
        figures(COUNTY, snapshot=snap)


def test_existing_directory_is_never_overwritten(crafted, users, tmp_path, monkeypatch):
    existing = tmp_path / "taken"
    existing.mkdir()
    (existing / "keep.txt").write_text("not ours")
    monkeypatch.setattr(snapshots, "directory_of", lambda snap: existing)
    with pytest.raises(snapshots.SnapshotError):
        _make(users)
    assert [p.name for p in existing.iterdir()] == ["keep.txt"]
    assert (existing / "keep.txt").read_text() == "not ours"
    from fupin.indicators.models import Snapshot

    assert not Snapshot.objects.exists()  # the row was rolled back


def test_snapshot_rights(crafted, users):
    with pytest.raises(NotAllowed):
        services.snapshot_create(actor=users["village"], area_code=VILLAGE, as_of=AS_OF)
    with pytest.raises(OutsideArea):
        services.snapshot_create(actor=users["other_county"], area_code="431129", as_of=AS_OF)
    with pytest.raises(snapshots.SnapshotError):
        _make(users, day=dt.date.today() + dt.timedelta(days=3))
