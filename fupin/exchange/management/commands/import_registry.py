"""fupin import-registry FILE [--mode upsert|all-or-nothing] [--dry-run] [--report R.xlsx]
[--initial-load]

An import never changes a household's status, status year or monitoring type (a case
does) and registers new households as candidates. `--initial-load` is the one exception:
the first load of a registry kept elsewhere, statuses as given, by the system
administrator into counties with no households yet; its history says so, with the file's
SHA-256."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from fupin.exchange.export import csv_paths
from fupin.exchange.importer import import_registry, summary_lines
from fupin.exchange.models import ExchangeRun
from fupin.exchange.report import write_report
from fupin.exchange.users import command_user

MODES = {"upsert": ExchangeRun.Mode.UPSERT, "all-or-nothing": ExchangeRun.Mode.ALL_OR_NOTHING}


class Command(BaseCommand):
    help = "Validate and import a registration workbook (xlsx or CSV)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--mode", choices=sorted(MODES), default="upsert")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--report", help="write the rejected rows to this xlsx file")
        parser.add_argument("--user", help="import as this user (scope and history)")
        parser.add_argument("--language", default="zh-hans", help="zh-hans (default) or en")
        parser.add_argument("--show", type=int, default=20, help="rejected rows to print")
        parser.add_argument(
            "--initial-load",
            action="store_true",
            help="first load of a registry kept elsewhere: keep the statuses as given "
            "(system administrator only; only into counties with no households yet)",
        )

    def handle(self, *args, **opts):
        path = Path(opts["file"])

        exists = path.exists() or (
            path.suffix.lower() == ".csv" and any(p.exists() for p in csv_paths(path).values())
        )
        if not exists:
            raise CommandError(f"no such file: {path}")
        user = command_user(opts["user"])
        translation.activate(opts["language"])
        last = [""]

        def progress(phase: str, fraction: float) -> None:
            if phase != last[0] and sys.stderr.isatty():
                self.stderr.write(f"{phase} {fraction:.0%}")
            last[0] = phase

        result = import_registry(
            actor=user,
            path=path,
            mode=MODES[opts["mode"]],
            dry_run=opts["dry_run"],
            progress=progress,
            initial_load=opts["initial_load"],
        )
        for line in summary_lines(result):
            self.stdout.write(line)
        if result.run.message:
            self.stdout.write(result.run.message)
        shown = result.errors.head(opts["show"])
        for sheet, row, column, value, reason in shown.iter_rows():
            self.stdout.write(f"  {sheet} {_('row')} {row} [{column}] {value or ''}: {reason}")
        if result.errors.height > shown.height:
            self.stdout.write(
                _("  … %(n)s more in the report") % {"n": result.errors.height - shown.height}
            )
        warning, row_word = _("warning"), _("row")
        for sheet, row, column, value, reason in result.warnings.head(opts["show"]).iter_rows():
            self.stdout.write(
                f"  {warning}: {sheet} {row_word} {row} [{column}] {value or ''}: {reason}"
            )
        if opts["report"]:
            write_report(result, Path(opts["report"]))
            result.run.report_path = str(Path(opts["report"]).resolve())
            result.run.save(update_fields=["report_path"])
            self.stdout.write(_("Report: %(path)s") % {"path": opts["report"]})
        self.stdout.write(
            _("%(status)s in %(seconds).1f s (import #%(id)s)")
            % {
                "status": result.run.get_status_display(),
                "seconds": result.seconds,
                "id": result.run.pk,
            }
        )
        if result.run.status in (ExchangeRun.Status.REFUSED, ExchangeRun.Status.FAILED):
            sys.exit(2)
