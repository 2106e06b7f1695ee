"""The household file from the command line:

fupin dossier checklist [--area CODE]                       the checklist in force, as JSON
fupin dossier checklist --area CODE --set FILE.json --user NAME [--from DATE] [--note TEXT]
fupin dossier completeness --area CODE [--user NAME]        households complete per village
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts.models import User
from fupin.core.errors import DomainError
from fupin.dossier import selectors, services
from fupin.geo.codes import significant_prefix


def _user(name: str) -> User:
    user = User.objects.filter(username=name, is_active=True).first()
    if user is None:
        raise CommandError(_("No active user %(name)s.") % {"name": name})
    return user


class Command(BaseCommand):
    help = "The household file (一户一档): the checklist of a region, completeness."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        c = sub.add_parser("checklist", help="show or set the checklist of a region")
        c.add_argument("--area", default="", help="a division code (default: national)")
        c.add_argument("--set", dest="file", default="", help="a JSON list of items to set")
        c.add_argument("--from", dest="day", type=dt.date.fromisoformat, default=None)
        c.add_argument("--note", default="")
        c.add_argument("--user", default="", help="who sets it (a county office user)")
        p = sub.add_parser("completeness", help="households with a complete file, per village")
        p.add_argument("--area", required=True)
        p.add_argument("--user", default="", help="read as this user (default: everything)")

    def handle(self, *args, **opts):
        if opts["action"] == "checklist":
            return self.checklist(opts)
        return self.completeness(opts)

    def checklist(self, opts):
        area = opts["area"]
        if not opts["file"]:
            current = selectors.checklist_for(area.ljust(12, "0") if area else "")
            if current is None:
                raise CommandError(_("No checklist is in force for this area."))
            items = [
                {"status": i.status, "document": i.document, "title": i.title, "sources": i.sources}
                for i in current.items.all()
            ]
            self.stdout.write(
                json.dumps(
                    {
                        "region": current.region_id,
                        "effective_from": current.effective_from.isoformat(),
                        "items": items,
                    },
                    ensure_ascii=False,
                    indent=1,
                )
            )
            return
        if not opts["user"]:
            raise CommandError(_("Name the user who sets the checklist (--user)."))
        try:
            items = json.loads(Path(opts["file"]).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if isinstance(items, dict):
            items = items.get("items", [])
        try:
            checklist = services.checklist_create(
                actor=_user(opts["user"]),
                region_code=area or None,
                effective_from=opts["day"] or timezone.localdate(),
                items=items,
                note=opts["note"],
            )
        except DomainError as exc:
            raise CommandError(str(getattr(exc, "errors", "") or exc.message)) from exc
        self.stdout.write(
            _("Checklist %(id)s of %(area)s: %(n)s items, in force from %(day)s.")
            % {
                "id": checklist.pk,
                "area": area or "—",
                "n": len(items),
                "day": checklist.effective_from,
            }
        )

    def completeness(self, opts):
        user = _user(opts["user"]) if opts["user"] else User(is_superuser=True, role="sysadmin")
        began = time.perf_counter()
        result = selectors.completeness(
            user=user,
            prefix=significant_prefix(opts["area"].ljust(12, "0")),
            with_households=False,
        )
        for v in result.villages:
            self.stdout.write(f"{v.code} {v.name}: {v.complete}/{v.total}")
        self.stdout.write(
            _("%(n)s villages in %(seconds).2f s")
            % {"n": len(result.villages), "seconds": time.perf_counter() - began}
        )
