"""fupin export-registry --area CODE --out FILE.xlsx|FILE.csv [--template] [--user NAME]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from fupin.core.errors import DomainError
from fupin.exchange.export import export_registry
from fupin.exchange.users import command_user


class Command(BaseCommand):
    help = "Write an area's registry (or an empty template) as a registration workbook."

    def add_arguments(self, parser):
        parser.add_argument("--area", help="division code (default: the user's area)")
        parser.add_argument("--out", required=True, help="FILE.xlsx or FILE.csv")
        parser.add_argument("--template", action="store_true", help="an empty template")
        parser.add_argument("--user", help="export as this user (scope and masking)")
        parser.add_argument("--language", default="zh-hans", help="zh-hans (default) or en")

    def handle(self, *args, **opts):
        user = command_user(opts["user"])
        area = opts["area"] or (user.area_id if user.area_id else "")
        if not area:
            raise CommandError("--area is required for a user without an area")
        translation.activate(opts["language"])
        try:
            result = export_registry(
                actor=user,
                area_code=area,
                path=Path(opts["out"]),
                template=opts["template"],
                language=opts["language"],
                channel="command",
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        for path in result.paths:
            self.stdout.write(str(path))
        rows = ", ".join(f"{k}: {v}" for k, v in result.rows.items())
        masked = (
            " (ID numbers, phones and bank accounts masked, birth years only)"
            if result.masked
            else " (full values: the read is logged)"
        )
        self.stdout.write(f"rows {rows}{masked}")
