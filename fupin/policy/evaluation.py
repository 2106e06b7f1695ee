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

from fupin.compare.models import Finding, FindingStatus
from fupin.compare.selectors import PANEL_FINDINGS
from fupin.policy import clauses as C
from fupin.policy import comparisons as CMP
from fupin.policy.models import PolicySet
from fupin.policy.selectors import current_policy, income_line
from fupin.registry import panels
from fupin.registry.models import Assessment, Household, IncomeRecord

MET = "met"
NOT_MET = "not_met"
UNKNOWN = "unknown"

INCLUSION = "inclusion"
EXIT = "exit"


def all_of(outcomes) -> str:
    """Three-valued AND: not met as soon as one known part fails, met only when every part
    is known and holds, unknown otherwise."""
    outcomes = list(outcomes)
    if NOT_MET in outcomes:
        return NOT_MET
    return MET if all(o == MET for o in outcomes) else UNKNOWN


def any_of(outcomes) -> str:
    """Three-valued OR: met as soon as one known part holds, not met only when every part
    is known and fails, unknown otherwise."""
    outcomes = list(outcomes)
    if MET in outcomes:
        return MET
    return NOT_MET if all(o == NOT_MET for o in outcomes) else UNKNOWN


VERDICT = {MET: True, NOT_MET: False, UNKNOWN: None}


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
    # The codes of the unknown clauses whose value would decide an undecided verdict.
    deciding: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[ClauseResult]:
        return [c for c in self.clauses if c.outcome == NOT_MET]

    def as_json(self) -> dict:
        return asdict(self)


@dataclass
class HouseholdFacts:
    """The rows an evaluation reads for one household, loaded once: its income records and
    assessments (all years; taken from the household's prefetched rows when a page has
    loaded them already, see `of`), the findings that can trigger an exclusion clause and
    the policy sets looked up. Evaluating several tests from the same facts (the household
    page shows inclusion and exit) reads each of them once."""

    household: Household
    incomes: list[IncomeRecord]
    assessments: list[Assessment]
    _findings: list[Finding] | None = None
    _policies: dict[tuple[dt.date, int | None], PolicySet] = field(default_factory=dict)

    @classmethod
    def of(cls, household: Household) -> HouseholdFacts:
        """The facts of a household: `household.incomes` and `household.assessments` as
        prefetched (`prefetch_related`), else one query each."""
        return cls(household, list(household.incomes.all()), list(household.assessments.all()))

    @property
    def findings(self) -> list[Finding]:
        """Open and confirmed findings (dismissed ones do not count), oldest first."""
        if self._findings is None and not panels.may_have(self.household, PANEL_FINDINGS):
            self._findings = []  # the household page read that it has none
        if self._findings is None:
            self._findings = list(
                Finding.objects.filter(household=self.household)
                .exclude(status=FindingStatus.DISMISSED)
                .select_related("run")
                .order_by("id")
            )
        return self._findings

    def policy(self, on: dt.date, year: int | None) -> PolicySet:
        """`current_policy` for the household's village, looked up once per date and year."""
        key = (on, year)
        if key not in self._policies:
            self._policies[key] = current_policy(self.household.village_id, on=on, year=year)
        return self._policies[key]


def _income(facts: HouseholdFacts, year: int | None) -> IncomeRecord | None:
    """The income record of the year, or the latest one (one per household and year)."""
    rows = [r for r in facts.incomes if not year or r.year == year]
    return max(rows, key=lambda r: r.year, default=None)


def _assessment(facts: HouseholdFacts, year: int | None) -> Assessment | None:
    """The assessment of the year, or the latest one (one per household and year)."""
    rows = [a for a in facts.assessments if not year or a.year == year]
    return max(rows, key=lambda a: (a.year, a.assessed_on), default=None)


def _income_values(income: IncomeRecord, line: Decimal, comparison: str) -> dict:
    return {
        "net_income_per_person": str(income.net_income_per_capita),
        "line": str(line),
        "comparison": comparison,
        "year": income.year,
    }


def _income_clause(policy: PolicySet, income: IncomeRecord | None, above: bool) -> ClauseResult:
    """The inclusion test's income clause (under the line), or the exit test's for the
    decision year alone."""
    code = C.INCOME_ABOVE_LINE if above else C.INCOME_UNDER_LINE
    comparison = CMP.ABOVE if above else CMP.UNDER
    if income is None:
        return ClauseResult(
            code,
            str(C.TEXT[code]),
            UNKNOWN,
            {"line": str(policy.income_line), "comparison": comparison},
            _("No income record for the year."),
        )
    net = income.net_income_per_capita
    line = policy.income_line
    holds = CMP.above_line(net, line) if above else CMP.under_line(net, line)
    return ClauseResult(
        code,
        str(C.TEXT[code]),
        MET if holds else NOT_MET,
        _income_values(income, line, comparison),
        _("Income record of %(year)s (household size %(size)s)")
        % {"year": income.year, "size": income.household_size},
    )


def _stable_income_clause(
    policy: PolicySet, facts: HouseholdFacts, income: IncomeRecord | None, year: int | None
) -> ClauseResult:
    """The exit test's income clause: stably above the line (稳定超过), i.e. above each
    year's line in `policy.stable_years` consecutive years ending with the decision year.
    A known year under or at its line decides (not met) even when another year is missing."""
    years = max(1, policy.stable_years or 1)
    clause = _income_clause(policy, income, above=True)
    clause.values["stable_years"] = years
    year = income.year if income is not None else year
    if years == 1 or year is None:
        return clause
    household = facts.household
    earlier = {r.year: r for r in facts.incomes if year - years + 1 <= r.year < year}
    outcomes = [clause.outcome]
    shown = []
    for y in range(year - 1, year - years, -1):
        record = earlier.get(y)
        if record is None:
            outcomes.append(UNKNOWN)
            shown.append(_("%(year)s: no income record") % {"year": y})
            continue
        line = income_line(y, household.village_id)
        net = record.net_income_per_capita
        above = CMP.above_line(net, line)
        outcomes.append(MET if above else NOT_MET)
        shown.append(f"{y}: {net} {CMP.ABOVE if above else '≤'} {line}")
    clause.outcome = all_of(outcomes)
    clause.values["earlier_years"] = "; ".join(shown)
    return clause


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


def _exclusion_clauses(policy: PolicySet, facts: HouseholdFacts) -> list[ClauseResult]:
    """An exclusion clause holds (met) unless a finding that triggers it is open or
    confirmed on the household. Dismissed findings do not count."""

    out = []
    for clause in policy.exclusions or []:
        hits = [f for f in facts.findings if f.rule == clause.get("trigger")]
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


def _verdict(test: str, outcomes: list[str]) -> str:
    """Exit: income stably above the line AND every guarantee met. Inclusion: (income
    under the line OR a guarantee failed) AND no exclusion clause hit. Both three-valued."""
    if test == EXIT:
        return all_of(outcomes)
    income, guarantee, *exclusions = outcomes
    return all_of([any_of([income, guarantee]), *exclusions])


def deciding_facts(test: str, outcomes: list[str]) -> list[int]:
    """The positions of the unknown clauses whose value would change the verdict: each is
    tried as met and as not met, the others as they are."""
    out = []
    for i, outcome in enumerate(outcomes):
        if outcome != UNKNOWN:
            continue
        tried = {_verdict(test, [*outcomes[:i], v, *outcomes[i + 1 :]]) for v in (MET, NOT_MET)}
        if len(tried) > 1:
            out.append(i)
    return out


def evaluate_household(
    household: Household,
    *,
    test: str = INCLUSION,
    year: int | None = None,
    on: dt.date | None = None,
    policy: PolicySet | None = None,
    facts: HouseholdFacts | None = None,
) -> Decision:
    """The decision of the test (`_verdict`): eligible, not eligible, or undecided (None)
    only when a missing fact could change it; `deciding` names those facts.

    `facts`: the household's rows loaded once (`HouseholdFacts.of`), for a caller that
    evaluates several tests or has the rows already; read here when not given."""
    on = on or dt.date.today()
    facts = facts or HouseholdFacts.of(household)
    income = _income(facts, year)
    assessment = _assessment(facts, year or (income.year if income else None))
    data_year = year or (income.year if income else None)
    policy = policy or facts.policy(on, data_year)
    if test == EXIT:
        clauses = [
            _stable_income_clause(policy, facts, income, data_year),
            _guarantee_clause(assessment, all_met=True),
        ]
    else:
        clauses = [
            _income_clause(policy, income, above=False),
            _guarantee_clause(assessment, all_met=False),
            *_exclusion_clauses(policy, facts),
        ]
    verdict = _verdict(test, [c.outcome for c in clauses])
    deciding = [clauses[i].code for i in deciding_facts(test, [c.outcome for c in clauses])]
    return Decision(
        test=test,
        eligible=VERDICT[verdict],
        policy_id=policy.pk,
        policy_label=str(policy),
        year=data_year,
        clauses=clauses,
        deciding=deciding,
    )
