"""fupin monitoring scan [--area CODE] [--no-income]
fupin monitoring disaster --area CODE --cause disaster --level serious [--evidence TEXT]"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fupin.core.errors import DomainError
from fupin.monitoring import services
from fupin.monitoring.models import RiskLevel, RiskType


class Command(BaseCommand):
    help = "Run the monitoring warning rules, or raise warnings from a disaster list."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        scan = sub.add_parser("scan", help="comparison findings and income under the threshold")
        scan.add_argument("--area", default="", help="division code (default: all)")
        scan.add_argument("--no-income", action="store_true", help="skip the income rule")
        dis = sub.add_parser("disaster", help="warn every household of an area")
        dis.add_argument("--area", required=True)
        dis.add_argument("--cause", default=RiskType.DISASTER, choices=RiskType.values)
        dis.add_argument("--level", default=RiskLevel.SERIOUS, choices=RiskLevel.values)
        dis.add_argument("--evidence", default="")

    def handle(self, *args, **opts):
        began = time.perf_counter()
        try:
            if opts["action"] == "scan":
                result = services.scan(area=opts["area"], income=not opts["no_income"])
            else:
                result = services.disaster(
                    area=opts["area"],
                    cause=opts["cause"],
                    level=opts["level"],
                    evidence=opts["evidence"],
                )
        except DomainError as exc:
            raise CommandError(str(getattr(exc, "errors", "") or exc.message)) from exc
        seconds = time.perf_counter() - began
        self.stdout.write(
            _("%(checked)s candidates, %(created)s new warnings in %(seconds).1f s")
            % {"checked": result.checked, "created": result.created, "seconds": seconds}
        )
        for source, n in sorted(result.by_source.items()):
            self.stdout.write(f"  {source}: {n}")
