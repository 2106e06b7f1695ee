"""fupin scoring performance [--scheme ID] [--start DATE --end DATE] [--user NAME]
fupin scoring assess [--scheme ID] [--user NAME]

Computes and keeps the performance ranking of a scheme (all schemes by default) for a
period (default: the scheme's year) and prints the table."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from fupin.accounts.models import User
from fupin.core.errors import DomainError
from fupin.scoring import selectors, services
from fupin.scoring.models import AssessmentScheme, PerformanceScheme


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Compute the performance ranking of a scheme for a period and keep it."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        perf = sub.add_parser("performance", help="compute and keep a ranking")
        perf.add_argument("--scheme", type=int, help="scheme id (default: every scheme)")
        perf.add_argument("--start", type=_date, help="period start (default: 1 January)")
        perf.add_argument("--end", type=_date, help="period end (default: 31 December)")
        perf.add_argument("--user", default="", help="computed by this user (default: system)")
        assess = sub.add_parser(
            "assess", help="compute and keep the yearly assessment of cadres or work teams"
        )
        assess.add_argument("--scheme", type=int, help="scheme id (default: every current one)")
        assess.add_argument("--user", default="", help="computed by this user (default: system)")

    def handle(self, *args, **opts):
        actor = None
        if opts["user"]:
            actor = User.objects.filter(username=opts["user"]).first()
            if actor is None:
                raise CommandError(f"no such user: {opts['user']}")
        if opts["action"] == "assess":
            self.assess(actor, opts["scheme"])
            return
        schemes = PerformanceScheme.objects.order_by("pk")
        if opts["scheme"]:
            schemes = schemes.filter(pk=opts["scheme"])
            if not schemes.exists():
                raise CommandError(f"no such scheme: {opts['scheme']}")
        for scheme in schemes:
            d_start, d_end = selectors.default_period(scheme)
            start, end = opts["start"] or d_start, opts["end"] or d_end
            began = time.perf_counter()
            try:
                run = services.performance_compute(actor=actor, scheme=scheme, start=start, end=end)
            except DomainError as exc:
                raise CommandError(str(getattr(exc, "errors", "") or exc.message)) from exc
            seconds = time.perf_counter() - began
            self.stdout.write(f"{scheme} {start}–{end}: run {run.pk} in {seconds:.1f} s")
            self.print_run(run)

    def print_run(self, run) -> None:
        _specs, ranking = selectors.run_ranking(run)
        for row in ranking.rows:
            rank = "—" if row.rank is None else f"{row.rank}{'=' if row.tied else ''}"
            missing = f"  no data: {', '.join(row.missing)}" if row.missing else ""
            total = "—" if row.total is None else str(row.total)
            self.stdout.write(f"  {rank:>4} {row.subject.name}  {total}{missing}")
        if ranking.no_data:
            self.stdout.write(f"  no data for anyone: {', '.join(ranking.no_data)}")

    def assess(self, actor, scheme_id) -> None:
        schemes = AssessmentScheme.objects.filter(is_current=True).order_by("pk")
        if scheme_id:
            schemes = AssessmentScheme.objects.filter(pk=scheme_id)
            if not schemes.exists():
                raise CommandError(f"no such assessment scheme: {scheme_id}")
        for scheme in schemes:
            began = time.perf_counter()
            try:
                run = services.assessment_compute(actor=actor, scheme=scheme)
            except DomainError as exc:
                raise CommandError(str(getattr(exc, "errors", "") or exc.message)) from exc
            seconds = time.perf_counter() - began
            counts = Counter(run.results.values_list("rating", flat=True))
            classes = ", ".join(f"{k or 'no data'} {n}" for k, n in sorted(counts.items()))
            self.stdout.write(
                f"{scheme} ({scheme.year}): run {run.pk}, {run.results.count()} results "
                f"in {seconds:.1f} s: {classes}"
            )
