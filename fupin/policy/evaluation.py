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

from django.db.models import Q
from django.utils.translation import gettext as _

from fupin.compare.models import EXCLUSION_DATASET, ComparisonRun, Finding, FindingStatus
from fupin.compare.selectors import PANEL_FINDINGS
from fupin.geo.codes import ancestor_codes
from fupin.policy import clauses as C
from fupin.policy import comparisons as CMP
from fupin.policy import rules as R
from fupin.policy.models import AttestationVerdict, ExclusionAttestation, PolicySet
from fupin.policy.selectors import current_policy, income_line
from fupin.registry import panels
from fupin.registry.models import Assessment, Household, IncomeRecord, Member

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


# Why a clause is unknown: a fact not established (the default), or an open department
# finding waiting for its verification.
NOT_ESTABLISHED = "not_established"
PENDING = "pending_verification"


@dataclass
class ClauseResult:
    code: str
    text: str
    outcome: str  # met / not_met / unknown
    values: dict = field(default_factory=dict)
    source: str = ""
    # unknown: NOT_ESTABLISHED or PENDING; "" when decided.
    reason: str = ""
    # The kind of an exclusion clause (department / registry / attestation), "" otherwise.
    kind: str = ""
    # Shown and weighed, but not part of the verdict (the guarantees under the national
    # combining rule).
    weighed: bool = False


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
    # The combining rule of the inclusion test (clauses.COMBINING), "" for exit.
    combining: str = ""
    # Of `deciding`, the clauses waiting for the verification of an open department
    # finding: an undecided verdict "pending verification", not "not eligible".
    pending: list[str] = field(default_factory=list)
    # Above the line with a failed guarantee under the national rule: for the village
    # appraisal to weigh (not eligible by this test alone).
    review: bool = False
    # The income line's source and whether it was verified.
    line_source: str = ""
    line_verified: bool | None = None
    # The key-assistance criteria (重点帮扶对象) of the policy that flag the household.
    key_assistance: list[str] = field(default_factory=list)

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
    _members: list[Member] | None = None
    _runs: dict[str, ComparisonRun] | None = None
    _attestations: dict[str, ExclusionAttestation] | None = None

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

    @property
    def members(self) -> list[Member]:
        """Every member row (those who left too), read once (the page's prefetched rows
        when it loaded them)."""
        if self._members is None:
            self._members = list(self.household.members.all())
        return self._members

    @property
    def runs(self) -> dict[str, ComparisonRun]:
        """The latest finished comparison run of each department list that covered the
        household's village (a run of the village, of an area above it, or of the whole
        registry), by dataset kind; one query."""
        if self._runs is None:
            areas = ancestor_codes(self.household.village_id)
            rows = (
                ComparisonRun.objects.filter(
                    Q(area_code__in=areas) | Q(area_code=""),
                    kind__in=set(EXCLUSION_DATASET.values()),
                    finished_at__isnull=False,
                )
                .order_by("kind", "-finished_at", "-id")
                .only("id", "kind", "file_name", "finished_at", "area_code")
            )
            self._runs = {}
            for run in rows:
                self._runs.setdefault(run.kind, run)
        return self._runs

    @property
    def attestations(self) -> dict[str, ExclusionAttestation]:
        """The latest attestation of each clause code for the household; one query."""
        if self._attestations is None:
            self._attestations = {}
            rows = ExclusionAttestation.objects.filter(household=self.household).select_related(
                "attested_by"
            )
            for a in rows.order_by("-attested_on", "-id"):
                self._attestations.setdefault(a.clause_code, a)
        return self._attestations

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
            reason=NOT_ESTABLISHED,
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
            clause.reason = NOT_ESTABLISHED
            outcomes.append(UNKNOWN)
            shown.append(_("%(year)s: no income record") % {"year": y})
            continue
        line = income_line(y, household.village_id)
        net = record.net_income_per_capita
        above = CMP.above_line(net, line)
        outcomes.append(MET if above else NOT_MET)
        shown.append(f"{y}: {net} {CMP.ABOVE if above else '≤'} {line}")
    clause.outcome = all_of(outcomes)
    if clause.outcome != UNKNOWN:
        clause.reason = ""
    clause.values["earlier_years"] = "; ".join(shown)
    return clause


def _guarantee_clause(
    assessment: Assessment | None, all_met: bool, combining: dict | None = None
) -> ClauseResult:
    """Exit: every guarantee met. Inclusion: a guarantee failed; under a 1+N rule, at
    least N of its named conditions failed."""
    code = C.GUARANTEES_MET if all_met else C.GUARANTEE_FAILED
    text = str(C.TEXT[code])
    conditions = list(Assessment.CONDITIONS)
    need = 1
    if combining and combining["rule"] == C.ONE_PLUS_N:
        conditions, need = combining["conditions"], combining["n"]
        text = _("At least %(n)s of the named guarantee conditions failed (1+N).") % {"n": need}
    if assessment is None:
        return ClauseResult(
            code,
            text,
            UNKNOWN,
            {},
            _("No 两不愁三保障 assessment for the year."),
            reason=NOT_ESTABLISHED,
        )
    values = {name: getattr(assessment, name) for name in Assessment.CONDITIONS}
    every = all(values.values())
    failed = sum(1 for name in conditions if not values[name])
    holds = every if all_met else failed >= need
    return ClauseResult(
        code,
        text,
        MET if holds else NOT_MET,
        values,
        _("Assessment of %(year)s on %(date)s by %(who)s")
        % {"year": assessment.year, "date": assessment.assessed_on, "who": assessment.assessor},
    )


def _department_clause(clause: dict, facts: HouseholdFacts) -> ClauseResult:
    """Confirmed finding: not met. Open finding: unknown, pending verification. None, and
    a finished comparison of the rule's department list covered the household: met. No
    such comparison: unknown, not established. Dismissed findings do not count."""
    code, text, rule = clause["code"], C.exclusion_text(clause), clause.get("rule") or ""
    hits = [f for f in facts.findings if f.rule == rule]
    confirmed = [f for f in hits if f.status == FindingStatus.CONFIRMED]
    if hits:
        f = (confirmed or hits)[0]
        source = _("Comparison run #%(run)s (%(kind)s, %(file)s)") % {
            "run": f.run_id,
            "kind": f.get_kind_display(),
            "file": getattr(f.run, "file_name", ""),
        }
        values = {"finding": f.pk, "status": f.status, "summary": f.summary}
        if confirmed:
            return ClauseResult(code, text, NOT_MET, values, source, kind=C.DEPARTMENT)
        return ClauseResult(code, text, UNKNOWN, values, source, reason=PENDING, kind=C.DEPARTMENT)
    kind = {str(r): str(k) for r, k in EXCLUSION_DATASET.items()}.get(rule)
    run = facts.runs.get(kind) if kind else None
    if run is None:
        return ClauseResult(
            code,
            text,
            UNKNOWN,
            {"rule": rule},
            _("No comparison of this department list has covered the household yet."),
            reason=NOT_ESTABLISHED,
            kind=C.DEPARTMENT,
        )
    return ClauseResult(
        code,
        text,
        MET,
        {"rule": rule},
        _("No finding in comparison run #%(run)s (%(kind)s, %(file)s, %(date)s)")
        % {
            "run": run.pk,
            "kind": run.get_kind_display(),
            "file": run.file_name,
            "date": f"{run.finished_at:%Y-%m-%d}" if run.finished_at else "",
        },
        kind=C.DEPARTMENT,
    )


def _registry_clause(clause: dict, facts: HouseholdFacts) -> ClauseResult:
    outcome, values = R.registry_clause(clause, facts.household, facts.members)
    return ClauseResult(
        clause["code"],
        C.exclusion_text(clause),
        outcome,
        values,
        _("Registry: %(source)s") % {"source": C.source_text(clause)},
        reason=NOT_ESTABLISHED if outcome == UNKNOWN else "",
        kind=C.REGISTRY,
    )


def _attestation_clause(clause: dict, facts: HouseholdFacts) -> ClauseResult:
    code, text = clause["code"], C.exclusion_text(clause)
    a = facts.attestations.get(code)
    if a is None:
        return ClauseResult(
            code,
            text,
            UNKNOWN,
            {},
            _("No attestation of the village appraisal for this clause."),
            reason=NOT_ESTABLISHED,
            kind=C.ATTESTATION,
        )
    return ClauseResult(
        code,
        text,
        NOT_MET if a.verdict == AttestationVerdict.APPLIES else MET,
        {"attestation": a.pk, "verdict": a.get_verdict_display(), "note": a.note},
        _("Village appraisal of %(date)s, attested by %(who)s%(file)s")
        % {
            "date": a.attested_on,
            "who": a.attested_by.username if a.attested_by else "—",
            "file": _(", with evidence") if a.file else "",
        },
        kind=C.ATTESTATION,
    )


def _exclusion_clauses(policy: PolicySet, facts: HouseholdFacts) -> list[ClauseResult]:
    """Each exclusion clause of the policy, decided by its kind (clauses.KINDS). A clause
    that cannot be decided is unknown ("not established"), never met."""
    out = []
    for raw in policy.exclusions or []:
        clause = C.normalise(raw)
        if clause["kind"] == C.REGISTRY:
            out.append(_registry_clause(clause, facts))
        elif clause["kind"] == C.ATTESTATION:
            out.append(_attestation_clause(clause, facts))
        else:
            out.append(_department_clause(clause, facts))
    return out


def _verdict(test: str, outcomes: list[str], combining: str = C.NATIONAL) -> str:
    """Exit: income stably above the line AND every guarantee met. Inclusion, national
    rule: income under the line AND no exclusion clause failed (the guarantee is weighed,
    not counted). Inclusion, 1+N: (income under the line OR N guarantee conditions
    failed) AND no exclusion clause failed. All three-valued."""
    if test == EXIT:
        return all_of(outcomes)
    income, guarantee, *exclusions = outcomes
    if combining == C.ONE_PLUS_N:
        return all_of([any_of([income, guarantee]), *exclusions])
    return all_of([income, *exclusions])


def deciding_facts(test: str, outcomes: list[str], combining: str = C.NATIONAL) -> list[int]:
    """The positions of the unknown clauses whose value would change the verdict: each is
    tried as met and as not met, the others as they are."""
    out = []
    for i, outcome in enumerate(outcomes):
        if outcome != UNKNOWN:
            continue
        tried = {
            _verdict(test, [*outcomes[:i], v, *outcomes[i + 1 :]], combining)
            for v in (MET, NOT_MET)
        }
        if len(tried) > 1:
            out.append(i)
    return out


def key_assistance_of(policy: PolicySet, facts: HouseholdFacts) -> list[str]:
    """The key-assistance criteria of the policy that flag the household (row form)."""
    if not policy.key_assistance:
        return []
    return R.key_assistance_row(policy.key_assistance, R.member_dicts(facts.members))


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
    combining = C.combining_of(policy.combining)
    rule = combining["rule"] if test == INCLUSION else ""
    if test == EXIT:
        clauses = [
            _stable_income_clause(policy, facts, income, data_year),
            _guarantee_clause(assessment, all_met=True),
        ]
    else:
        clauses = [
            _income_clause(policy, income, above=False),
            _guarantee_clause(assessment, all_met=False, combining=combining),
            *_exclusion_clauses(policy, facts),
        ]
        clauses[1].weighed = rule == C.NATIONAL
    outcomes = [c.outcome for c in clauses]
    verdict = _verdict(test, outcomes, rule or C.NATIONAL)
    deciding = [clauses[i].code for i in deciding_facts(test, outcomes, rule or C.NATIONAL)]
    pending = [c.code for c in clauses if c.code in deciding and c.reason == PENDING]
    review = (
        rule == C.NATIONAL
        and verdict != MET
        and clauses[0].outcome == NOT_MET
        and clauses[1].outcome == MET
    )
    return Decision(
        test=test,
        eligible=VERDICT[verdict],
        policy_id=policy.pk,
        policy_label=str(policy),
        year=data_year,
        clauses=clauses,
        deciding=deciding,
        combining=rule,
        pending=pending,
        review=review,
        line_source=policy.income_line_source,
        line_verified=policy.income_line_verified,
        key_assistance=key_assistance_of(policy, facts),
    )
