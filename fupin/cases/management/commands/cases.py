"""fupin cases open-batch --village CODE --kind exit [--user NAME] [--date YYYY-MM-DD]
fupin cases advance-notices [--date YYYY-MM-DD]   (cron-able, daily)"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts.models import User
from fupin.accounts.roles import Role
from fupin.cases import services
from fupin.cases.area import services as area_services
from fupin.core.errors import DomainError


def _date(value: str | None) -> dt.date:
    if not value:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("Give the date as YYYY-MM-DD.")) from None


class Command(BaseCommand):
    help = "Case workflows: open a village's batch of cases; move on expired public notices."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        batch = sub.add_parser("open-batch", help="open the cases of a village's list")
        batch.add_argument("--village", required=True, help="12-digit village code")
        batch.add_argument("--kind", default="exit", choices=["exit", "removal"])
        batch.add_argument("--user", default="", help="open as this user (default: a county user)")
        batch.add_argument("--date", default="", help="the day (default: today)")
        batch.add_argument("--note", default="")
        notices = sub.add_parser("advance-notices", help="move on cases whose notice ended")
        notices.add_argument("--date", default="", help="the day (default: today)")

    def handle(self, *args, **opts):
        today = _date(opts.get("date"))
        if opts["action"] == "advance-notices":
            moved = services.advance_expired_notices(today)
            self.stdout.write(_("%(n)s cases moved on.") % {"n": moved})
            area_moved = area_services.advance_area_notices(today)
            self.stdout.write(_("%(n)s village or county exit cases moved on.") % {"n": area_moved})
            return
        actor = self._actor(opts["user"], opts["village"])
        try:
            batch, opened, skipped = services.batch_open(
                actor=actor,
                village_code=opts["village"],
                kind=opts["kind"],
                note=opts["note"],
                today=today,
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(
            _("Batch %(id)s: %(n)s cases opened, %(s)s households skipped.")
            % {"id": batch.pk, "n": len(opened), "s": len(skipped)}
        )
        for h, reason in skipped:
            self.stdout.write(f"  {h.number}: {reason}")

    def _actor(self, username: str, village: str) -> User:
        if username:
            actor = User.objects.filter(username=username).select_related("area").first()
            if actor is None:
                raise CommandError(_("No user %(name)s.") % {"name": username})
            return actor
        county = village[:6].ljust(12, "0")
        actor = User.objects.filter(role=Role.COUNTY_OFFICE, area_id=county, is_active=True).first()
        if actor is None:
            raise CommandError(_("No county office user for this village: give --user."))
        return actor
