"""`fupin check-quality --area CODE [--format text|json|xlsx] [--out FILE]`."""

from __future__ import annotations

import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from fupin.geo.models import Division
from fupin.quality import reports
from fupin.quality.selectors import check_area, division_for_code


class Command(BaseCommand):
    help = "Run the data-quality checks over an area and report violations and scores."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--area", required=True, help="division code (e.g. 431129000000)")
        parser.add_argument("--format", choices=["text", "json", "xlsx"], default="text")
        parser.add_argument("--out", help="write to this file (required for xlsx)")
        parser.add_argument(
            "--lang", default=settings.LANGUAGE_CODE, help="language of the report (zh-hans, en)"
        )

    def handle(self, *args, area: str, format: str, out: str | None, lang: str, **opts) -> None:
        translation.activate(lang)
        try:
            division = division_for_code(area)
        except Division.DoesNotExist:
            raise CommandError(_("No division with code %(code)s.") % {"code": area}) from None
        if format == "xlsx" and not out:
            raise CommandError(_("--format xlsx needs --out FILE."))
        report = check_area(division.prefix)
        if format == "xlsx" and out:  # (checked above: xlsx has a file)
            reports.write_xlsx(report, division, out)
            self.stderr.write(_("Wrote %(path)s.") % {"path": out})
            return
        if format == "json":
            text = json.dumps(reports.as_dict(report, division), ensure_ascii=False, indent=1)
        else:
            text = reports.as_text(report, division)
        if out:
            with open(out, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
            self.stderr.write(_("Wrote %(path)s.") % {"path": out})
        else:
            sys.stdout.flush()
            self.stdout.write(text)
