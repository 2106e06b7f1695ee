"""fupin policy_example jianghua|honghe --region CODE --user NAME [--year Y]
fupin policy_example --provincial-lines --region 430000000000 --user NAME

A new policy version of the region with an example's exclusion clauses, combining rule and
key-assistance criteria (examples compiled from the domain reference, fupin.policy.seeds),
or the province's own lines (the demo county's province)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from fupin.accounts.models import User
from fupin.core.errors import DomainError
from fupin.policy import seeds


class Command(BaseCommand):
    help = "Start a region's policy from an example (clauses, combining rule, key assistance)."

    def add_arguments(self, parser):
        parser.add_argument("example", nargs="?", choices=sorted(seeds.EXAMPLES))
        parser.add_argument("--region", required=True, help="12-digit division code")
        parser.add_argument("--user", required=True, help="who makes the change (recorded)")
        parser.add_argument("--year", type=int, default=dt.date.today().year)
        parser.add_argument("--provincial-lines", action="store_true")

    def handle(self, *args, **opts):
        actor = User.objects.filter(username=opts["user"]).first()
        if actor is None:
            raise CommandError(f"no user {opts['user']}")
        try:
            if opts["provincial_lines"]:
                made = seeds.seed_provincial_lines(actor=actor, province=opts["region"])
                for p in made:
                    self.stdout.write(f"{p} {p.income_line}")
                return
            if not opts["example"]:
                raise CommandError("name an example or --provincial-lines")
            p = seeds.apply_example(
                actor=actor, name=opts["example"], region=opts["region"], year=opts["year"]
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"{p}: {len(p.exclusions)} clauses")
