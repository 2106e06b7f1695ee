"""fupin assistance assign [--area CODE] [--apply] [--user USERNAME] [--date YYYY-MM-DD]"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from fupin.accounts.models import User
from fupin.assistance import selectors, services
from fupin.assistance.models import Cadre
from fupin.core.errors import DomainError
from fupin.geo.models import Division
from fupin.registry.models import Household


class Command(BaseCommand):
    help = "Assistance: propose (and with --apply create) pairings for unpaired households."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        a = sub.add_parser("assign", help="optimal pairing of unpaired households")
        a.add_argument("--area", default="", help="division code (default: all)")
        a.add_argument("--apply", action="store_true", help="create the pairings")
        a.add_argument("--user", default="", help="run as this user (default: system)")
        a.add_argument("--date", default="", help="start date of the pairings (default: today)")

    def handle(self, *args, **opts):
        actor = None
        if opts["user"]:
            actor = User.objects.filter(username=opts["user"]).select_related("area").first()
            if actor is None:
                raise CommandError(_("No user %(name)s.") % {"name": opts["user"]})
        prefix = ""
        if opts["area"]:
            division = Division.objects.filter(code=opts["area"].ljust(12, "0")).first()
            if division is None:
                raise CommandError(_("No division %(code)s.") % {"code": opts["area"]})
            prefix = division.prefix
        start = dt.date.fromisoformat(opts["date"]) if opts["date"] else dt.date.today()
        proposal = selectors.propose(area_prefix=prefix)
        households = Household.objects.in_bulk([p[0] for p in proposal.pairs] + proposal.uncovered)
        cadres = Cadre.objects.in_bulk([p[1] for p in proposal.pairs])
        for hid, cid, kind, cost in proposal.pairs:
            self.stdout.write(
                f"{households[hid].number}\t{households[hid].village_id}\t"
                f"{cadres[cid].name}\t{cadres[cid].home_area_id}\t{kind}\t{cost}"
            )
        for hid in proposal.uncovered:
            self.stdout.write(_("Not covered: %(number)s") % {"number": households[hid].number})
        self.stdout.write(
            _("%(paired)s households paired, %(uncovered)s not covered, total cost %(cost)s.")
            % {
                "paired": len(proposal.pairs),
                "uncovered": len(proposal.uncovered),
                "cost": proposal.total_cost,
            }
        )
        if not proposal.exact:
            self.stdout.write(_("Solved township by township: not guaranteed optimal."))
        if opts["apply"]:
            try:
                with transaction.atomic():
                    created = services.apply_proposal(
                        actor=actor, proposal=proposal, start_date=start, reason="assignment"
                    )
            except DomainError as exc:
                raise CommandError(str(exc.message)) from None
            self.stdout.write(_("%(count)s pairings created.") % {"count": len(created)})
