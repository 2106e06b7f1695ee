"""`fupin risk_evaluate`: the risk model judged on held-out households."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fupin.monitoring.scoring.evaluate import evaluate, report


class Command(BaseCommand):
    help = "Evaluate the return-to-poverty risk model on held-out households."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--area", default="", help="division code prefix")
        parser.add_argument("--seed", type=int, default=0, help="seed of the household split")
        parser.add_argument("--test-share", type=float, default=0.3)

    def handle(self, *args, **opts) -> None:
        try:
            ev = evaluate(opts["area"], seed=opts["seed"], test_share=opts["test_share"])
        except ValueError as exc:
            raise CommandError(_("Cannot evaluate: %(error)s") % {"error": exc}) from exc
        for line in report(ev):
            self.stdout.write(line)
