"""`fupin indicators --area CODE [--as-of DATE | --snapshot ID] [--depth N]
[--format text|json|xlsx] [--out FILE]`."""

from __future__ import annotations

import datetime as dt
import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from fupin.indicators import reports
from fupin.indicators.models import Snapshot
from fupin.indicators.selectors import UnknownArea, figures
from fupin.indicators.snapshots import SnapshotError


class Command(BaseCommand):
    help = "Print or write the indicators of an area and its children."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--area", required=True, help="division code (e.g. 431129)")
        parser.add_argument("--as-of", dest="as_of", help="date YYYY-MM-DD (default today)")
        parser.add_argument("--snapshot", type=int, help="read a locked snapshot by id")
        parser.add_argument("--depth", type=int, default=1, help="levels of children")
        parser.add_argument("--format", choices=["text", "json", "xlsx"], default="text")
        parser.add_argument("--out", help="write to this file (required for xlsx)")
        parser.add_argument("--lang", default=settings.LANGUAGE_CODE, help="language (zh-hans, en)")

    def handle(self, *args, area, as_of, snapshot, depth, format, out, lang, **opts) -> None:
        translation.activate(lang)
        day = None
        if as_of:
            try:
                day = dt.date.fromisoformat(as_of)
            except ValueError:
                raise CommandError(
                    _("Not a date: %(v)s (use YYYY-MM-DD).") % {"v": as_of}
                ) from None
        if day and snapshot:
            raise CommandError(_("Give either --as-of or --snapshot, not both."))
        if format == "xlsx" and not out:
            raise CommandError(_("--format xlsx needs --out FILE."))
        if depth < 0:
            raise CommandError(_("--depth cannot be negative."))
        try:
            snap = Snapshot.objects.get(pk=snapshot) if snapshot else None
            nodes = figures(area, as_of=day, snapshot=snap, depth=depth)
        except Snapshot.DoesNotExist:
            raise CommandError(_("No snapshot %(id)s.") % {"id": snapshot}) from None
        except UnknownArea:
            raise CommandError(_("No division with code %(code)s.") % {"code": area}) from None
        except SnapshotError as e:
            raise CommandError(str(e.message)) from None
        meta = reports.meta(nodes, as_of=day, snapshot=snap)
        if format == "xlsx":
            reports.write_xlsx(nodes, meta, out)
            self.stderr.write(_("Wrote %(path)s.") % {"path": out})
            return
        if format == "json":
            text = json.dumps(reports.as_dict(nodes, meta), ensure_ascii=False, indent=1)
        else:
            text = reports.as_text(nodes, meta)
        if out:
            with open(out, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
            self.stderr.write(_("Wrote %(path)s.") % {"path": out})
        else:
            sys.stdout.flush()
            self.stdout.write(text)
