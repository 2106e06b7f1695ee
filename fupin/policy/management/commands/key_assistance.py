"""fupin key-assistance --area CODE [--on DATE]: the households flagged for key
assistance (重点帮扶对象) per village, by the criteria of the policy in force (the
column form of the flag)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from fupin.geo.models import Division
from fupin.policy.selectors import key_assistance_counts


class Command(BaseCommand):
    help = "Count the households each village's policy flags for key assistance."

    def add_arguments(self, parser):
        parser.add_argument("--area", required=True, help="division code or prefix")
        parser.add_argument(
            "--on", type=dt.date.fromisoformat, help="the policy in force on (default today)"
        )
        parser.add_argument("--language", default="zh-hans")

    def handle(self, *args, **opts):
        translation.activate(opts["language"])
        rows = key_assistance_counts(opts["area"], on=opts["on"])
        names = dict(
            Division.objects.filter(code__in=rows.get_column("village_id").to_list()).values_list(
                "code", "name"
            )
        )
        total = flagged = 0
        for r in rows.iter_rows(named=True):
            total += r["households"]
            flagged += r["flagged"]
            self.stdout.write(
                f"{r['village_id']} {names.get(r['village_id'], '')}: "
                + _("%(flagged)s of %(households)s households flagged")
                % {"flagged": r["flagged"], "households": r["households"]}
                + (f" ({', '.join(r['codes'])})" if r["codes"] else "")
            )
        self.stdout.write(
            _("Total: %(flagged)s of %(households)s households flagged")
            % {"flagged": flagged, "households": total}
        )
