"""`fupin restore DIR [--force] [--verify-only]`: a backup of `fupin backup` into an
empty database and this installation's file directories (fupin.core.backup,
docs/backup.md)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from fupin.core import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `fupin backup` into an empty database: every SHA-256 is "
        "checked first, and the row counts and migrations are compared at the end."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="the backup's directory")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database that holds fupin data, and files with other content",
        )
        parser.add_argument(
            "--verify-only",
            action="store_true",
            help="only check the backup's files against their SHA-256 sums",
        )
        parser.add_argument("--language", default=settings.LANGUAGE_CODE, choices=["zh-hans", "en"])

    def handle(
        self,
        *args: Any,
        directory: str,
        force: bool,
        verify_only: bool,
        language: str,
        **options: Any,
    ) -> None:
        translation.activate(language)
        path = Path(directory)
        try:
            if verify_only:
                manifest = backup.verify(path)
                self.stdout.write(
                    _(
                        "The backup in %(path)s is complete: %(files)s files match their "
                        "SHA-256 sums (%(vendor)s, made %(time)s by fupin %(version)s)."
                    )
                    % {
                        "path": path,
                        "files": len(manifest["files"]) + 1,
                        "vendor": manifest["vendor"],
                        "time": manifest["created_at"],
                        "version": manifest["fupin_version"],
                    }
                )
                return
            result = backup.restore(path, force=force)
        except backup.BackupError as e:
            raise CommandError(str(e.message)) from None
        self.stdout.write(
            _(
                "Restored the %(vendor)s database (%(tables)s tables, %(rows)s rows) and "
                "%(files)s files in %(seconds)s s; every table's row count and every app's "
                "migrations match the backup's manifest."
            )
            % {
                "vendor": result.vendor,
                "tables": len(result.state.tables),
                "rows": f"{result.state.rows:,}",
                "files": f"{result.files:,}",
                "seconds": f"{result.seconds:.1f}",
            }
        )
        if result.code_migrations_ahead:
            per_app = Counter(name.split(".")[0] for name in result.code_migrations_ahead)
            self.stdout.write(
                _(
                    "This version of fupin has %(count)s migrations the backup had not "
                    "applied (%(apps)s): run `fupin migrate` next."
                )
                % {
                    "count": len(result.code_migrations_ahead),
                    "apps": ", ".join(f"{app} {n}" for app, n in sorted(per_app.items())),
                }
            )
