"""`fupin load_divisions FILE.csv`: load division codes and names (code,name per line)."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from fupin.geo.services import load_divisions, read_divisions_csv


class Command(BaseCommand):
    help = (
        "Load administrative divisions from a CSV file of code,name rows (a header line "
        "is optional). All or nothing: any bad row refuses the whole file. A line that "
        "repeats another's code and name is taken once; the same code with another name "
        "refuses the file."
    )
    # No system checks: they import every app's URLs and views (about 4 s of a 10 s load
    # of the national list); loading data needs none of them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV file, UTF-8, columns code,name")
        parser.add_argument("--language", default="zh-hans", help="zh-hans (default) or en")

    def handle(self, *args: str, file: str, language: str, **options: object) -> None:
        translation.activate(language)
        path = Path(file)
        start = time.perf_counter()
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CommandError(_("%(path)s: no such file") % {"path": path}) from None
        except UnicodeDecodeError:
            raise CommandError(
                _("%(path)s: not UTF-8 text; save the file as UTF-8") % {"path": path}
            ) from None
        rows = read_divisions_csv(text)
        result = load_divisions(rows)
        if result.errors:
            for lineno, message in result.errors:
                self.stderr.write(f"{path}:{lineno}: {message}")
            raise CommandError(
                _("%(n)d error(s); nothing was loaded from %(path)s.")
                % {"n": len(result.errors), "path": path}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "%(path)s: %(rows)d rows in %(seconds).1f s: %(created)d created, "
                    "%(updated)d updated, %(unchanged)d unchanged, %(repeated)d repeated "
                    "lines taken once."
                )
                % {
                    "path": path,
                    "rows": rows.height,
                    "seconds": time.perf_counter() - start,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "repeated": result.repeated,
                }
            )
        )
