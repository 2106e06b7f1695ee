"""Demo data: a locked snapshot (数据锁定) of the demo county as of the end of the last
assessment year, so the indicator pages can show figures "from snapshot" next to today's.

Deterministic: the snapshot is frozen from the registry's history as of a fixed date.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from fupin.geo.models import Division
from fupin.indicators import snapshots
from fupin.indicators.models import Snapshot
from fupin.registry.models import Household

COUNTY = "431129000000"
AS_OF = dt.date(2025, 12, 31)
LABEL = "2025 年度考核数据锁定（演示）"


def build_demo(*, seed: int, log: Callable[[str], None] | None = None) -> None:
    area = COUNTY if Division.objects.filter(code=COUNTY).exists() else None
    if area is None or not Household.objects.in_area(area[:6]).exists():
        return
    day = min(AS_OF, timezone.localdate())
    snap = snapshots.create(actor=None, area_code=area, as_of=day, label=LABEL)
    if log:
        log(
            f"Indicators: snapshot {snap.pk} of {area} as of {day}: "
            f"{snap.people:,} people, {snap.households:,} households"
        )


def wipe_demo() -> None:
    with transaction.atomic():
        for snap in Snapshot.objects.filter(label=LABEL):
            path = snapshots.directory_of(snap)
            snap.delete()
            if path.exists():
                for file in path.iterdir():
                    file.chmod(0o644)
                shutil.rmtree(path, ignore_errors=True)
    snapshots.clear_cache()
