"""Writes of village scoring and performance assessment: one transaction each,
keyword-only, every change recorded in core.ChangeRecord.

Who may write: a user with the `supervise` or `configure` capability, inside their area
(outside it looks like "not found"); `actor=None` is the system (demo, commands).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts.models import User
from fupin.accounts.roles import Capability, has_capability
from fupin.core.errors import DomainError, NotAllowed, OutsideArea, ValidationFailed
from fupin.core.files import Upload, accept_upload
from fupin.core.history import created, recording
from fupin.core.models import actor_account, actor_name
from fupin.core.scope import code_in_area, user_covers
from fupin.geo.codes import significant_prefix
from fupin.geo.models import Division, Level
from fupin.scoring import assessment_sources, rules, selectors
from fupin.scoring import choices as c
from fupin.scoring.models import (
    AssessmentItem,
    AssessmentResult,
    AssessmentRun,
    AssessmentScheme,
    ItemScore,
    ManualPoints,
    PerformanceIndicator,
    PerformanceRun,
    PerformanceScheme,
    ScoringItem,
    ScoringRound,
    ScoringSheet,
    VillageScore,
    YellowCard,
)

FULL_MARKS = Decimal("100")
ONE_DECIMAL = Decimal("0.1")
SHEET_FIELDS = (
    "name",
    "year",
    "consolidate_threshold",
    "yellow_threshold",
    "key_threshold",
    "key_consecutive_rounds",
)


class SheetSuperseded(DomainError):
    code = "sheet_superseded"
    status = 409


def may_supervise(user: User) -> bool:
    return has_capability(user, Capability.SUPERVISE) or has_capability(user, Capability.CONFIGURE)


def _check(actor: User | None, area_code: str) -> None:
    if actor is None:
        return
    if not user_covers(actor, area_code):
        raise OutsideArea()
    if not may_supervise(actor):
        raise NotAllowed()


def _require_region(code: str) -> None:
    if not Division.objects.filter(code=code, level__lte=Level.TOWNSHIP).exists():
        raise ValidationFailed({"region": [_("Choose a region (a county or a township).")]})


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


# Sheets -----------------------------------------------------------------------------


def _clean_sheet(
    data: Mapping[str, Any], items: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, Any], list[Any]]:
    """Validated sheet fields and items, or ValidationFailed naming every problem."""
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    fields["name"] = str(data.get("name") or "").strip()
    if not fields["name"]:
        errors.setdefault("name", []).append(_("A sheet needs a name."))
    try:
        fields["year"] = int(data["year"])
    except (KeyError, TypeError, ValueError):
        errors.setdefault("year", []).append(_("Enter a year."))
    for name, default in (
        ("consolidate_threshold", Decimal("90")),
        ("yellow_threshold", Decimal("80")),
        ("key_threshold", Decimal("60")),
    ):
        raw = data.get(name, default)
        value = _decimal(raw)
        if value is None:
            errors.setdefault(name, []).append(_("Enter a number of points."))
        fields[name] = value if value is not None else default
    try:
        fields["key_consecutive_rounds"] = int(data.get("key_consecutive_rounds", 2))
    except (TypeError, ValueError):
        fields["key_consecutive_rounds"] = 0
    t = rules.Thresholds(
        consolidate=fields["consolidate_threshold"],
        yellow=fields["yellow_threshold"],
        key=fields["key_threshold"],
        key_consecutive_rounds=fields["key_consecutive_rounds"],
    )
    problems = rules.threshold_errors(t)
    if "order" in problems:
        errors.setdefault("yellow_threshold", []).append(
            _("Thresholds must rise: 0 ≤ key management ≤ yellow card ≤ consolidate ≤ 100 points.")
        )
    if "consecutive" in problems:
        errors.setdefault("key_consecutive_rounds", []).append(
            _("Key management after at least 2 consecutive yellow-card rounds.")
        )
    cleaned: list[dict[str, Any]] = []
    codes: set[str] = set()
    for n, item in enumerate(items, start=1):
        code = str(item.get("code") or "").strip()
        text = str(item.get("text") or "").strip()
        points = _decimal(item.get("max_points"))
        if not code or not text:
            errors.setdefault("items", []).append(
                _("Item %(n)s needs a code and a text.") % {"n": n}
            )
        elif code in codes:
            errors.setdefault("items", []).append(
                _("Item code %(code)s is used twice.") % {"code": code}
            )
        codes.add(code)
        if points is None or points <= 0 or points != points.quantize(ONE_DECIMAL):
            errors.setdefault("items", []).append(
                _("Item %(n)s: the maximum points must be positive, with at most one decimal.")
                % {"n": n}
            )
            points = Decimal("0")
        cleaned.append(
            {
                "code": code,
                "text": text,
                "max_points": points,
                "evidence_required": bool(item.get("evidence_required")),
                "order": n,
            }
        )
    if not cleaned:
        errors.setdefault("items", []).append(_("A sheet needs at least one item."))
    elif "items" not in errors:
        full = sum((i["max_points"] for i in cleaned), Decimal("0"))
        if full != FULL_MARKS:
            errors.setdefault("items", []).append(
                _("The items' maximum points add up to %(sum)s; a sheet is out of 100.")
                % {"sum": full}
            )
    if errors:
        raise ValidationFailed(errors)
    return fields, cleaned


def _write_items(
    actor: User | None, sheet: ScoringSheet, items: list[dict[str, Any]], reason: str
) -> None:
    for data in items:
        item = ScoringItem.objects.create(sheet=sheet, **data)
        created(actor, item, area_code=sheet.region_id, reason=reason, related=sheet)


@transaction.atomic
def sheet_create(
    *,
    actor: User | None,
    region_code: str,
    data: Mapping[str, Any],
    items: Sequence[Mapping[str, Any]],
    reason: str = "",
) -> ScoringSheet:
    """A new scoring sheet (version 1) of a region."""
    _check(actor, region_code)
    _require_region(region_code)
    fields, cleaned = _clean_sheet(data, items)
    if ScoringSheet.objects.filter(region_id=region_code, name=fields["name"]).exists():
        raise ValidationFailed({"name": [_("This region already has a sheet of that name.")]})
    sheet = ScoringSheet.objects.create(region_id=region_code, version=1, **fields)
    created(actor, sheet, area_code=region_code, reason=reason)
    _write_items(actor, sheet, cleaned, reason)
    return sheet


def sheet_is_frozen(sheet: ScoringSheet) -> bool:
    """A sheet some round uses cannot change: editing it makes the next version."""
    return sheet.rounds.exists()


@transaction.atomic
def sheet_update(
    *,
    actor: User | None,
    sheet: ScoringSheet,
    data: Mapping[str, Any],
    items: Sequence[Mapping[str, Any]],
    reason: str = "",
) -> ScoringSheet:
    """Change a sheet. Returns the sheet changed in place, or — if a round already uses
    it — its new version (the old one stays as it was, no longer current)."""
    _check(actor, sheet.region_id)
    sheet = ScoringSheet.objects.select_for_update().get(pk=sheet.pk)
    if not sheet.is_current:
        raise SheetSuperseded(_("Only the current version of a sheet can be edited."))
    fields, cleaned = _clean_sheet(data, items)
    clash = ScoringSheet.objects.filter(region_id=sheet.region_id, name=fields["name"]).exclude(
        pk=sheet.pk
    )
    if sheet_is_frozen(sheet):
        clash = clash.exclude(name=sheet.name)
    if clash.exists():
        raise ValidationFailed({"name": [_("This region already has a sheet of that name.")]})
    if sheet_is_frozen(sheet):
        with recording(actor, sheet, area_code=sheet.region_id, reason=reason):
            sheet.is_current = False
            sheet.save(update_fields=["is_current"])
        new = ScoringSheet.objects.create(
            region_id=sheet.region_id, version=sheet.version + 1, previous=sheet, **fields
        )
        created(actor, new, area_code=sheet.region_id, reason=reason)
        _write_items(actor, new, cleaned, reason)
        return new
    with recording(actor, sheet, area_code=sheet.region_id, reason=reason):
        for name, value in fields.items():
            setattr(sheet, name, value)
        sheet.save()
    existing = {i.code: i for i in sheet.items.all()}
    wanted = {i["code"] for i in cleaned}
    for code, stale in existing.items():
        if code not in wanted:
            with recording(actor, stale, area_code=sheet.region_id, reason=reason, related=sheet):
                stale.delete()
    for data_ in cleaned:
        item = existing.get(data_["code"])
        if item is None:
            _write_items(actor, sheet, [data_], reason)
            continue
        with recording(actor, item, area_code=sheet.region_id, reason=reason, related=sheet):
            for name, value in data_.items():
                setattr(item, name, value)
            item.save()
    return sheet


# Rounds and scores ------------------------------------------------------------------


@transaction.atomic
def round_create(
    *,
    actor: User | None,
    sheet: ScoringSheet,
    area_code: str,
    name: str,
    period_start: dt.date,
    period_end: dt.date,
    reason: str = "",
) -> ScoringRound:
    """A round of scoring of the villages of `area_code` (the sheet's region or below)."""
    _check(actor, area_code)
    errors: dict[str, list[str]] = {}
    area = Division.objects.filter(code=area_code).first()
    if area is None or not code_in_area(area_code, significant_prefix(sheet.region_id)):
        errors["area"] = [_("The area must lie in the sheet's region.")]
    if not sheet.is_current:
        errors["sheet"] = [_("Rounds use the current version of a sheet.")]
    if not (name or "").strip():
        errors["name"] = [_("A round needs a name.")]
    if period_end < period_start:
        errors["period_end"] = [_("The period ends before it starts.")]
    if errors or area is None:  # no area is already an error
        raise ValidationFailed(errors)
    rnd = ScoringRound.objects.create(
        sheet=sheet,
        area=area,
        name=name.strip(),
        period_start=period_start,
        period_end=period_end,
    )
    created(actor, rnd, area_code=area_code, reason=reason)
    return rnd


def _clean_points(
    items: Sequence[ScoringItem],
    points: Mapping[str, Any],
    evidence: Mapping[str, str],
    has_attachment: bool,
) -> dict[str, tuple[Decimal, str]]:
    errors: dict[str, list[str]] = {}
    out: dict[str, tuple[Decimal, str]] = {}
    for item in items:
        value = _decimal(points.get(item.code))
        note = str(evidence.get(item.code) or "").strip()
        key = f"points_{item.code}"
        if value is None:
            errors[key] = [_("Enter the points for %(item)s.") % {"item": item.code}]
            continue
        if value < 0 or value > item.max_points:
            errors[key] = [
                _("%(item)s: points must be between 0 and %(max)s.")
                % {"item": item.code, "max": item.max_points}
            ]
            continue
        if value != value.quantize(ONE_DECIMAL):
            errors[key] = [_("%(item)s: at most one decimal.") % {"item": item.code}]
            continue
        if item.evidence_required and not note and not has_attachment:
            errors[f"evidence_{item.code}"] = [
                _("%(item)s needs evidence: a note or a file.") % {"item": item.code}
            ]
            continue
        out[item.code] = (value.quantize(ONE_DECIMAL), note)
    unknown = set(points) - {i.code for i in items}
    if unknown:
        errors["__all__"] = [
            _("Unknown items: %(codes)s.") % {"codes": ", ".join(sorted(map(str, unknown)))}
        ]
    if errors:
        raise ValidationFailed(errors)
    return out


@transaction.atomic
def score_record(
    *,
    actor: User | None,
    round: ScoringRound,
    village_code: str,
    points: Mapping[str, Any],
    evidence: Mapping[str, str] | None = None,
    scored_on: dt.date,
    notes: str = "",
    attachment: Upload | None = None,
    reason: str = "",
) -> VillageScore:
    """Record (or correct) a village's score in a round. Every item of the round's sheet
    gets points 0..max; items that require evidence need a note or the file. The total is
    the exact sum; the class and the yellow cards of the village are brought up to date
    across all its rounds."""
    _check(actor, village_code)
    village = Division.objects.filter(code=village_code, level=Level.VILLAGE).first()
    if village is None or not code_in_area(village_code, round.area.prefix):
        raise ValidationFailed({"village": [_("The village is not in this round's area.")]})
    attachment = accept_upload(attachment, field="attachment")
    items = list(round.sheet.items.all())
    cleaned = _clean_points(items, points, evidence or {}, bool(attachment))
    total = sum((v for v, _note in cleaned.values()), Decimal("0"))
    score = VillageScore.objects.select_for_update().filter(round=round, village=village).first()
    name = actor_name(actor)
    if score is None:
        score = VillageScore(round=round, village=village)
    with recording(actor, score, area_code=village_code, reason=reason):
        score.total = total
        score.grade = _grade_for(round, village_code, total)
        score.scorer = actor_account(actor)
        score.scorer_name = name
        score.scored_on = scored_on
        score.notes = notes or ""
        score.attach(attachment)
        score.save()
    existing = {i.item_id: i for i in score.items.all()}
    for item in items:
        value, note = cleaned[item.code]
        line = existing.get(item.pk)
        if line is None:
            line = ItemScore.objects.create(score=score, item=item, points=value, evidence=note)
            created(actor, line, area_code=village_code, reason=reason, related=score)
            continue
        with recording(actor, line, area_code=village_code, reason=reason, related=score):
            line.points, line.evidence = value, note
            line.save()
    refresh_village(actor=actor, village_code=village_code, reason=reason)
    score.refresh_from_db()
    return score


def _round_key(rnd: ScoringRound) -> tuple[Any, ...]:
    return (rnd.period_end, rnd.period_start, rnd.pk)


def _grade_for(rnd: ScoringRound, village_code: str, total: Decimal) -> str:
    """The class of `total` in `rnd`, given the village's scores in earlier rounds."""
    earlier = [
        step
        for score, step in village_steps(village_code)
        if _round_key(score.round) < _round_key(rnd)
    ]
    here = rules.ScoreStep(rnd.pk, total, rules.Thresholds.of(rnd.sheet))
    grades, _cards = rules.track([*earlier, here])
    return grades[-1]


def village_steps(village_code: str) -> list[tuple[VillageScore, rules.ScoreStep]]:
    scores = (
        VillageScore.objects.filter(village_id=village_code)
        .select_related("round", "round__sheet")
        .order_by("round__period_end", "round__period_start", "round_id")
    )
    return [
        (s, rules.ScoreStep(s.round_id, s.total, rules.Thresholds.of(s.round.sheet)))
        for s in scores
    ]


def refresh_village(*, actor: User | None, village_code: str, reason: str = "") -> None:
    """Bring a village's classes and yellow cards in line with its scores in round order
    (a round scored late may change later classes); each change is recorded."""
    steps = village_steps(village_code)
    grades, spans = rules.track([s for _score, s in steps])
    for (score, _step), grade in zip(steps, grades, strict=True):
        if score.grade != grade:
            with recording(actor, score, area_code=village_code, reason=reason):
                score.grade = grade
                score.save(update_fields=["grade"])
    cards = {
        card.carded_round_id: card
        for card in YellowCard.objects.select_for_update().filter(village_id=village_code)
    }
    wanted = {span.carded_round_id for span in spans}
    for round_id, stale in cards.items():
        if round_id not in wanted:
            with recording(actor, stale, area_code=village_code, reason=reason):
                stale.delete()
    for span in spans:
        card = cards.get(span.carded_round_id)
        if card is None:
            card = YellowCard.objects.create(
                village_id=village_code,
                carded_round_id=span.carded_round_id,
                rounds_carded=span.rounds_carded,
                recovered_round_id=span.recovered_round_id,
            )
            created(actor, card, area_code=village_code, reason=reason)
            continue
        if (card.rounds_carded, card.recovered_round_id) != (
            span.rounds_carded,
            span.recovered_round_id,
        ):
            with recording(actor, card, area_code=village_code, reason=reason):
                card.rounds_carded = span.rounds_carded
                card.recovered_round_id = span.recovered_round_id
                card.save(update_fields=["rounds_carded", "recovered_round"])


# Performance schemes ----------------------------------------------------------------


def _clean_scheme(
    data: Mapping[str, Any], indicators: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    errors: dict[str, list[str]] = {}
    fields = {
        "name": str(data.get("name") or "").strip(),
        "subjects": data.get("subjects") or c.SubjectKind.TOWNSHIP,
        "normalisation": data.get("normalisation") or c.Normalisation.MINMAX,
    }
    if not fields["name"]:
        errors["name"] = [_("A scheme needs a name.")]
    try:
        fields["year"] = int(data["year"])
    except (KeyError, TypeError, ValueError):
        errors["year"] = [_("Enter a year.")]
    if fields["subjects"] not in c.SubjectKind.values:
        errors["subjects"] = [_("Choose what is compared.")]
    if fields["normalisation"] not in c.Normalisation.values:
        errors["normalisation"] = [_("Choose a normalisation.")]
    cleaned = []
    seen = set()
    for n, ind in enumerate(indicators, start=1):
        source = ind.get("source")
        weight = _decimal(ind.get("weight"))
        if source not in c.IndicatorSource.values:
            errors.setdefault("indicators", []).append(_("Unknown indicator."))
            continue
        if source in seen:
            errors.setdefault("indicators", []).append(
                _("%(indicator)s is listed twice.") % {"indicator": c.IndicatorSource(source).label}
            )
        seen.add(source)
        if weight is None or weight <= 0 or weight != weight.quantize(Decimal("0.01")):
            errors.setdefault("indicators", []).append(
                _("%(indicator)s: the weight must be positive, with at most two decimals.")
                % {"indicator": c.IndicatorSource(source).label}
            )
            continue
        cleaned.append(
            {
                "source": source,
                "weight": weight,
                "higher_is_better": bool(ind.get("higher_is_better", True)),
                "order": n,
            }
        )
    if not cleaned and "indicators" not in errors:
        errors["indicators"] = [_("A scheme needs at least one indicator.")]
    if errors:
        raise ValidationFailed(errors)
    return fields, cleaned


@transaction.atomic
def scheme_save(
    *,
    actor: User | None,
    region_code: str,
    data: Mapping[str, Any],
    indicators: Sequence[Mapping[str, Any]],
    scheme: PerformanceScheme | None = None,
    reason: str = "",
) -> PerformanceScheme:
    """Create or change a performance scheme and its indicators (recorded)."""
    if scheme is not None:
        region_code = scheme.region_id
    _check(actor, region_code)
    _require_region(region_code)
    fields, cleaned = _clean_scheme(data, indicators)
    if scheme is None:
        scheme = PerformanceScheme.objects.create(region_id=region_code, **fields)
        created(actor, scheme, area_code=region_code, reason=reason)
        existing: dict[str, PerformanceIndicator] = {}
    else:
        with recording(actor, scheme, area_code=region_code, reason=reason):
            for name, value in fields.items():
                setattr(scheme, name, value)
            scheme.save()
        existing = {i.source: i for i in scheme.indicators.all()}
    wanted = {i["source"] for i in cleaned}
    for source, stale in existing.items():
        if source not in wanted:
            with recording(actor, stale, area_code=region_code, reason=reason, related=scheme):
                stale.delete()
    for data_ in cleaned:
        ind = existing.get(data_["source"])
        if ind is None:
            ind = PerformanceIndicator.objects.create(scheme=scheme, **data_)
            created(actor, ind, area_code=region_code, reason=reason, related=scheme)
            continue
        with recording(actor, ind, area_code=region_code, reason=reason, related=scheme):
            for name, value in data_.items():
                setattr(ind, name, value)
            ind.save()
    return scheme


@transaction.atomic
def performance_compute(
    *,
    actor: User | None,
    scheme: PerformanceScheme,
    start: dt.date,
    end: dt.date,
    values: Mapping[tuple[str, str], Decimal | None] | None = None,
) -> PerformanceRun:
    """Ask every source for every subject of the scheme over the period and keep the
    values with the scheme's indicators as they are now (recorded). `values` replaces
    the sources (a crafted table, or figures from elsewhere)."""

    _check(actor, scheme.region_id)
    if end < start:
        raise ValidationFailed({"end": [_("The period ends before it starts.")]})
    subjects = selectors.subjects_of(scheme)
    specs = selectors.indicator_specs(scheme)
    if values is None:
        values = selectors.indicator_values(subjects, specs, start, end)
    run = PerformanceRun.objects.create(
        scheme=scheme,
        period_start=start,
        period_end=end,
        normalisation=scheme.normalisation,
        indicators=[[s.code, str(s.weight), s.higher_is_better] for s in specs],
        subjects=[[s.key, s.name, s.area_code] for s in subjects],
        values={
            s.key: {
                spec.code: None
                if values.get((s.key, spec.code)) is None
                else str(values[(s.key, spec.code)])
                for spec in specs
            }
            for s in subjects
        },
        computed_at=timezone.now(),
        computed_by=actor_account(actor),
    )
    created(actor, run, area_code=scheme.region_id, related=scheme)
    return run


# Yearly assessment of paired cadres and work teams ------------------------------------

ASSESSMENT_FIELDS = (
    "name",
    "year",
    "subjects",
    "excellent_threshold",
    "competent_threshold",
    "basic_threshold",
)


def _clean_assessment(
    data: Mapping[str, Any], items: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Validated scheme fields and items, or ValidationFailed naming every problem."""
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {"name": str(data.get("name") or "").strip()}
    if not fields["name"]:
        errors["name"] = [_("A scheme needs a name.")]
    try:
        fields["year"] = int(data["year"])
    except (KeyError, TypeError, ValueError):
        errors["year"] = [_("Enter a year.")]
    fields["subjects"] = data.get("subjects") or ""
    if fields["subjects"] not in c.Assessed.values:
        errors["subjects"] = [_("Choose who is assessed.")]
    for name, default in (
        ("excellent_threshold", Decimal("90")),
        ("competent_threshold", Decimal("75")),
        ("basic_threshold", Decimal("60")),
    ):
        value = _decimal(data.get(name, default))
        if value is None:
            errors.setdefault(name, []).append(_("Enter a number of points."))
        fields[name] = value if value is not None else default
    t = rules.RatingThresholds(
        fields["excellent_threshold"], fields["competent_threshold"], fields["basic_threshold"]
    )
    if not t.ordered():
        errors.setdefault("competent_threshold", []).append(
            _("Thresholds must rise: 0 ≤ basically competent ≤ competent ≤ excellent ≤ 100.")
        )
    cleaned: list[dict[str, Any]] = []
    codes: set[str] = set()
    for n, item in enumerate(items, start=1):
        code = str(item.get("code") or "").strip()
        text = str(item.get("text") or "").strip()
        source = item.get("source") or c.ItemSource.MANUAL
        points = _decimal(item.get("max_points"))
        if not code or not text:
            errors.setdefault("items", []).append(
                _("Item %(n)s needs a code and a text.") % {"n": n}
            )
        elif code in codes:
            errors.setdefault("items", []).append(
                _("Item code %(code)s is used twice.") % {"code": code}
            )
        codes.add(code)
        if source not in c.ItemSource.values:
            errors.setdefault("items", []).append(_("Item %(n)s: unknown source.") % {"n": n})
        if points is None or points <= 0 or points != points.quantize(ONE_DECIMAL):
            errors.setdefault("items", []).append(
                _("Item %(n)s: the maximum points must be positive, with at most one decimal.")
                % {"n": n}
            )
            points = Decimal("0")
        cleaned.append(
            {"code": code, "text": text, "source": source, "max_points": points, "order": n}
        )
    if not cleaned:
        errors.setdefault("items", []).append(_("A scheme needs at least one item."))
    elif "items" not in errors:
        full = sum((i["max_points"] for i in cleaned), Decimal("0"))
        if full != FULL_MARKS:
            errors.setdefault("items", []).append(
                _("The items' maximum points add up to %(sum)s; a scheme is out of 100.")
                % {"sum": full}
            )
    if errors:
        raise ValidationFailed(errors)
    return fields, cleaned


def _write_assessment_items(
    actor: User | None, scheme: AssessmentScheme, items: list[dict[str, Any]], reason: str
) -> None:
    for data in items:
        item = AssessmentItem.objects.create(scheme=scheme, **data)
        created(actor, item, area_code=scheme.region_id, reason=reason, related=scheme)


def assessment_is_frozen(scheme: AssessmentScheme) -> bool:
    """A scheme a run used cannot change: editing it makes the next version."""
    return scheme.runs.exists()


@transaction.atomic
def assessment_scheme_save(
    *,
    actor: User | None,
    data: Mapping[str, Any],
    items: Sequence[Mapping[str, Any]],
    region_code: str = "",
    scheme: AssessmentScheme | None = None,
    reason: str = "",
) -> AssessmentScheme:
    """Create a yearly assessment scheme of a region, or change one: in place while no
    run used it, else as its next version (the old one stays, no longer current)."""
    if scheme is not None:
        region_code = scheme.region_id
    _check(actor, region_code)
    _require_region(region_code)
    fields, cleaned = _clean_assessment(data, items)
    if scheme is None:
        if AssessmentScheme.objects.filter(region_id=region_code, name=fields["name"]).exists():
            raise ValidationFailed({"name": [_("This region already has a scheme of that name.")]})
        new = AssessmentScheme.objects.create(region_id=region_code, version=1, **fields)
        created(actor, new, area_code=region_code, reason=reason)
        _write_assessment_items(actor, new, cleaned, reason)
        return new
    scheme = AssessmentScheme.objects.select_for_update().get(pk=scheme.pk)
    if not scheme.is_current:
        raise SheetSuperseded(_("Only the current version of a scheme can be edited."))
    clash = AssessmentScheme.objects.filter(region_id=region_code, name=fields["name"]).exclude(
        pk=scheme.pk
    )
    if assessment_is_frozen(scheme):
        clash = clash.exclude(name=scheme.name)
    if clash.exists():
        raise ValidationFailed({"name": [_("This region already has a scheme of that name.")]})
    if assessment_is_frozen(scheme):
        with recording(actor, scheme, area_code=region_code, reason=reason):
            scheme.is_current = False
            scheme.save(update_fields=["is_current"])
        new = AssessmentScheme.objects.create(
            region_id=region_code, version=scheme.version + 1, previous=scheme, **fields
        )
        created(actor, new, area_code=region_code, reason=reason)
        _write_assessment_items(actor, new, cleaned, reason)
        return new
    with recording(actor, scheme, area_code=region_code, reason=reason):
        for name, value in fields.items():
            setattr(scheme, name, value)
        scheme.save()
    for stale in scheme.items.all():
        with recording(actor, stale, area_code=region_code, reason=reason, related=scheme):
            stale.delete()
    _write_assessment_items(actor, scheme, cleaned, reason)
    return scheme


def _county_user(actor: User | None, region_code: str) -> None:
    """Manual points are entered by a county user (the county office or an inspector of
    the county or above) who may supervise."""
    _check(actor, region_code)
    if actor is not None and actor.area is not None and actor.area.level > Level.COUNTY:
        raise NotAllowed(_("Manual assessment points are entered by the county."))


@transaction.atomic
def manual_points_set(
    *,
    actor: User | None,
    scheme: AssessmentScheme,
    subject_key: str,
    item_code: str,
    points: Any,
    note: str = "",
    reason: str = "",
) -> ManualPoints:
    """Enter (or correct) the points of a manual item for one cadre or team of the
    scheme's year (0..the item's maximum, one decimal)."""
    _county_user(actor, scheme.region_id)
    item = scheme.items.filter(code=item_code, source=c.ItemSource.MANUAL).first()
    if item is None:
        raise ValidationFailed({"item": [_("Choose a manual item of the scheme.")]})
    value = _decimal(points)
    if value is None or not Decimal("0") <= value <= item.max_points:
        raise ValidationFailed(
            {"points": [_("Points between 0 and %(max)s.") % {"max": item.max_points}]}
        )
    if value != value.quantize(ONE_DECIMAL):
        raise ValidationFailed({"points": [_("At most one decimal.")]})
    subject = selectors.assessment_subject(scheme, subject_key)
    if subject is None:
        raise ValidationFailed({"subject": [_("Not assessed by this scheme.")]})
    row = ManualPoints.objects.select_for_update().filter(
        region_id=scheme.region_id,
        year=scheme.year,
        subjects=scheme.subjects,
        item_code=item_code,
        subject_key=subject_key,
    ).first() or ManualPoints(
        region_id=scheme.region_id,
        year=scheme.year,
        subjects=scheme.subjects,
        item_code=item_code,
        subject_key=subject_key,
    )
    with recording(actor, row, area_code=subject.area_code, reason=reason):
        row.subject_name = subject.name
        row.area_code = subject.area_code
        row.points = value
        row.note = (note or "").strip()
        row.entered_by = actor_account(actor)
        row.save()
    return row


@transaction.atomic
def assessment_compute(
    *,
    actor: User | None,
    scheme: AssessmentScheme,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> AssessmentRun:
    """Compute the scheme over its year (or a period): every computed item's rate from
    the data, the manual points entered, the total, class and rank of each cadre or team;
    kept as a run with the scheme's version (which is frozen from now on). Recorded."""
    _check(actor, scheme.region_id)
    start = start or dt.date(scheme.year, 1, 1)
    end = end or dt.date(scheme.year, 12, 31)
    if end < start:
        raise ValidationFailed({"end": [_("The period ends before it starts.")]})
    items = list(scheme.items.all())
    subjects, table = assessment_sources.rates(
        scheme.subjects, scheme.region.prefix, start, end, [i.source for i in items]
    )
    manual = {
        (m.subject_key, m.item_code): m.points
        for m in ManualPoints.objects.filter(
            region_id=scheme.region_id, year=scheme.year, subjects=scheme.subjects
        )
    }
    thresholds = rules.RatingThresholds(
        scheme.excellent_threshold, scheme.competent_threshold, scheme.basic_threshold
    )
    run = AssessmentRun.objects.create(
        scheme=scheme,
        period_start=start,
        period_end=end,
        items=[[i.code, i.source, str(i.max_points), i.text] for i in items],
        thresholds=[str(thresholds.excellent), str(thresholds.competent), str(thresholds.basic)],
        computed_at=timezone.now(),
        computed_by=actor_account(actor),
    )
    results = []
    for s in subjects:
        rates: dict[str, str | None] = {}
        points: dict[str, Decimal | None] = {}
        for i in items:
            if i.source == c.ItemSource.MANUAL:
                rates[i.code] = None
                points[i.code] = manual.get((s.key, i.code))
                continue
            r = table[i.source].get(s.key)
            rates[i.code] = None if r is None else str(r)
            points[i.code] = None if r is None else rules.item_points(i.max_points, r)
        total, _missing = rules.assessment_total([(i.code, i.max_points) for i in items], points)
        results.append(
            AssessmentResult(
                run=run,
                subject_key=s.key,
                subject_name=s.name[:150],
                detail=s.detail[:200],
                area_code=s.area_code,
                rates=rates,
                points={k: None if v is None else str(v) for k, v in points.items()},
                total=total,
                rating="" if total is None else rules.rate(total, thresholds),
            )
        )
    ranks = rules.competition_ranks([(row.subject_key, row.total) for row in results])
    for row in results:
        if row.subject_key in ranks:
            row.rank, row.tied = ranks[row.subject_key]
    AssessmentResult.objects.bulk_create(results, batch_size=2000)
    created(actor, run, area_code=scheme.region_id, related=scheme)
    return run
