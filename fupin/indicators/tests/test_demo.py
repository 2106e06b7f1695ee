"""The demo's locked snapshot: built from history, removed by wipe_demo."""

from __future__ import annotations

from fupin.indicators import demo, snapshots
from fupin.indicators.models import Snapshot


def test_build_and_wipe(crafted):
    demo.build_demo(seed=1, log=None)
    snap = Snapshot.objects.get()
    assert snap.label == demo.LABEL and snap.area_id == demo.COUNTY
    assert snap.households == 8  # every crafted household existed by the end of 2025
    path = snapshots.directory_of(snap)
    assert snapshots.verify(snap) == []
    demo.wipe_demo()
    assert not Snapshot.objects.exists()
    assert not path.exists()


def test_nothing_without_a_registry(tree):
    demo.build_demo(seed=1, log=None)
    assert not Snapshot.objects.exists()
