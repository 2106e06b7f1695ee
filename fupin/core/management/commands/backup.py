"""`fupin backup --out DIR`: the database and fupin's files, with a manifest and SHA-256
sums, written into a new directory (fupin.core.backup, docs/backup.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from fupin.core import backup


def megabytes(n: int) -> str:
    return f"{n / 1e6:,.1f}"


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump or SQLite's online backup) and fupin's files into "
        "a new directory, with a manifest and SHA-256 sums. Safe while fupin runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out", required=True, help="the backup's directory (must not exist yet)"
        )
        parser.add_argument("--language", default=settings.LANGUAGE_CODE, choices=["zh-hans", "en"])

    def handle(self, *args: Any, out: str, language: str, **options: Any) -> None:
        translation.activate(language)
        try:
            result = backup.create(Path(out))
        except backup.BackupError as e:
            raise CommandError(str(e.message)) from None
        self.stdout.write(
            _(
                "Backed up the %(vendor)s database (%(tables)s tables, %(rows)s rows, "
                "%(db_mb)s MB) and %(files)s files (%(files_mb)s MB) to %(path)s in "
                "%(seconds)s s."
            )
            % {
                "vendor": result.vendor,
                "tables": len(result.state.tables),
                "rows": f"{result.state.rows:,}",
                "db_mb": megabytes(result.database_bytes),
                "files": f"{result.files:,}",
                "files_mb": megabytes(result.file_bytes),
                "path": result.directory,
                "seconds": f"{result.seconds:.1f}",
            }
        )
