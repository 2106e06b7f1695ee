"""`fupin snapshot create --as-of DATE [--area CODE] [--label TEXT] [--user NAME]`,
`fupin snapshot list`, `fupin snapshot verify ID`."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max, Min
from django.utils import translation
from django.utils.translation import gettext as _

from fupin.accounts.models import User
from fupin.core.errors import DomainError
from fupin.geo.models import PREFIX_LENGTH, Division, Level
from fupin.indicators import services, snapshots
from fupin.indicators.models import Snapshot
from fupin.registry.models import Household


def registry_area() -> str:
    """The smallest division holding every household (e.g. the county of a county
    deployment); "" when the registry is empty."""

    span = Household.objects.aggregate(lo=Min("village_id"), hi=Max("village_id"))
    if not span["lo"]:
        return ""
    for level in reversed(Level):
        n = PREFIX_LENGTH[level]
        if span["lo"][:n] == span["hi"][:n]:
            code = span["lo"][:n].ljust(12, "0")
            if Division.objects.filter(code=code).exists():
                return code
    return ""


class Command(BaseCommand):
    help = "Create, list and verify locked data snapshots (数据锁定)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--lang", default=settings.LANGUAGE_CODE)
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="freeze the registry as of a date")
        create.add_argument("--as-of", dest="as_of", required=True, help="YYYY-MM-DD")
        create.add_argument(
            "--area", default="", help="division code (default: the area of the whole registry)"
        )
        create.add_argument("--label", default="")
        create.add_argument("--user", default="", help="user recorded as the creator")
        sub.add_parser("list", help="list the snapshots")
        verify = sub.add_parser("verify", help="check a snapshot's files against its hashes")
        verify.add_argument("id", type=int)

    def handle(self, *args, action, lang, **opts) -> None:
        translation.activate(lang)
        getattr(self, f"do_{action}")(**opts)

    def do_create(self, *, as_of, area, label, user, **opts) -> None:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            raise CommandError(_("Not a date: %(v)s (use YYYY-MM-DD).") % {"v": as_of}) from None
        actor = None
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(_("No user %(name)s.") % {"name": user})
        if not area:
            area = actor.area_id if actor is not None and actor.area_id else registry_area()
            if not area:
                raise CommandError(_("Give --area CODE."))
        try:
            snap = services.snapshot_create(actor=actor, area_code=area, as_of=day, label=label)
        except DomainError as e:
            raise CommandError(str(e.message)) from None
        self.stdout.write(
            _(
                "Snapshot %(id)s of %(area)s as of %(day)s: %(people)s people, "
                "%(hh)s households, %(path)s"
            )
            % {
                "id": snap.pk,
                "area": snap.area_id,
                "day": snap.as_of.isoformat(),
                "people": f"{snap.people:,}",
                "hh": f"{snap.households:,}",
                "path": snapshots.directory_of(snap),
            }
        )

    def do_list(self, **opts) -> None:
        for s in Snapshot.objects.select_related("area").order_by("id"):
            self.stdout.write(
                f"{s.pk}\t{s.area_id}\t{s.area.name}\t{s.as_of.isoformat()}\t{s.people}\t"
                f"{s.households}\t{s.created_at:%Y-%m-%d %H:%M}\t{s.created_by_name}\t{s.label}"
            )

    def do_verify(self, *, id, **opts) -> None:
        snap = Snapshot.objects.filter(pk=id).first()
        if snap is None:
            raise CommandError(_("No snapshot %(id)s.") % {"id": id})
        problems = snapshots.verify(snap)
        if problems:
            raise CommandError(
                _("Snapshot %(id)s is damaged: %(p)s") % {"id": id, "p": "; ".join(problems)}
            )
        self.stdout.write(_("Snapshot %(id)s: every file matches its hash.") % {"id": id})
