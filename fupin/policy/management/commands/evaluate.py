"""fupin evaluate --household ID|NUMBER [--test inclusion|exit] [--year Y]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from fupin.policy.evaluation import EXIT, INCLUSION, evaluate_household
from fupin.registry.models import Household

SIGN = {"met": "✓", "not_met": "✗", "unknown": "?"}


class Command(BaseCommand):
    help = "Show the decision of the current policy for a household, clause by clause."

    def add_arguments(self, parser):
        parser.add_argument("--household", required=True, help="household id or number")
        parser.add_argument("--test", choices=[INCLUSION, EXIT], default=None)
        parser.add_argument("--year", type=int)
        parser.add_argument("--language", default="zh-hans")

    def handle(self, *args, **opts):
        translation.activate(opts["language"])
        key = opts["household"]
        h = Household.objects.filter(number=key).first()
        if h is None and key.isdigit() and len(key) < 12:
            h = Household.objects.filter(pk=int(key)).first()
        if h is None:
            raise CommandError(_("No household %(key)s.") % {"key": key})
        tests = [opts["test"]] if opts["test"] else [INCLUSION, EXIT]
        for test in tests:
            d = evaluate_household(h, test=test, year=opts["year"])
            verdict = {True: _("eligible"), False: _("not eligible"), None: _("undecided")}
            title = _("Inclusion test") if test == INCLUSION else _("Exit test")
            self.stdout.write(f"{h.number} {title}: {verdict[d.eligible]} ({d.policy_label})")
            for c in d.clauses:
                values = ", ".join(f"{k}={v}" for k, v in c.values.items())
                self.stdout.write(f"  {SIGN[c.outcome]} {c.code} {c.text}")
                if values or c.source:
                    self.stdout.write(f"      {values}  [{c.source}]")
            if d.deciding:
                self.stdout.write(
                    "  " + _("Undecided until known: %(codes)s") % {"codes": ", ".join(d.deciding)}
                )
