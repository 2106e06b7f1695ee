"""fupin monitoring scan [--area CODE] [--no-income]
fupin monitoring disaster --area CODE --cause disaster --level serious [--evidence TEXT]
fupin monitoring grade --area CODE --round NAME [--as-of DATE] [--dry-run] [--user NAME]
fupin monitoring grade --area CODE --compare ROUND_A ROUND_B
fupin monitoring grade-rules [--area CODE] [--set FILE.json --note TEXT]"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fupin.accounts.models import User
from fupin.core.errors import DomainError
from fupin.monitoring import grading, services
from fupin.monitoring.models import GradeColour, GradingRound, RiskLevel, RiskType


def _source(code: str) -> str:
    """Whose rules: a region's code, the national row or the code's defaults."""
    if code == "default":
        return _("the code's defaults")
    return code or _("national")


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
        grade = sub.add_parser(
            "grade", help="grade every exited or monitored household of an area (a round)"
        )
        grade.add_argument("--area", required=True, help="division code")
        grade.add_argument("--round", default="", help="the new round's name, e.g. '2025 H1'")
        grade.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD")
        grade.add_argument("--dry-run", action="store_true", help="compute and count only")
        grade.add_argument(
            "--user", default="", help="the user the round is recorded as run by (default: system)"
        )
        grade.add_argument(
            "--compare", nargs=2, metavar=("ROUND_A", "ROUND_B"), help="compare two rounds"
        )
        rules = sub.add_parser("grade-rules", help="show or set the grading rules of a region")
        rules.add_argument("--area", default="", help="division code (empty: national)")
        rules.add_argument("--set", type=Path, default=None, help="a JSON file of rules")
        rules.add_argument("--note", default="")

    def handle(self, *args, **opts):
        if opts["action"] == "grade":
            return self.grade(opts)
        if opts["action"] == "grade-rules":
            return self.grade_rules(opts)
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

    def grade(self, opts):
        if opts["compare"]:
            return self.compare(opts["area"], *opts["compare"])
        if not opts["round"]:
            raise CommandError(_("Name the round (--round) or compare two (--compare)."))
        actor = None
        if opts["user"]:
            actor = User.objects.filter(username=opts["user"], is_active=True).first()
            if actor is None:
                raise CommandError(_("No active user %(name)s.") % {"name": opts["user"]})
        try:
            r = grading.grade_round(
                area=opts["area"],
                name=opts["round"],
                as_of=opts["as_of"],
                actor=actor,
                dry_run=opts["dry_run"],
            )
        except DomainError as exc:
            raise CommandError(str(getattr(exc, "errors", "") or exc.message)) from exc
        labels = dict(GradeColour.choices)
        self.stdout.write(
            _("%(n)s households graded in %(seconds).2f s (rules: %(source)s)%(dry)s")
            % {
                "n": r.households,
                "seconds": r.seconds,
                "source": _source(r.rules_source),
                "dry": _(", dry run: nothing written") if opts["dry_run"] else "",
            }
        )
        for colour in GradeColour.values:
            self.stdout.write(f"  {labels[colour]}: {r.counts[colour]}")
        if r.missing_signals:
            self.stdout.write(
                _("Signals no app offers (their rules never fire): %(names)s")
                % {"names": ", ".join(r.missing_signals)}
            )

    def compare(self, area: str, name_a: str, name_b: str):
        found = {
            r.name: r for r in GradingRound.objects.filter(area_id=area, name__in=[name_a, name_b])
        }
        for name in (name_a, name_b):
            if name not in found:
                raise CommandError(
                    _("No round %(name)s of %(area)s.") % {"name": name, "area": area}
                )
        c = grading.compare(found[name_a], found[name_b])
        colours = GradeColour.values
        labels = dict(GradeColour.choices)
        self.stdout.write(
            _(
                "%(up)s moved up, %(down)s moved down, %(same)s unchanged; %(only_a)s only in "
                "%(a)s, %(only_b)s only in %(b)s."
            )
            % {
                "up": len(c.up),
                "down": len(c.down),
                "same": c.same,
                "only_a": c.only_a,
                "only_b": c.only_b,
                "a": name_a,
                "b": name_b,
            }
        )
        self.stdout.write("\t".join([_("village"), _("round"), *(str(labels[k]) for k in colours)]))
        for code, v in c.villages.items():
            for side, name in (("a", name_a), ("b", name_b)):
                self.stdout.write("\t".join([code, name, *[str(v[side][k]) for k in colours]]))
        for side, name in (("a", name_a), ("b", name_b)):
            totals = c.totals(side)
            self.stdout.write("\t".join([_("total"), name, *[str(totals[k]) for k in colours]]))

    def grade_rules(self, opts):
        area = opts["area"] or None
        if opts["set"] is None:
            rules, source = grading.rules_for(opts["area"])
            labels = dict(GradeColour.choices)
            self.stdout.write(_("Rules of %(source)s:") % {"source": _source(source)})
            for rule in rules["rules"]:
                colour = labels.get(rule["colour"], rule["colour"])
                self.stdout.write(f"  {rule['id']}\t{colour}\t{grading.describe(rule)}")
            self.stdout.write(json.dumps(rules, ensure_ascii=False, indent=2))
            return
        try:
            rules = json.loads(opts["set"].read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        try:
            grading.rules_set(actor=None, region=area, rules=rules, note=opts["note"])
        except DomainError as exc:
            errors = getattr(exc, "errors", {})
            lines = [e for field_errors in errors.values() for e in field_errors]
            raise CommandError("\n".join(lines) or str(exc.message)) from exc
        self.stdout.write(_("Saved."))
