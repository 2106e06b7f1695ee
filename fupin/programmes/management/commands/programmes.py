"""fupin programmes import LEDGER FILE --user NAME [--atomic] [--report PATH]
fupin programmes export LEDGER --user NAME --out PATH [--area CODE]
fupin programmes list

Any registered ledger (fupin.programmes.ledgers), e.g. `microcredit`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fupin.accounts.models import User
from fupin.core.errors import DomainError
from fupin.core.scope import area_prefix_of
from fupin.exchange.readers import WorkbookError
from fupin.programmes import ledgers, workbook


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # In the language of the run (a lazy text is not a str to argparse).
        self.help = _("Programme ledgers: import or export a ledger's workbook.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help=_("the registered ledgers"))
        imp = sub.add_parser("import", help=_("import a ledger's workbook (xlsx or CSV)"))
        imp.add_argument("ledger", help=_("the ledger's key (see `list`)"))
        imp.add_argument("file", help=_("the workbook (xlsx) or CSV file"))
        imp.add_argument("--user", required=True, help=_("import as this user"))
        imp.add_argument("--atomic", action="store_true", help=_("all rows or none"))
        imp.add_argument("--report", default="", help=_("write the report workbook here"))
        exp = sub.add_parser("export", help=_("export a ledger's rows of an area"))
        exp.add_argument("ledger", help=_("the ledger's key (see `list`)"))
        exp.add_argument(
            "--user", required=True, help=_("export as this user (its area, its masking)")
        )
        exp.add_argument("--out", required=True, help=_("the workbook to write (xlsx)"))
        exp.add_argument(
            "--area", default="", help=_("division code prefix inside the user's area")
        )

    def _ledger(self, key: str) -> ledgers.Ledger:
        try:
            return ledgers.get(key)
        except KeyError as exc:
            raise CommandError(str(exc)) from None

    def _user(self, name: str) -> User:
        user = User.objects.filter(username=name, is_active=True).first()
        if user is None:
            raise CommandError(_("No active user %(name)s.") % {"name": name})
        return user

    def handle(self, *args, **opts):
        if opts["action"] == "list":
            for ledger in ledgers.ledgers():
                self.stdout.write(f"{ledger.key}\t{ledger.label}")
            return
        ledger = self._ledger(opts["ledger"])
        user = self._user(opts["user"])
        try:
            if opts["action"] == "export":
                own = area_prefix_of(user) or ""
                area = opts["area"] or own
                if not area.startswith(own):
                    raise CommandError(_("The area is outside the user's area."))
                path = workbook.export_workbook(ledger, user, area, Path(opts["out"]))
                self.stdout.write(str(path))
                return
            outcome = workbook.import_workbook(
                ledger, Path(opts["file"]), actor=user, atomic=opts["atomic"]
            )
        except (WorkbookError, DomainError) as exc:
            raise CommandError(str(getattr(exc, "message", exc))) from None
        for line in outcome.summary_lines():
            self.stdout.write(line)
        if opts["report"]:
            workbook.write_report(outcome, Path(opts["report"]))
        if outcome.refused:
            raise CommandError(_("Nothing was imported (see above)."))
