"""Reads of the household file: the checklist in force, the evidence of households
(one loader for one household and for a whole village: a few queries either way),
completeness per household, village and area, and who surveyed a household."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import polars as pl
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from fupin.accounts.types import User
from fupin.cases.models import CaseStep, StepDecision
from fupin.core.bulk import in_batches
from fupin.core.scope import user_covers
from fupin.dossier import rules
from fupin.dossier.models import Checklist, ChecklistItem, SurveyorStatement
from fupin.geo.codes import ancestor_codes
from fupin.geo.models import Division, Level
from fupin.registry.choices import HouseholdStatus
from fupin.registry.models import Assessment, Attachment, Household, IncomeRecord

# A case step stands for a document when it was done with evidence (a file or a written
# record), or is a review approved or a notice period ended (the decision is the record).
STEP_COUNTS = Q(decision__in=[StepDecision.APPROVE, StepDecision.NOTICE_ENDED]) | (
    Q(decision=StepDecision.DONE) & (~Q(file="") | ~Q(evidence=""))
)
# The steps whose signer is the household's surveyor (入户调查 / 入户核实).
SURVEY_STEPS = ("survey", "verification")


# ---------------------------------------------------------------- the checklist in force


def _in_force(checklists: Sequence[Checklist], code: str, on: dt.date) -> Checklist | None:
    regions = ancestor_codes(code)
    rank = {c: i for i, c in enumerate(regions)}
    fit = [
        c
        for c in checklists
        if c.effective_from <= on and (c.region_id is None or c.region_id in rank)
    ]
    if not fit:
        return None
    return min(
        fit,
        key=lambda c: (
            rank.get(str(c.region_id), len(regions)) if c.region_id else len(regions),
            -c.effective_from.toordinal(),
            -c.pk,
        ),
    )


def checklist_for(area_code: str, on: dt.date | None = None) -> Checklist | None:
    """The checklist in force for an area on a day: the most specific region's (a
    county's own, else its province's, else the national default), of those the latest
    version already in effect."""
    on = on or timezone.localdate()
    regions = ancestor_codes(area_code)
    rows = list(
        Checklist.objects.filter(Q(region_id__in=regions) | Q(region__isnull=True)).filter(
            effective_from__lte=on
        )
    )
    return _in_force(rows, area_code, on)


def checklists_for(codes: Iterable[str], on: dt.date | None = None) -> dict[str, Checklist | None]:
    """`checklist_for` of many villages in one query (the table is small)."""
    on = on or timezone.localdate()
    rows = list(Checklist.objects.filter(effective_from__lte=on))
    return {code: _in_force(rows, code, on) for code in set(codes)}


def rule_items(checklist_ids: Iterable[int]) -> list[rules.Item]:
    return [
        rules.Item(
            id=i.pk,
            checklist_id=i.checklist_id,
            status=i.status,
            name=i.name,
            sources=tuple(rules.Source.of(s) for s in i.sources),
            document=i.document,
        )
        for i in ChecklistItem.objects.filter(checklist_id__in=set(checklist_ids))
    ]


# ---------------------------------------------------------------- evidence


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def evidence_of(household_ids: Sequence[int]) -> list[rules.Evidence]:
    """Every record of these households that may stand for a document: five queries for
    any number of households (in batches of 5,000)."""
    E = rules.Evidence
    ids = sorted(set(household_ids))
    out: list[rules.Evidence] = []
    for h, kind, title, who, when, pk in in_batches(
        ids,
        lambda part: Attachment.objects.filter(household_id__in=part).values_list(
            "household_id", "kind", "title", "uploaded_by__username", "uploaded_at", "pk"
        ),
    ):
        out.append(E(h, "attachment", kind, title, who or "", when, pk))
    for h, case_kind, step, who, when, pk in in_batches(
        ids,
        lambda part: CaseStep.objects.filter(STEP_COUNTS, case__household_id__in=part).values_list(
            "case__household_id", "case__kind", "step", "actor_name", "done_at", "pk"
        ),
    ):
        out.append(E(h, "case_step", f"{case_kind}:{step}", "", who, when, pk))
    for h, year, who, on, pk in in_batches(
        ids,
        lambda part: Assessment.objects.filter(household_id__in=part).values_list(
            "household_id", "year", "assessor", "assessed_on", "pk"
        ),
    ):
        out.append(E(h, "assessment", str(year), "", who, _at(on), pk))
    for h, year, when, pk in in_batches(
        ids,
        lambda part: IncomeRecord.objects.filter(household_id__in=part).values_list(
            "household_id", "year", "updated_at", "pk"
        ),
    ):
        out.append(E(h, "income", str(year), "", "", when, pk))
    for h, kind, who, on, pk in in_batches(
        ids,
        lambda part: SurveyorStatement.objects.filter(household_id__in=part).values_list(
            "household_id", "kind", "surveyor_name", "surveyed_on", "pk"
        ),
    ):
        out.append(E(h, "signature", kind, "", who, _at(on), pk))
    return out


def evidence_columns(household_ids: Sequence[int]) -> pl.DataFrame:
    """The evidence the column form matches on (rules.EVIDENCE_SCHEMA), read as the
    bare columns it needs (no who or when: a village list shows neither), in the same
    five queries as `evidence_of`."""
    ids = sorted(set(household_ids))
    rows: list[tuple[int, str, str, str]] = []
    rows += [
        (h, "attachment", kind, title)
        for h, kind, title in in_batches(
            ids,
            lambda part: Attachment.objects.filter(household_id__in=part).values_list(
                "household_id", "kind", "title"
            ),
        )
    ]
    rows += [
        (h, "case_step", f"{kind}:{step}", "")
        for h, kind, step in in_batches(
            ids,
            lambda part: (
                CaseStep.objects.filter(STEP_COUNTS, case__household_id__in=part)
                .values_list("case__household_id", "case__kind", "step")
                .distinct()
            ),
        )
    ]
    rows += [
        (h, "assessment", str(year), "")
        for h, year in in_batches(
            ids,
            lambda part: Assessment.objects.filter(household_id__in=part).values_list(
                "household_id", "year"
            ),
        )
    ]
    rows += [
        (h, "income", str(year), "")
        for h, year in in_batches(
            ids,
            lambda part: IncomeRecord.objects.filter(household_id__in=part).values_list(
                "household_id", "year"
            ),
        )
    ]
    rows += [
        (h, "signature", kind, "")
        for h, kind in in_batches(
            ids,
            lambda part: (
                SurveyorStatement.objects.filter(household_id__in=part)
                .values_list("household_id", "kind")
                .distinct()
            ),
        )
    ]
    return pl.DataFrame(rows, schema=rules.EVIDENCE_SCHEMA, orient="row")


# ---------------------------------------------------------------- one household


@dataclass
class HouseholdFile:
    household: Household
    checklist: Checklist | None
    results: list[rules.ItemResult]

    @property
    def complete(self) -> bool:
        return rules.is_complete(self.results)

    @property
    def present(self) -> int:
        return sum(1 for r in self.results if r.present)

    @property
    def missing(self) -> list[rules.ItemResult]:
        return [r for r in self.results if not r.present]


def household_get(*, user: User, pk: int) -> Household:
    h = (
        Household.objects.restrict(user)
        .select_related("village", "village__parent")
        .filter(pk=pk)
        .first()
    )
    if h is None:
        raise Http404
    return h


def household_file(household: Household, on: dt.date | None = None) -> HouseholdFile:
    """The row form for one household: its checklist items, present or missing."""
    checklist = checklist_for(household.village_id, on)
    items = rule_items([checklist.pk]) if checklist else []
    results = rules.household_items(household.status, items, evidence_of([household.pk]))
    return HouseholdFile(household, checklist, results)


@dataclass(frozen=True)
class Surveyed:
    who: str
    when: dt.datetime | dt.date
    what: str


def surveyed_by(household: Household) -> list[Surveyed]:
    """Who surveyed the household, from the records that say so: the survey and
    verification steps of its cases (signed by whoever did them) and the assessor of
    its guarantees assessments; newest first."""
    out = [
        Surveyed(s.actor_name, s.done_at, str(s.label))
        for s in CaseStep.objects.filter(case__household=household, step__in=SURVEY_STEPS)
        .exclude(decision=StepDecision.RETURN)
        .select_related("case")
    ]
    out += [
        Surveyed(a.assessor, a.assessed_on, f"{a.year}")
        for a in Assessment.objects.filter(household=household)
        if a.assessor
    ]
    return sorted(out, key=lambda s: _sort_day(s.when), reverse=True)


def _sort_day(when: dt.datetime | dt.date) -> dt.date:
    return timezone.localdate(when) if isinstance(when, dt.datetime) else when


def statements(*, user: User, household: Household) -> list[SurveyorStatement]:
    return list(SurveyorStatement.objects.restrict(user).filter(household=household))


# ---------------------------------------------------------------- villages and areas


@dataclass
class HouseholdRow:
    household_id: int
    number: str
    status: str
    required: int
    present: int
    missing: list[str]

    @property
    def complete(self) -> bool:
        return self.present == self.required

    @property
    def status_label(self) -> str:
        return str(HouseholdStatus(self.status).label)


@dataclass
class VillageRow:
    code: str
    name: str
    total: int = 0  # households of which the checklist requires something
    complete: int = 0
    missing: Counter[str] = field(default_factory=Counter)

    @property
    def top_missing(self) -> list[tuple[str, int]]:
        """The documents most often missing (a template cannot call a Counter's method)."""
        return self.missing.most_common(3)

    @property
    def rate(self) -> float | None:
        return self.complete / self.total if self.total else None


@dataclass
class Completeness:
    villages: list[VillageRow]
    households: list[HouseholdRow]


def completeness(
    *, user: User, prefix: str, on: dt.date | None = None, with_households: bool = True
) -> Completeness:
    """The column form over the households of an area the user may read: per household
    (required, present, the missing documents) and per village (households complete of
    those that need a file, missing documents counted). A few queries whatever the size."""
    households = list(
        Household.objects.restrict(user)
        .in_area(prefix)
        .order_by("village_id", "number")
        .values_list("pk", "number", "village_id", "status")
    )
    villages = {h[2] for h in households}
    lists = checklists_for(villages, on)
    items = rule_items(c.pk for c in lists.values() if c is not None)
    names = {i.id: i.name for i in items}
    hh = pl.DataFrame(
        [
            (pk, lists[v].pk, st)  # type: ignore[union-attr]
            for pk, _n, v, st in households
            if lists.get(v) is not None
        ],
        schema=rules.HOUSEHOLDS_SCHEMA,
        orient="row",
    )
    frame = rules.completeness_frame(
        hh,
        rules.items_frame(items),
        evidence_columns([h[0] for h in households]),
    )
    missing: dict[int, list[str]] = {}
    for hid, item_id in (
        frame.filter(~pl.col("present")).select("household_id", "item_id").iter_rows()
    ):
        missing.setdefault(hid, []).append(names[item_id])
    summary = {
        hid: (req, pres) for hid, req, pres, _c in rules.household_summary(frame).iter_rows()
    }
    division_names = dict(
        Division.objects.filter(code__in=villages, level=Level.VILLAGE).values_list("code", "name")
    )
    vrows: dict[str, VillageRow] = {}
    hrows: list[HouseholdRow] = []
    for pk, number, village, status in households:
        if pk not in summary:
            continue
        required, present = summary[pk]
        row = vrows.setdefault(village, VillageRow(village, division_names.get(village, village)))
        row.total += 1
        row.complete += int(required == present)
        row.missing.update(missing.get(pk, []))
        if with_households:
            hrows.append(HouseholdRow(pk, number, status, required, present, missing.get(pk, [])))
    return Completeness(sorted(vrows.values(), key=lambda r: r.code), hrows)


def division_get(*, user: User, code: str) -> Division:
    """A division of the user's area (404 otherwise)."""
    code = code.ljust(12, "0")
    division = Division.objects.filter(code=code).select_related("parent").first()
    if division is None or not user_covers(user, code):
        raise Http404
    return division
