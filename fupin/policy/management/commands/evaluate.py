"""fupin evaluate --household ID|NUMBER [--test inclusion|exit] [--year Y]"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from fupin.policy import clauses as C
from fupin.policy.evaluation import (
    EXIT,
    INCLUSION,
    MET,
    NOT_MET,
    PENDING,
    HouseholdFacts,
    evaluate_household,
)
from fupin.policy.rules import criterion_text
from fupin.registry.models import Household

SIGN = {"met": "✓", "not_met": "✗", "unknown": "?"}


def outcome_words(outcome: str, reason: str) -> str:
    if outcome == MET:
        return _("met")
    if outcome == NOT_MET:
        return _("not met")
    if reason == PENDING:
        return _("pending verification")
    return _("not established")


class Command(BaseCommand):
    help = "Show the decision of the current policy for a household, clause by clause."

    def add_arguments(self, parser):
        parser.add_argument("--household", required=True, help="household id or number")
        parser.add_argument("--test", choices=[INCLUSION, EXIT], default=None)
        parser.add_argument("--year", type=int)
        parser.add_argument("--language", default="zh-hans")

    def handle(self, *args, **opts):
        translation.activate(opts["language"])
        key = opts["household"]
        h = Household.objects.filter(number=key).first()
        if h is None and key.isdigit() and len(key) < 12:
            h = Household.objects.filter(pk=int(key)).first()
        if h is None:
            raise CommandError(_("No household %(key)s.") % {"key": key})
        tests = [opts["test"]] if opts["test"] else [INCLUSION, EXIT]
        facts = HouseholdFacts.of(h)
        for test in tests:
            d = evaluate_household(h, test=test, year=opts["year"], facts=facts)
            verdict = {True: _("eligible"), False: _("not eligible"), None: _("undecided")}
            words = verdict[d.eligible]
            if d.eligible is None and d.pending:
                words = _("undecided pending verification")
            title = _("Inclusion test") if test == INCLUSION else _("Exit test")
            self.stdout.write(f"{h.number} {title}: {words} ({d.policy_label})")
            verified = _("verified") if d.line_verified else _("not verified")
            self.stdout.write(
                "  "
                + _("Income line source (%(verified)s): %(source)s")
                % {"verified": verified, "source": d.line_source or _("not given")}
            )
            if d.combining:
                policy = facts.policy(dt.date.today(), d.year)
                self.stdout.write(
                    "  "
                    + _("Combining rule: %(rule)s") % {"rule": C.combining_text(policy.combining)}
                )
            for c in d.clauses:
                values = ", ".join(f"{k}={v}" for k, v in c.values.items())
                kind = f" ({C.KINDS[c.kind]})" if c.kind else ""
                weighed = " " + _("(weighed, not counted)") if c.weighed else ""
                self.stdout.write(
                    f"  {SIGN[c.outcome]} {c.code} [{outcome_words(c.outcome, c.reason)}]"
                    f"{kind}{weighed} {c.text}"
                )
                if values or c.source:
                    self.stdout.write(f"      {values}  [{c.source}]")
            if d.deciding:
                self.stdout.write(
                    "  " + _("Undecided until known: %(codes)s") % {"codes": ", ".join(d.deciding)}
                )
            if d.pending:
                self.stdout.write(
                    "  "
                    + _("Pending verification of the department findings: %(codes)s")
                    % {"codes": ", ".join(d.pending)}
                )
            if d.review:
                self.stdout.write(
                    "  "
                    + _(
                        "Above the line with a failed guarantee: "
                        "for the village appraisal to weigh."
                    )
                )
            if test == INCLUSION and d.key_assistance is not None:
                policy = facts.policy(dt.date.today(), d.year)
                if policy.key_assistance:
                    texts = {k.get("code"): criterion_text(k) for k in policy.key_assistance}
                    flagged = "; ".join(f"{c} {texts[c]}" for c in d.key_assistance)
                    self.stdout.write(
                        "  "
                        + _("Key-assistance household: %(flag)s") % {"flag": flagged or _("no")}
                    )
