"""Reads of village scoring and performance assessment, always scoped to the user.

A sheet or round belongs to a region (usually the county). A user sees those of their
own area, of areas inside it, and of the areas above it (a village's staff see the
county's rounds) — but only the villages' scores inside their own area.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, Model, Q, QuerySet

from fupin.accounts.models import User
from fupin.assistance.models import Cadre, WorkTeam
from fupin.core.errors import OutsideArea
from fupin.core.history import history_of
from fupin.core.models import ChangeRecord
from fupin.core.scope import area_prefix_of, code_range
from fupin.geo.codes import ancestor_codes
from fupin.geo.models import Division, Level
from fupin.scoring import assessment_sources, rules, sources
from fupin.scoring import choices as c
from fupin.scoring.models import (
    AssessmentResult,
    AssessmentRun,
    AssessmentScheme,
    ManualPoints,
    PerformanceRun,
    PerformanceScheme,
    ScoringRound,
    ScoringSheet,
    VillageScore,
    YellowCard,
)
from fupin.supervision.models import Unit


def _visible[M: Model](qs: QuerySet[M], user: User, field: str) -> QuerySet[M]:
    """Rows whose `field` division is in the user's area or above it."""
    prefix = area_prefix_of(user)
    if prefix is None:
        return qs.none()
    if not prefix:
        return qs
    return qs.filter(
        Q(**{f"{field}__code__range": code_range(prefix)})
        # A non-empty prefix is the user's area's: area_id is set.
        | Q(**{f"{field}_id__in": ancestor_codes(user.area_id or "", include_self=False)})
    )


# Sheets and rounds ------------------------------------------------------------------


def sheet_list(*, user: User, current_only: bool = False) -> QuerySet[ScoringSheet]:
    qs = _visible(ScoringSheet.objects.select_related("region"), user, "region")
    if current_only:
        qs = qs.filter(is_current=True)
    return qs


def sheet_get(*, user: User, pk: int) -> ScoringSheet:
    sheet = sheet_list(user=user).filter(pk=pk).first()
    if sheet is None:
        raise OutsideArea()
    return sheet


def round_list(*, user: User) -> QuerySet[ScoringRound]:
    return _visible(ScoringRound.objects.select_related("area", "sheet"), user, "area").order_by(
        "-period_end", "-id"
    )


def round_get(*, user: User, pk: int) -> ScoringRound:
    rnd = round_list(user=user).filter(pk=pk).first()
    if rnd is None:
        raise OutsideArea()
    return rnd


def round_villages(*, user: User, round: ScoringRound, prefix: str = "") -> list[dict[str, Any]]:
    """The villages of a round inside the user's area, each with its score (or None)."""
    villages = Division.objects.restrict(user).in_area(round.area.prefix)
    if prefix:
        villages = villages.in_area(prefix)
    villages = villages.filter(level=Level.VILLAGE).select_related("parent").order_by("code")
    scores = {s.village_id: s for s in VillageScore.objects.restrict(user).filter(round=round)}
    return [{"village": v, "score": scores.get(v.code)} for v in villages]


def grade_counts(*, user: User, round: ScoringRound) -> dict[str, int]:
    counts = Counter(
        VillageScore.objects.restrict(user).filter(round=round).values_list("grade", flat=True)
    )
    return {g: counts.get(g, 0) for g in c.Grade.values}


def yellow_cards(*, user: User, open_only: bool = False) -> QuerySet[YellowCard]:
    qs = YellowCard.objects.restrict(user).select_related(
        "village", "village__parent", "carded_round", "recovered_round"
    )
    if open_only:
        qs = qs.open()
    return qs.order_by("recovered_round_id", "village_id", "carded_round__period_end")


def village_get(*, user: User, code: str) -> Division:
    village = Division.objects.restrict(user).filter(code=code, level=Level.VILLAGE).first()
    if village is None:
        raise OutsideArea()
    return village


def village_scores(*, user: User, code: str) -> list[VillageScore]:
    """A village's scores in round order, each with its item lines."""
    village_get(user=user, code=code)
    return list(
        VillageScore.objects.restrict(user)
        .filter(village_id=code)
        .select_related("round", "round__sheet")
        .prefetch_related("items__item")
        .order_by("round__period_end", "round_id")
    )


def score_get(*, user: User, round: ScoringRound, code: str) -> VillageScore | None:
    return (
        VillageScore.objects.restrict(user)
        .filter(round=round, village_id=code)
        .prefetch_related("items")
        .first()
    )


def village_history(*, user: User, code: str) -> list[Any]:
    """Change records of the village's scores, their lines and its yellow cards."""

    village_get(user=user, code=code)
    score_ids = [
        str(pk) for pk in VillageScore.objects.filter(village_id=code).values_list("pk", flat=True)
    ]
    card_ids = [
        str(pk) for pk in YellowCard.objects.filter(village_id=code).values_list("pk", flat=True)
    ]
    return list(
        ChangeRecord.objects.filter(
            Q(object_type="scoring.villagescore", object_id__in=score_ids)
            | Q(related_type="scoring.villagescore", related_id__in=score_ids)
            | Q(object_type="scoring.yellowcard", object_id__in=card_ids)
        )
        .select_related("user")
        .order_by("-time", "-id")[:200]
    )


def sheet_history(sheet: ScoringSheet) -> list[Any]:
    return list(history_of(sheet).select_related("user")[:100])


# Performance assessment -------------------------------------------------------------


def scheme_list(*, user: User) -> QuerySet[PerformanceScheme]:
    return PerformanceScheme.objects.restrict(user).select_related("region")


def scheme_get(*, user: User, pk: int) -> PerformanceScheme:
    scheme = scheme_list(user=user).filter(pk=pk).first()
    if scheme is None:
        raise OutsideArea()
    return scheme


def subjects_of(scheme: PerformanceScheme) -> list[rules.Subject]:
    """The compared set: the townships of the scheme's region, or its units (from
    fupin.supervision's Unit model, when that app provides one)."""
    if scheme.subjects == c.SubjectKind.UNIT:
        return _units(scheme)
    region = scheme.region
    return [
        rules.Subject(key=d.code, name=d.name, area_code=d.code)
        for d in Division.objects.in_area(region.prefix)
        .filter(level=Level.TOWNSHIP)
        .order_by("code")
    ]


def _units(scheme: PerformanceScheme) -> list[rules.Subject]:
    """Active units of the region. Area-based indicators are measured over the division
    a unit stands for (a township government: its township), else over its area."""
    qs = Unit.objects.in_area(scheme.region.prefix).filter(active=True).order_by("area_code", "pk")
    return [
        rules.Subject(
            key=f"unit:{u.pk}", name=u.name, area_code=u.division_id or u.area_code.ljust(12, "0")
        )
        for u in qs
    ]


def default_period(scheme: PerformanceScheme) -> tuple[dt.date, dt.date]:
    return dt.date(scheme.year, 1, 1), dt.date(scheme.year, 12, 31)


def indicator_specs(scheme: PerformanceScheme) -> list[rules.IndicatorSpec]:
    return [
        rules.IndicatorSpec(code=i.source, weight=i.weight, higher_is_better=i.higher_is_better)
        for i in scheme.indicators.all()
    ]


def indicator_values(
    subjects: list[rules.Subject], specs: list[rules.IndicatorSpec], start: dt.date, end: dt.date
) -> dict[tuple[str, str], Decimal | None]:
    """The values table {(subject key, indicator): value or None}: each source asked
    once per area (in one batch where it can)."""
    table: dict[tuple[str, str], Decimal | None] = {}
    codes = [s.area_code for s in subjects]
    own = _department_units(subjects)
    for spec in specs:
        found = sources.values_of(spec.code, codes, start, end)
        unit_source = sources.UNIT_SOURCES.get(spec.code)
        for s in subjects:
            if unit_source is not None and s.key in own:
                table[(s.key, spec.code)] = unit_source(own[s.key], start, end)
            else:
                table[(s.key, spec.code)] = found.get(s.area_code)
    return table


def _department_units(subjects: list[rules.Subject]) -> dict[str, int]:
    """{subject key: unit id} of the units that stand for no division (departments)."""
    ids = {int(s.key.split(":", 1)[1]): s.key for s in subjects if s.key.startswith("unit:")}
    if not ids:
        return {}

    rows = Unit.objects.filter(pk__in=ids, division__isnull=True).values_list("pk", flat=True)
    return {ids[pk]: pk for pk in rows}


@dataclass
class Performance:
    scheme: PerformanceScheme
    start: dt.date
    end: dt.date
    ranking: rules.Ranking
    definitions: list[dict[str, Any]]
    run: PerformanceRun | None = None  # None: computed live from a given values table
    stale: bool = False  # the scheme's indicators changed after the run


def indicator_definitions(
    specs: list[rules.IndicatorSpec], no_data: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """What each indicator means, its unit, weight and direction, for the pages."""
    return [
        {
            "code": spec.code,
            "label": c.IndicatorSource(spec.code).label,
            "definition": sources.SOURCES[spec.code].definition,
            "unit": sources.SOURCES[spec.code].unit,
            "weight": spec.weight,
            "higher_is_better": spec.higher_is_better,
            "no_data": spec.code in no_data,
        }
        for spec in specs
    ]


def run_ranking(run: PerformanceRun) -> tuple[list[rules.IndicatorSpec], rules.Ranking]:
    """The ranking of a stored run, from the inputs it kept."""
    specs = [rules.IndicatorSpec(code, Decimal(w), bool(h)) for code, w, h in run.indicators]
    subjects = [rules.Subject(key, name, area) for key, name, area in run.subjects]
    values = {
        (key, code): None if v is None else Decimal(v)
        for key, row in run.values.items()
        for code, v in row.items()
    }
    return specs, rules.rank_subjects(subjects, specs, values, run.normalisation)


def latest_run(
    *, user: User, scheme: PerformanceScheme, start: dt.date, end: dt.date
) -> PerformanceRun | None:
    return (
        PerformanceRun.objects.restrict(user)
        .filter(scheme=scheme, period_start=start, period_end=end)
        .select_related("computed_by")
        .order_by("-computed_at", "-id")
        .first()
    )


def run_list(*, user: User, scheme: PerformanceScheme) -> QuerySet[PerformanceRun]:
    return (
        PerformanceRun.objects.restrict(user)
        .filter(scheme=scheme)
        .select_related("computed_by")
        .order_by("-computed_at", "-id")
    )


def performance(
    *,
    user: User,
    scheme: PerformanceScheme,
    start: dt.date | None = None,
    end: dt.date | None = None,
    values: Mapping[tuple[str, str], Decimal | None] | None = None,
) -> Performance | None:
    """The ranking table of a scheme for a period (default: the scheme's year): from the
    latest stored run of that period (None if there is none), or computed live from a
    given values table."""
    scheme = scheme_get(user=user, pk=scheme.pk)
    d_start, d_end = default_period(scheme)
    start, end = start or d_start, end or d_end
    current = indicator_specs(scheme)
    run = None
    if values is None:
        run = latest_run(user=user, scheme=scheme, start=start, end=end)
        if run is None:
            return None
        specs, ranking = run_ranking(run)
    else:
        specs = current
        ranking = rules.rank_subjects(subjects_of(scheme), specs, values, scheme.normalisation)
    definitions = indicator_definitions(specs, ranking.no_data)
    stale = run is not None and (
        [(s.code, Decimal(s.weight), s.higher_is_better) for s in current]
        != [(s.code, s.weight, s.higher_is_better) for s in specs]
        or run.normalisation != scheme.normalisation
    )
    return Performance(scheme, start, end, ranking, definitions, run, stale)


# Yearly assessment of paired cadres and work teams ------------------------------------


def assessment_scheme_list(*, user: User) -> QuerySet[AssessmentScheme]:
    return _visible(AssessmentScheme.objects.select_related("region"), user, "region")


def assessment_scheme_get(*, user: User, pk: int) -> AssessmentScheme:
    scheme = assessment_scheme_list(user=user).filter(pk=pk).first()
    if scheme is None:
        raise OutsideArea()
    return scheme


def assessment_subject(scheme: AssessmentScheme, key: str) -> assessment_sources.Subject | None:
    """A cadre or team the scheme may assess (a cadre of the region, a team of it)."""
    kind, _sep, raw = key.partition(":")
    if kind != scheme.subjects or not raw.isdigit():
        return None
    prefix = scheme.region.prefix
    if kind == c.Assessed.TEAM:
        team = WorkTeam.objects.in_area(prefix).select_related("village").filter(pk=raw).first()
        if team is None:
            return None
        return assessment_sources.Subject(
            key, f"{team.village.name}驻村工作队", team.unit, team.village_id
        )
    cadre = Cadre.objects.in_area(prefix).filter(pk=raw).first()
    if cadre is None:
        return None
    return assessment_sources.Subject(
        key, cadre.name, f"{cadre.unit} · {cadre.get_rank_display()}", cadre.home_area_id
    )


def latest_assessment_run(*, user: User, scheme: AssessmentScheme) -> AssessmentRun | None:
    return (
        AssessmentRun.objects.restrict(user)
        .filter(scheme=scheme)
        .select_related("computed_by")
        .order_by("-computed_at", "-id")
        .first()
    )


def assessment_runs(*, user: User, scheme: AssessmentScheme) -> QuerySet[AssessmentRun]:
    """The runs of every version of the scheme (its history), newest first."""
    versions = [scheme.pk]
    step = scheme
    while step.previous_id is not None:
        versions.append(step.previous_id)
        step = AssessmentScheme.objects.get(pk=step.previous_id)
    return (
        AssessmentRun.objects.restrict(user)
        .filter(scheme_id__in=versions)
        .select_related("computed_by", "scheme")
        .order_by("-computed_at", "-id")
    )


def assessment_results(
    *, user: User, run: AssessmentRun, rating: str = ""
) -> QuerySet[AssessmentResult]:
    """The results of a run inside the user's area, ranked."""
    qs = AssessmentResult.objects.restrict(user).filter(run=run)
    if rating == "none":
        qs = qs.filter(rating="")
    elif rating:
        qs = qs.filter(rating=rating)
    return qs.order_by(F("rank").asc(nulls_last=True), "subject_key")


def rating_counts(*, user: User, run: AssessmentRun) -> dict[str, int]:
    counts = Counter(
        AssessmentResult.objects.restrict(user).filter(run=run).values_list("rating", flat=True)
    )
    return {r: counts.get(r, 0) for r in c.Rating.values}


def assessment_result_get(*, user: User, pk: int) -> AssessmentResult:
    result = (
        AssessmentResult.objects.restrict(user)
        .select_related("run", "run__scheme", "run__scheme__region")
        .filter(pk=pk)
        .first()
    )
    if result is None:
        raise OutsideArea()
    return result


def subject_results(*, user: User, result: AssessmentResult) -> list[AssessmentResult]:
    """The subject's results in every run of schemes of the same region and kind (its
    history across runs, versions and years), newest first."""
    scheme = result.run.scheme
    return list(
        AssessmentResult.objects.restrict(user)
        .filter(
            subject_key=result.subject_key,
            run__scheme__region_id=scheme.region_id,
            run__scheme__subjects=scheme.subjects,
        )
        .select_related("run", "run__scheme")
        .order_by("-run__period_end", "-run__computed_at", "-id")
    )


def manual_points(
    *, user: User, scheme: AssessmentScheme, subject_key: str = ""
) -> QuerySet[ManualPoints]:
    qs = ManualPoints.objects.restrict(user).filter(
        region_id=scheme.region_id, year=scheme.year, subjects=scheme.subjects
    )
    if subject_key:
        qs = qs.filter(subject_key=subject_key)
    return qs.select_related("entered_by").order_by("subject_key", "item_code")


def manual_history(*, user: User, result: AssessmentResult) -> list[Any]:
    """Change records of the manual points entered for the subject in the run's year."""
    scheme = result.run.scheme
    ids = [
        str(pk)
        for pk in ManualPoints.objects.restrict(user)
        .filter(region_id=scheme.region_id, year=scheme.year, subject_key=result.subject_key)
        .values_list("pk", flat=True)
    ]
    return list(
        ChangeRecord.objects.filter(object_type="scoring.manualpoints", object_id__in=ids)
        .select_related("user")
        .order_by("-time", "-id")[:100]
    )


def run_is_stale(run: AssessmentRun) -> bool:
    """Manual points were entered or changed after the run was computed."""
    scheme = run.scheme
    return ManualPoints.objects.filter(
        region_id=scheme.region_id,
        year=scheme.year,
        subjects=scheme.subjects,
        entered_at__gt=run.computed_at,
    ).exists()


def run_items(run: AssessmentRun) -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "source": source,
            "source_label": c.ItemSource(source).label,
            "max_points": Decimal(mx),
            "text": text,
        }
        for code, source, mx, text in run.items
    ]
