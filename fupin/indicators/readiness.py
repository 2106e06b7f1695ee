"""Exit readiness (退出准备): the household, village and county exit tests as checklists.

- Household: the policy set's exit test (`policy.evaluation.evaluate_household`, test
  "exit": income per head above the line and 两不愁三保障 met), per household in poverty.
- Village (贫困村退出): poverty incidence under the configured threshold (default 2%),
  each configured infrastructure condition of the village profile, and collective income
  at least the configured amount.
- County (贫困县退出, "三率一度"): poverty incidence, missed-poor rate and wrong-exit rate
  under the thresholds (default 2%), public approval at least 90%. The rates come from
  the assessment app's latest estimates (`fupin.assessment.selectors.latest_estimates`);
  without them the items are not met, "not yet assessed".

Thresholds come from `ExitCriteria` (the most specific region, else the defaults; a
row is written only when a proposed change is approved, so only approved criteria count): the
policy set has no place for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.assessment.selectors import estimates as estimates_of
from fupin.assessment.selectors import latest_estimates, latest_finished
from fupin.geo.codes import ancestor_codes
from fupin.geo.models import Division, Level, VillageProfile
from fupin.indicators.models import DEFAULT_VILLAGE_CONDITIONS, ExitCriteria
from fupin.indicators.selectors import figures
from fupin.policy.evaluation import EXIT, evaluate_household
from fupin.policy.selectors import NoPolicy
from fupin.registry.choices import HouseholdStatus
from fupin.registry.models import Household

CONDITION_LABELS = {
    "has_hardened_road": gettext_lazy("Hardened road to the village"),
    "has_bus": gettext_lazy("Bus service"),
    "has_safe_water": gettext_lazy("Safe drinking water"),
    "has_power": gettext_lazy("Power grid"),
    "has_broadband": gettext_lazy("Broadband"),
    "has_clinic": gettext_lazy("Village clinic"),
    "has_cultural_room": gettext_lazy("Cultural room"),
}


@dataclass
class ChecklistItem:
    code: str
    label: str
    required: str
    actual: str
    met: bool
    missing: str = ""  # what is missing, in words, when not met
    source: str = ""  # where the value comes from, in words


def criteria_for(area_code: str) -> ExitCriteria:
    """The exit criteria in force for an area: the most specific region's, else the
    national row, else the defaults (an unsaved ExitCriteria)."""
    regions = ancestor_codes(area_code)
    rows = {r.region_id: r for r in ExitCriteria.objects.filter(region_id__in=regions)}
    for code in regions:
        if code in rows:
            return rows[code]
    national = ExitCriteria.objects.filter(region__isnull=True).first()
    return national or ExitCriteria()


def _pct(value) -> str:
    return "—" if value is None else f"{Decimal(str(value)):.2f}%"


def _incidence_source(values: dict, as_of: dt.date | None) -> str:
    return _(
        "Registry as of %(date)s: %(n)s people in poverty, rural registered population %(pop)s"
    ) % {
        "date": as_of or timezone.localdate(),
        "n": values.get("poor_people"),
        "pop": values.get("rural_population"),
    }


def _incidence_item(values: dict, threshold: Decimal) -> ChecklistItem:
    incidence = values.get("poverty_incidence")
    met = incidence is not None and Decimal(str(incidence)) < threshold
    missing = ""
    if incidence is None:
        missing = _("No rural registered population is recorded in the village profiles.")
    elif not met:
        pop = values["rural_population"]
        allowed = int((threshold * pop / 100).to_integral_value(rounding="ROUND_CEILING")) - 1
        missing = _("%(n)s people in poverty; fewer than %(m)s needed.") % {
            "n": values["poor_people"],
            "m": max(allowed, 0) + 1,
        }
    return ChecklistItem(
        "incidence",
        _("Poverty incidence"),
        _("under %(t)s") % {"t": _pct(threshold)},
        _pct(incidence),
        met,
        missing,
    )


def village_checklist(code: str, as_of: dt.date | None = None, *, snapshot=None):
    """The exit test of a village as checklist items (label, required, actual, met)."""
    code = code.ljust(12, "0")
    village = Division.objects.filter(code=code, level=Level.VILLAGE).first()
    if village is None:
        raise Division.DoesNotExist(code)
    crit = criteria_for(code)
    values = figures(code, as_of=as_of, snapshot=snapshot, depth=0)[0].values
    items = [_incidence_item(values, crit.village_incidence_max)]
    items[0].source = _incidence_source(values, as_of)
    profile = VillageProfile.objects.filter(village_id=code).first()
    from_profile = str(_("Village profile"))
    for field in crit.village_conditions or DEFAULT_VILLAGE_CONDITIONS:
        have = bool(getattr(profile, field, False)) if profile else False
        label = CONDITION_LABELS.get(field, field)
        items.append(
            ChecklistItem(
                field,
                str(label),
                _("yes"),
                _("yes") if have else _("no"),
                have,
                "" if have else _("%(what)s is not recorded as available.") % {"what": label},
                from_profile,
            )
        )
    if crit.village_collective_income_min:
        income = profile.collective_income if profile else Decimal("0")
        met = income >= crit.village_collective_income_min
        items.append(
            ChecklistItem(
                "collective_income",
                _("Village collective income (yuan/year)"),
                _("at least %(n)s") % {"n": f"{crit.village_collective_income_min:,.0f}"},
                f"{income:,.0f}",
                met,
                ""
                if met
                else _("%(n)s yuan short.")
                % {"n": f"{crit.village_collective_income_min - income:,.0f}"},
                from_profile,
            )
        )
    return items


ESTIMATE_ITEMS = [
    ("missed_poor", gettext_lazy("Missed-poor rate (漏评率)"), "missed_poor_max", "under"),
    ("wrong_exit", gettext_lazy("Wrong-exit rate (错退率)"), "wrong_exit_max", "under"),
    ("approval", gettext_lazy("Public approval (群众认可度)"), "approval_min", "at_least"),
]


def _as_percent(value) -> Decimal | None:
    """The assessment app's estimates are proportions in 0..1."""
    if value is None:
        return None
    return Decimal(str(value)) * 100


def county_checklist(code: str, as_of: dt.date | None = None, *, snapshot=None, assessment=None):
    """The county exit test ("三率一度") as checklist items: the rates of `assessment`
    (an assessment.Assessment), else of the county's latest finished one."""
    code = code.ljust(12, "0")
    county = Division.objects.filter(code=code, level=Level.COUNTY).first()
    if county is None:
        raise Division.DoesNotExist(code)
    crit = criteria_for(code)
    values = figures(code, as_of=as_of, snapshot=snapshot, depth=0)[0].values
    items = [_incidence_item(values, crit.county_incidence_max)]
    items[0].source = _incidence_source(values, as_of)
    estimates: dict | None
    if assessment is not None:
        estimates = estimates_of(assessment)
        source = _("Assessment “%(name)s”, finished %(date)s") % {
            "name": assessment.name,
            "date": timezone.localdate(assessment.finished_at) if assessment.finished_at else "",
        }
    else:
        estimates = latest_estimates(code)
        source = _("The county's latest finished assessment")
    for key, label, field, direction in ESTIMATE_ITEMS:
        threshold = getattr(crit, field)
        required = (_("under %(t)s") if direction == "under" else _("at least %(t)s")) % {
            "t": _pct(threshold)
        }
        est = (estimates or {}).get(key)
        if est is None:
            items.append(
                ChecklistItem(key, str(label), required, "—", False, _("Not yet assessed."), source)
            )
            continue
        point = _as_percent(getattr(est, "point", None))
        low, high = _as_percent(getattr(est, "low", None)), _as_percent(getattr(est, "high", None))
        met = point is not None and (
            point < threshold if direction == "under" else point >= threshold
        )
        actual = _pct(point)
        if low is not None and high is not None:
            actual += f" ({_pct(low)}–{_pct(high)})"
        items.append(
            ChecklistItem(
                key,
                str(label),
                required,
                actual,
                met,
                "" if met else _("The estimate does not meet the threshold."),
                source,
            )
        )
    return items


def exit_checklist(kind: str, code: str, on: dt.date) -> dict:
    """The exit checklist of a village (kind "village_exit") or a county ("county_exit")
    as of `on`, for the area exit cases (registered with
    `fupin.cases.procedures.register_exit_checklist` in IndicatorsConfig.ready): the items
    with their values and sources, the criteria in force and, for a county, the
    assessment whose "三率一度" it carries."""
    as_of = None if on >= timezone.localdate() else on
    crit = criteria_for(code)
    criteria = _("Exit criteria of %(region)s") % {
        "region": crit.region.name if crit.region_id and crit.region else _("the country")
    }
    assessment = None
    if kind == "village_exit":
        items = village_checklist(code, as_of)
    else:
        found = latest_finished(code.ljust(12, "0"), on)
        items = county_checklist(code, as_of, assessment=found)
        if found is not None:
            assessment = {
                "id": found.pk,
                "name": found.name,
                "finished_on": timezone.localdate(found.finished_at).isoformat()
                if found.finished_at
                else None,
                "estimates": {
                    key: {"point": e.point, "low": e.low, "high": e.high, "status": e.status}
                    for key, e in (estimates_of(found) or {}).items()
                },
            }
    return {
        "items": [asdict(i) for i in items],
        "criteria": str(criteria),
        "assessment": assessment,
    }


def household_exit_tests(village_code: str, *, limit: int = 500) -> list[dict]:
    """The policy set's exit test for each household in poverty in a village (today's
    data): household, decision and the clauses not met."""

    out: list[dict[str, object]] = []
    qs = Household.objects.filter(
        village_id=village_code.ljust(12, "0"),
        status__in=[HouseholdStatus.POOR, HouseholdStatus.RETURNED],
    ).order_by("number")[:limit]
    for h in qs:
        try:
            decision = evaluate_household(h, test=EXIT)
        except NoPolicy:
            out.append({"household": h, "eligible": None, "failed": [], "clauses": []})
            continue
        out.append(
            {
                "household": h,
                "eligible": decision.eligible,
                "failed": decision.failed,
                "clauses": decision.clauses,
            }
        )
    return out
