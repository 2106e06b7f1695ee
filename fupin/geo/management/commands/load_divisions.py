"""`fupin load_divisions FILE.csv`: load division codes and names (code,name per line)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.geo.services import load_divisions_csv


class Command(BaseCommand):
    help = (
        "Load administrative divisions from a CSV file of code,name rows (a header line "
        "is optional). All or nothing: any bad row refuses the whole file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV file, UTF-8, columns code,name")

    def handle(self, *args: str, file: str, **options: object) -> None:
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file") from None
        except UnicodeDecodeError:
            raise CommandError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
        result = load_divisions_csv(text)
        if result.errors:
            for lineno, message in result.errors:
                where = f"{path}:{lineno}" if lineno else str(path)
                self.stderr.write(f"{where}: {message}")
            raise CommandError(f"{len(result.errors)} error(s); nothing was loaded from {path}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"{path}: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged."
            )
        )
