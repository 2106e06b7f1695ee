"""fupin compare DATASET_KIND FILE [--area CODE] [--user USERNAME] [--language zh-hans|en]"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from fupin.accounts.models import User
from fupin.compare import services
from fupin.compare.models import DatasetKind
from fupin.core import csvsafe
from fupin.core.errors import DomainError, ValidationFailed

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = "Compare a department list (CSV or xlsx) with the registry and record findings."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=DatasetKind.values)
        parser.add_argument("file")
        parser.add_argument("--area", default="", help="division code to compare (default: all)")
        parser.add_argument("--user", default="", help="run as this user (default: system)")
        parser.add_argument(
            "--threshold",
            type=float,
            default=None,
            help="medical spending: out-of-pocket yuan per year that makes a finding",
        )
        parser.add_argument("--errors", default="", help="write every rejected row to this CSV")
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])

    def handle(self, *args, **opts):
        translation.activate(opts["language"])
        actor = None
        if opts["user"]:
            actor = User.objects.filter(username=opts["user"]).select_related("area").first()
            if actor is None:
                raise CommandError(_("No user %(name)s.") % {"name": opts["user"]})
        began = time.perf_counter()
        try:
            outcome = services.run_comparison(
                actor=actor,
                kind=opts["kind"],
                path=opts["file"],
                area_code=opts["area"],
                medical_threshold=opts["threshold"],
            )
        except ValidationFailed as exc:
            raise CommandError(
                "; ".join(str(m) for msgs in exc.errors.values() for m in msgs)
            ) from None
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from None
        seconds = time.perf_counter() - began
        run = outcome.run
        for e in outcome.errors.head(SHOWN_ERRORS).iter_rows(named=True):
            self.stderr.write(
                _("row %(row)s, column %(column)s: %(reason)s")
                % {"row": e["row"], "column": e["column"], "reason": e["reason"]}
            )
        if outcome.errors.height > SHOWN_ERRORS:
            self.stderr.write(
                _("… and %(n)d more problems.") % {"n": outcome.errors.height - SHOWN_ERRORS}
            )
        if opts["errors"]:
            csvsafe.write_frame(outcome.errors, opts["errors"])
        self.stdout.write(
            _(
                "Run %(id)s: %(read)d rows read, %(rejected)d rejected, %(matches)d matches, "
                "%(created)d findings created, %(existing)d already known, %(unmatched)d people "
                "not in the registry."
            )
            % {
                "id": run.pk,
                "read": run.rows_read,
                "rejected": run.rows_rejected,
                "matches": run.matches,
                "created": run.findings_created,
                "existing": run.findings_existing,
                "unmatched": run.unmatched,
            }
        )
        rate = run.rows_read / seconds if seconds > 0 else 0
        self.stdout.write(
            _("%(seconds).2f s, %(rate).0f rows/s") % {"seconds": seconds, "rate": rate}
        )
