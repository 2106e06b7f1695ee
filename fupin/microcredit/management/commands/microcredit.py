"""fupin microcredit overdue [--as-of YYYY-MM-DD] [--area CODE]   (daily, `fupin worker`)

Marks the loans overdue on the day (rules.py: an instalment due before the day and not
repaid) and raises one monitoring warning per newly overdue loan; loans caught up go
back to current (or extended). Safe to run again: a second run changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.microcredit import services


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # In the language of the run (a lazy text is not a str to argparse).
        self.help = _("Microcredit: the daily overdue check.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        overdue = sub.add_parser("overdue", help=_("mark overdue loans and raise their warnings"))
        overdue.add_argument("--as-of", default="", help=_("the day (default: today)"))
        overdue.add_argument("--area", default="", help=_("division code prefix (default: all)"))

    def handle(self, *args, **opts):
        day = timezone.localdate()
        if opts.get("as_of"):
            try:
                day = dt.date.fromisoformat(opts["as_of"])
            except ValueError:
                raise CommandError(_("Give the date as YYYY-MM-DD.")) from None
        marked, back, warned = services.mark_overdue(day=day, prefix=opts.get("area", ""))
        self.stdout.write(
            _("%(day)s: %(marked)d loans overdue, %(back)d caught up, %(warned)d warnings raised.")
            % {"day": day.isoformat(), "marked": marked, "back": back, "warned": warned}
        )
