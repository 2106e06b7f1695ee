"""fupin supervision escalate [--as-of DATE] [--area CODE]   (daily, cron; idempotent)
fupin supervision ensure-units [--area CODE]                  (a unit per township/village)"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fupin.core.errors import DomainError
from fupin.supervision import services
from fupin.supervision.choices import EscalationStep


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("Not a date (YYYY-MM-DD): %(value)s") % {"value": value}) from None


class Command(BaseCommand):
    help = "Escalate failed findings per unit (notice, talk, accountability); ensure units."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        esc = sub.add_parser("escalate", help="mark overdue findings and escalate failures")
        esc.add_argument("--as-of", default="", help="date YYYY-MM-DD (default: today)")
        esc.add_argument("--area", default="", help="division code (default: all)")
        units = sub.add_parser("ensure-units", help="a unit for every township and village")
        units.add_argument("--area", required=True, help="division code")

    def handle(self, *args, **opts):
        try:
            if opts["action"] == "escalate":
                as_of = _date(opts["as_of"]) if opts["as_of"] else None
                result = services.escalate(as_of=as_of, area=opts["area"])
                self.stdout.write(
                    _(
                        "%(checked)s findings checked, %(overdue)s marked overdue, "
                        "%(created)s new escalations"
                    )
                    % {
                        "checked": result.checked,
                        "overdue": result.marked_overdue,
                        "created": result.created,
                    }
                )
                for step in EscalationStep:
                    if result.by_step.get(step):
                        self.stdout.write(f"  {step.label}: {result.by_step[step]}")
            else:
                n = services.ensure_division_units(actor=None, area_code=opts["area"])
                self.stdout.write(_("%(n)s units created") % {"n": n})
        except DomainError as exc:
            raise CommandError(str(getattr(exc, "errors", "") or exc.message)) from exc
