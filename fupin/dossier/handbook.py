"""What the household handbook / clear card (帮扶手册, 明白卡) says for a year: the
policies that apply, the paired cadres, the measures and the programme benefits (read
through the ledger registry, never by naming a ledger), and the tip line."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from fupin.accounts.types import User
from fupin.assistance import due
from fupin.assistance.models import Cadre, HouseholdPlan, Measure, Pairing
from fupin.policy.selectors import NoPolicy, income_line
from fupin.programmes.ledgers import Benefit, household_benefits
from fupin.registry.choices import HouseholdCategory, HouseholdStatus
from fupin.registry.models import Household
from fupin.tips.selectors import TipLine, tip_line


@dataclass
class Handbook:
    household: Household
    year: int
    policies: list[str]
    cadres: list[Cadre]
    measures: list[Measure]
    benefits: list[tuple[str, list[Benefit]]]
    tip_line: TipLine
    plan: HouseholdPlan | None = None
    total: Decimal = field(default=Decimal("0"))


def policies(household: Household, year: int, today: dt.date) -> list[str]:
    """The policies that apply to the household this year, in words (called with the
    document's language active)."""
    out = []
    try:
        line = income_line(year, household.village_id)
        out.append(_("Income line this year: %(line)s yuan per person.") % {"line": line})
    except NoPolicy:
        pass
    if household.category == HouseholdCategory.SUBSISTENCE:
        out.append(_("Subsistence allowance (低保) household: the allowance is paid monthly."))
    elif household.category == HouseholdCategory.EXTREME:
        out.append(_("Extreme-poverty support (特困供养): support for basic living and care."))
    if household.status in (HouseholdStatus.POOR, HouseholdStatus.RETURNED):
        out.append(
            _("Registered poor household: paired assistance, and the programmes below as due.")
        )
    elif household.status == HouseholdStatus.EXITED:
        d = due.household_due(household, today)
        if d.due and d.until:
            out.append(
                _(
                    "Exited from poverty: policies stay in place in the transition period, "
                    "until %(day)s."
                )
                % {"day": d.until.isoformat()}
            )
        else:
            out.append(_("Exited from poverty."))
    elif household.status == HouseholdStatus.MONITORED:
        out.append(
            _("Monitoring object (%(type)s): assistance follows the risk until it is eliminated.")
            % {"type": household.get_monitoring_type_display() or "—"}
        )
    return out


def handbook(*, user: User, household: Household, year: int, today: dt.date) -> Handbook:
    cadres = [
        p.cadre
        for p in Pairing.objects.current().filter(household=household).select_related("cadre")
    ]
    measures = list(Measure.objects.filter(household=household, date__year=year).order_by("date"))
    benefits = [
        (str(ledger.label), rows) for ledger, rows in household_benefits(user, household, year)
    ]
    total = sum((m.amount for m in measures), Decimal("0")) + sum(
        (b.amount or Decimal("0") for _l, rows in benefits for b in rows), Decimal("0")
    )
    return Handbook(
        household=household,
        year=year,
        policies=policies(household, year, today),
        cadres=cadres,
        measures=measures,
        benefits=benefits,
        tip_line=tip_line(),
        plan=HouseholdPlan.objects.filter(household=household).first(),
        total=total,
    )
