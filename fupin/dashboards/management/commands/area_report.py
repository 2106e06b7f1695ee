"""`fupin area-report --area CODE --year Y --kind xlsx|pdf --out FILE [--user NAME]`:
the report of an area for a year, as the dashboards make it (recorded as a report run)."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from fupin.accounts.models import User
from fupin.core.errors import OutsideArea, ValidationFailed
from fupin.dashboards import reports
from fupin.dashboards.models import ReportKind, ReportStatus


class Command(BaseCommand):
    help = (
        "Write the Excel workbook of the standard tables or the PDF summary report of an "
        "area for a year (figures as of 31 December, or today for this year)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--area", required=True, help="division code (12 digits or prefix)")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--kind", choices=ReportKind.values, default=ReportKind.EXCEL)
        parser.add_argument("--out", required=True, help="file to write")
        parser.add_argument("--user", help="run as this user (scoped to their area)")
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])

    def handle(self, *args, area, year, kind, out, user=None, language="zh-hans", **options):
        actor = None
        if user:
            actor = User.objects.select_related("area").filter(username=user).first()
            if actor is None:
                raise CommandError(f"no user {user!r}")
        code = area.strip().ljust(12, "0")
        try:
            with translation.override(language):
                run = reports.start_report(
                    actor=actor, area_code=code, kind=kind, year=year, language=language, sync=True
                )
        except OutsideArea:
            raise CommandError(f"no area {code} (or outside the user's area)") from None
        except ValidationFailed as exc:
            raise CommandError(
                "; ".join(str(m) for msgs in exc.errors.values() for m in msgs)
            ) from None
        if run.status != ReportStatus.FINISHED:
            raise CommandError(f"the report failed: {run.message}")
        shutil.copyfile(run.file_path, Path(out))
        self.stdout.write(self.style.SUCCESS(f"{out}: {run.area_name} {run.year} ({run.kind})"))
