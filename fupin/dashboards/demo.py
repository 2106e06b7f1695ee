"""Demo hook of the dashboards. They show the indicators of the demo registry and hold
no demo data of their own, but what they keep is derived from that registry: the figures
of past years (YearFigures, checked against the newest change record id, which SQLite
hands out again after a wipe) and the reports made from it. A rebuilt demo starts
without them; loaded boundaries are configuration and stay.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from fupin.dashboards import maps
from fupin.dashboards.models import ReportDownload, ReportRun, YearFigures


def build_demo(*, seed: int, log: Callable[[str], None] | None = None) -> None:
    """Nothing to build: the first visit to a dashboard reads past years back from
    history in the background (about 15 s for the demo county) and keeps them."""


def wipe_demo() -> None:
    with transaction.atomic():
        ReportDownload.objects.all().delete()
        ReportRun.objects.all().delete()
        YearFigures.objects.all().delete()
    shutil.rmtree(Path(settings.VAR_DIR) / "reports", ignore_errors=True)
    maps._SCHEMATIC.clear()
    cache.clear()  # today's figures are cached under change record ids that come again
