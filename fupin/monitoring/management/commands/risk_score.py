"""`fupin risk_score`: monitored and recently exited households ranked by the probability
of returning to poverty within a year, with their top factors."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fupin.monitoring.scoring import MODEL, score


class Command(BaseCommand):
    help = "Rank monitored and recently exited households by risk of returning to poverty."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--area", default="", help="division code prefix")
        parser.add_argument("--top", type=int, default=20)
        parser.add_argument("--year", type=int, default=None, help="as of this income year")

    def handle(self, *args, **opts) -> None:
        result = score(opts["area"], year=opts["year"], top=opts["top"])
        if result.model.kind == MODEL:
            self.stdout.write(
                _("Model: logistic regression trained on %(n)d exits (%(pos)d returned)")
                % {"n": result.model.n_examples, "pos": result.model.n_positives}
            )
        else:
            self.stdout.write(
                _("Too little history (%(n)d exits, %(pos)d returned): rule-based points")
                % {"n": result.model.n_examples, "pos": result.model.n_positives}
            )
        self.stdout.write(
            _("%(n)d households scored as of %(year)d") % {"n": result.scored, "year": result.year}
        )
        header = (_("Rank"), _("Household"), _("Village"), _("Status"), _("Risk"), _("Factors"))
        self.stdout.write("\t".join(str(h) for h in header))
        for i, row in enumerate(result.rows, 1):
            self.stdout.write(
                f"{i}\t{row.number}\t{row.village}\t{row.status}\t{row.probability:.3f}\t"
                f"{row.explanation}"
            )
