"""The decision of a policy set for a household, clause by clause.

Every clause says met / not met / unknown, the values it used and where they came from,
so that a removal notice can name exactly what failed, and an inclusion can show why it
was justified. A case stores the decision as JSON when it is opened: a later change of
policy alters new evaluations, never decided cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from fupin.policy import clauses as C
from fupin.policy.models import PolicySet
from fupin.policy.selectors import current_policy
from fupin.registry.models import Assessment, Household, IncomeRecord

MET = "met"
NOT_MET = "not_met"
UNKNOWN = "unknown"

INCLUSION = "inclusion"
EXIT = "exit"


@dataclass
class ClauseResult:
    code: str
    text: str
    outcome: str  # met / not_met / unknown
    values: dict = field(default_factory=dict)
    source: str = ""


@dataclass
class Decision:
    test: str
    eligible: bool | None
    policy_id: int
    policy_label: str
    year: int | None
    clauses: list[ClauseResult]

    @property
    def failed(self) -> list[ClauseResult]:
        return [c for c in self.clauses if c.outcome == NOT_MET]

    def as_json(self) -> dict:
        return asdict(self)


def _income(household: Household, year: int | None) -> IncomeRecord | None:
    qs = IncomeRecord.objects.filter(household=household)
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year").first()


def _assessment(household: Household, year: int | None) -> Assessment | None:
    qs = Assessment.objects.filter(household=household)
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "-assessed_on").first()


def _income_clause(policy: PolicySet, income: IncomeRecord | None, above: bool) -> ClauseResult:
    code = C.INCOME_ABOVE_LINE if above else C.INCOME_UNDER_LINE
    if income is None:
        return ClauseResult(
            code,
            str(C.TEXT[code]),
            UNKNOWN,
            {"line": str(policy.income_line)},
            _("No income record for the year."),
        )
    net = income.net_income_per_capita
    line = policy.income_line
    holds = net >= line if above else net < line
    return ClauseResult(
        code,
        str(C.TEXT[code]),
        MET if holds else NOT_MET,
        {"net_income_per_person": str(net), "line": str(line), "year": income.year},
        _("Income record of %(year)s (household size %(size)s)")
        % {"year": income.year, "size": income.household_size},
    )


def _guarantee_clause(assessment: Assessment | None, all_met: bool) -> ClauseResult:
    code = C.GUARANTEES_MET if all_met else C.GUARANTEE_FAILED
    if assessment is None:
        return ClauseResult(
            code, str(C.TEXT[code]), UNKNOWN, {}, _("No 两不愁三保障 assessment for the year.")
        )
    values = {name: getattr(assessment, name) for name in Assessment.CONDITIONS}
    every = all(values.values())
    holds = every if all_met else not every
    return ClauseResult(
        code,
        str(C.TEXT[code]),
        MET if holds else NOT_MET,
        values,
        _("Assessment of %(year)s on %(date)s by %(who)s")
        % {"year": assessment.year, "date": assessment.assessed_on, "who": assessment.assessor},
    )


def _exclusion_clauses(policy: PolicySet, household: Household) -> list[ClauseResult]:
    """An exclusion clause holds (met) unless a finding that triggers it is open or
    confirmed on the household. Dismissed findings do not count."""
    from fupin.compare.models import Finding, FindingStatus

    findings = list(
        Finding.objects.filter(household=household)
        .exclude(status=FindingStatus.DISMISSED)
        .select_related("run")
        .order_by("id")
    )
    out = []
    for clause in policy.exclusions or []:
        hits = [f for f in findings if f.rule == clause.get("trigger")]
        if hits:
            f = hits[0]
            out.append(
                ClauseResult(
                    clause["code"],
                    C.exclusion_text(clause),
                    NOT_MET,
                    {"finding": f.pk, "status": f.status, "summary": f.summary},
                    _("Comparison run #%(run)s (%(kind)s, %(file)s)")
                    % {
                        "run": f.run_id,
                        "kind": f.get_kind_display(),
                        "file": getattr(f.run, "file_name", ""),
                    },
                )
            )
        else:
            out.append(
                ClauseResult(
                    clause["code"], C.exclusion_text(clause), MET, {}, _("No department finding")
                )
            )
    return out


def evaluate_household(
    household: Household,
    *,
    test: str = INCLUSION,
    year: int | None = None,
    on: dt.date | None = None,
    policy: PolicySet | None = None,
) -> Decision:
    """Inclusion: (income under the line OR a guarantee failed) AND no exclusion clause
    hit. Exit: income above the line AND every guarantee met AND no exclusion needed.
    Unknown when the deciding data is missing."""
    on = on or dt.date.today()
    income = _income(household, year)
    assessment = _assessment(household, year or (income.year if income else None))
    data_year = year or (income.year if income else None)
    policy = policy or current_policy(household.village_id, on=on, year=data_year)
    clauses: list[ClauseResult]
    if test == EXIT:
        inc = _income_clause(policy, income, above=True)
        guar = _guarantee_clause(assessment, all_met=True)
        clauses = [inc, guar]
        outcomes = {inc.outcome, guar.outcome}
        eligible = None if UNKNOWN in outcomes else outcomes == {MET}
    else:
        inc = _income_clause(policy, income, above=False)
        guar = _guarantee_clause(assessment, all_met=False)
        excl = _exclusion_clauses(policy, household)
        clauses = [inc, guar, *excl]
        if any(c.outcome == NOT_MET for c in excl):
            eligible = False
        elif MET in (inc.outcome, guar.outcome):
            eligible = True
        elif UNKNOWN in (inc.outcome, guar.outcome):
            eligible = None
        else:
            eligible = False
    return Decision(
        test=test,
        eligible=eligible,
        policy_id=policy.pk,
        policy_label=str(policy),
        year=data_year,
        clauses=clauses,
    )


def line_for(year: int, area_code: str = "") -> Decimal:
    """The income line in force for a year (the national one unless a region overrides)."""
    return current_policy(area_code or "", on=dt.date(year, 12, 31), year=year).income_line
