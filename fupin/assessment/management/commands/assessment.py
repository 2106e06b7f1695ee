"""fupin assessment draw --county CODE --seed N [--per-village in_poverty=3,exited=4,...]
fupin assessment estimate ID"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fupin.accounts.models import User
from fupin.assessment import sampling as S
from fupin.assessment import selectors, services
from fupin.assessment.models import Assessment
from fupin.core.errors import DomainError

ALIASES = {"poor": S.IN_POVERTY, "nonreg": S.NON_REGISTERED, "non-registered": S.NON_REGISTERED}


def parse_sizes(text: str) -> dict[str, str]:
    """ "in_poverty=3,exited=4,non_registered=6" (or poor=…, nonreg=…)."""
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        key = ALIASES.get(key.strip(), key.strip())
        if not sep or key not in S.STRATA:
            raise CommandError(
                _("--per-village takes stratum=number pairs, strata: %(s)s")
                % {"s": ", ".join(S.STRATA)}
            )
        out[key] = value.strip()
    return out


class Command(BaseCommand):
    help = "Draw a third-party-style assessment sample, or print an assessment's estimates."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        d = sub.add_parser("draw", help="create an assessment of a county and draw its sample")
        d.add_argument("--county", required=True, help="12-digit (or 6-digit) county code")
        d.add_argument("--seed", type=int, required=True)
        d.add_argument(
            "--per-village",
            default="",
            help="households per village and stratum, e.g. in_poverty=3,exited=4,non_registered=6",
        )
        d.add_argument("--name", default="")
        d.add_argument("--user", default="", help="record the work as this user")
        e = sub.add_parser("estimate", help="print the four estimates of an assessment")
        e.add_argument("id", type=int)

    def handle(self, *args, **opts):
        if opts["action"] == "draw":
            return self.draw(opts)
        return self.estimate(opts["id"])

    def draw(self, opts):
        actor = None
        if opts["user"]:
            actor = User.objects.filter(username=opts["user"]).first()
            if actor is None:
                raise CommandError(_("No user %(u)s.") % {"u": opts["user"]})
        county = opts["county"].ljust(12, "0")
        try:
            a = services.assessment_create(
                actor=actor,
                county_code=county,
                name=opts["name"],
                seed=opts["seed"],
                sizes=parse_sizes(opts["per_village"]),
            )
            n = services.sample_draw(actor=actor, assessment=a)
        except DomainError as exc:
            raise CommandError(str(getattr(exc, "errors", "") or exc.message)) from exc
        self.stdout.write(
            _("Assessment %(id)s: %(n)s households drawn in %(v)s villages (seed %(seed)s).")
            % {
                "id": a.pk,
                "n": n,
                "v": a.strata.values("village").distinct().count(),
                "seed": a.seed,
            }
        )

    def estimate(self, pk: int):
        a = Assessment.objects.filter(pk=pk).first()
        if a is None:
            raise CommandError(_("No assessment %(id)s.") % {"id": pk})
        res = selectors.results(a)
        self.stdout.write(f"{a.name} · {a.county.name} · {a.get_status_display()}")
        self.stdout.write(
            _("%(d)s drawn, %(s)s surveyed, %(r)s not reached")
            % {"d": res.drawn, "s": res.surveyed, "r": res.not_reached}
        )
        h = (
            _("indicator"),
            _("estimate"),
            "95% " + _("confidence interval"),
            _("target"),
            "n",
            pgettext("assessment", "status"),
        )
        self.stdout.write(f"{h[0]:<18}{h[1]:>10}  {h[2]:<18}{h[3]:>9}{h[4]:>7}  {h[5]}")
        for key, e in res.estimates.items():
            sign = "≥" if e.higher_is_better else "<"
            interval = f"{e.low * 100:.2f}–{e.high * 100:.2f}%" if e.n else "—"
            point = f"{e.point * 100:.2f}%" if e.n else "—"
            self.stdout.write(
                f"{key:<18}{point:>10}  {interval:<18}{sign + f'{e.target * 100:.1f}%':>9}"
                f"{e.n:>7}  {e.status}"
            )
