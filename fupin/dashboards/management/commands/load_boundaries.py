"""`fupin load-boundaries FILE.geojson`: load township/village boundary polygons for the
dashboards' maps (a FeatureCollection; each feature's properties.code is a 12-digit
division code). All or nothing; every created or changed boundary is recorded."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fupin.accounts.models import User
from fupin.dashboards.maps import load_boundaries


class Command(BaseCommand):
    help = (
        "Load boundary polygons from a GeoJSON FeatureCollection whose features carry a "
        "12-digit division code in properties.code. All or nothing: any bad feature "
        "refuses the whole file. Areas without boundaries keep the schematic map."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="GeoJSON file, UTF-8")
        parser.add_argument(
            "--user", help="user name recorded in history (and whose area limits the load)"
        )

    def handle(self, *args, file: str, user: str | None = None, **options) -> None:
        path = Path(file)
        actor = None
        if user:
            actor = User.objects.select_related("area").filter(username=user).first()
            if actor is None:
                raise CommandError(f"no user {user!r}")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file") from None
        except UnicodeDecodeError:
            raise CommandError(f"{path}: not UTF-8 text") from None
        result = load_boundaries(actor=actor, text=text, source=path.name)
        if result.errors:
            for message in result.errors:
                self.stderr.write(f"{path}: {message}")
            raise CommandError(f"{len(result.errors)} error(s); nothing was loaded from {path}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"{path}: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged."
            )
        )
