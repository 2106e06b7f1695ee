"""Writes of the assessment: create, draw the sample (once), record surveys, finish.
Each is one transaction and writes its change records (fupin.core.history) with it.

Who: "assessment.run" in the authority table (fupin.accounts.authority): an inspector
whose area covers the county, or a county office above the county (prefecture,
province) — never the county office of the county assessed. `actor=None` is the
command line (an operator with shell access), recorded as
"system".
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts import authority
from fupin.accounts.models import User
from fupin.assessment import sampling as S
from fupin.assessment.models import (
    Assessment,
    AssessmentStatus,
    Contact,
    SampleUnit,
    Stratum,
    StratumSize,
    SurveyResponse,
)
from fupin.core.errors import DomainError, ValidationFailed
from fupin.core.history import build_change, bulk_record, created, recording, snapshot
from fupin.core.models import ChangeAction, actor_account
from fupin.core.scope import code_range
from fupin.geo.models import Division, Level, VillageProfile
from fupin.registry import choices as c
from fupin.registry.models import Household

# Registry statuses of each registered stratum. A monitored household of the type
# "unstable exited" (脱贫不稳定户) is an exited household; other monitored households
# (edge, sudden hardship), candidates and removed households were never (or are no
# longer) registered poor and belong to the non-registered population.
IN_POVERTY_STATUSES = (c.HouseholdStatus.POOR, c.HouseholdStatus.RETURNED)
EXITED_Q = Q(status=c.HouseholdStatus.EXITED) | Q(
    status=c.HouseholdStatus.MONITORED, monitoring_type=c.MonitoringType.UNSTABLE_EXITED
)
MAX_PER_STRATUM = 500
TARGET_FIELDS = (
    "target_missed_poor",
    "target_wrong_inclusion",
    "target_wrong_exit",
    "target_approval",
)


class WrongState(DomainError):
    code = "wrong_state"
    status = 409


def _check(actor: User | None, area_code: str) -> None:
    if actor is None:  # the command line
        return
    authority.require(actor, "assessment.run", area_code)


def _sizes(value: dict[str, Any] | None) -> dict[str, int]:
    sizes = dict(S.DEFAULT_SIZES)
    errors: dict[str, list[str]] = {}
    for key, raw in (value or {}).items():
        if key not in S.STRATA:
            errors.setdefault("sizes", []).append(_("Unknown stratum: %(s)s") % {"s": key})
            continue
        try:
            n = int(raw)
        except (TypeError, ValueError):
            n = -1
        if not 0 <= n <= MAX_PER_STRATUM:
            errors.setdefault(key, []).append(
                _("Enter a whole number from 0 to %(max)s.") % {"max": MAX_PER_STRATUM}
            )
            continue
        sizes[key] = n
    if not errors and not any(sizes.values()):
        errors["sizes"] = [_("At least one stratum must draw households.")]
    if errors:
        raise ValidationFailed(errors)
    return sizes


def _targets(value: dict[str, Any] | None) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    errors: dict[str, list[str]] = {}
    for key, raw in (value or {}).items():
        if key not in TARGET_FIELDS:
            continue
        try:
            d = Decimal(str(raw))
        except InvalidOperation:
            d = Decimal(-1)
        if not Decimal(0) < d < Decimal(1):
            errors[key] = [_("Enter a proportion between 0 and 1, e.g. 0.02.")]
        else:
            out[key] = d.quantize(Decimal("0.0001"))
    if errors:
        raise ValidationFailed(errors)
    return out


@transaction.atomic
def assessment_create(
    *,
    actor: User | None,
    county_code: str,
    name: str = "",
    seed: int | None = None,
    sizes: dict[str, Any] | None = None,
    targets: dict[str, Any] | None = None,
    snapshot_ref: str = "",
    reason: str = "",
) -> Assessment:
    county = Division.objects.filter(code=county_code, level=Level.COUNTY).first()
    if county is None:
        raise ValidationFailed({"county": [_("No county with this code.")]})
    _check(actor, county.code)
    if seed is None:
        seed = secrets.randbelow(2**31)
    if not 0 <= int(seed) < 2**63:
        raise ValidationFailed({"seed": [_("The seed must be a non-negative whole number.")]})
    today = timezone.localdate()
    a = Assessment(
        county=county,
        name=(name or "").strip()
        or _("Third-party assessment %(county)s %(year)s")
        % {"county": county.name, "year": today.year},
        as_of=today,
        seed=int(seed),
        sizes=_sizes(sizes),
        snapshot_ref=(snapshot_ref or "").strip()[:40],
        created_by=actor_account(actor),
        **_targets(targets),
    )
    a.save()
    created(actor, a, area_code=county.code, reason=reason)
    return a


# ---------------------------------------------------------------- the frame


def frame(county_code: str) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], list[int]]]:
    """The sampling frame of a county as of now.

    Returns the stratum sizes {(village code, stratum): N} and, for the registered strata,
    the household ids of each stratum in id order. Non-registered: N = the village
    profile's rural households − the village's registered households (never below 0).
    """
    prefix = county_code[:6]
    rng = code_range(prefix)
    ids: dict[tuple[str, str], list[int]] = {}
    hh = Household.objects.filter(village__code__range=rng)
    for pk, village in (
        hh.filter(status__in=IN_POVERTY_STATUSES).order_by("id").values_list("id", "village_id")
    ):
        ids.setdefault((village, S.IN_POVERTY), []).append(pk)
    for pk, village in hh.filter(EXITED_Q).order_by("id").values_list("id", "village_id"):
        ids.setdefault((village, S.EXITED), []).append(pk)
    sizes = {k: len(v) for k, v in ids.items()}
    registered: dict[str, int] = {}
    for (village, _s), n in sizes.items():
        registered[village] = registered.get(village, 0) + n
    for village, households in VillageProfile.objects.filter(
        village__code__range=rng, rural_households__gt=0
    ).values_list("village_id", "rural_households"):
        rest = households - registered.get(village, 0)
        if rest > 0:
            sizes[(village, S.NON_REGISTERED)] = rest
    return sizes, ids


@transaction.atomic
def sample_draw(*, actor: User | None, assessment: Assessment, reason: str = "") -> int:
    """Draw and store the sample. Done once: a drawn sample cannot be drawn again (no
    choosing among samples). Returns the number of households drawn."""
    a = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _check(actor, a.county_id)
    if a.status != AssessmentStatus.DRAFT:
        raise WrongState(_("The sample of this assessment has already been drawn."))
    populations, ids = frame(a.county_id)
    if not populations:
        raise WrongState(_("The county has no households to sample."))
    draws = S.draw_all(a.seed, populations, a.sizes)
    now = timezone.now()
    strata: list[StratumSize] = []
    units: list[SampleUnit] = []
    for d in draws:
        strata.append(
            StratumSize(
                assessment=a,
                village_id=d.village_code,
                stratum=d.stratum,
                population=d.population,
                sample_size=d.size,
            )
        )
        weight = d.population / d.size if d.size else 0.0
        frame_ids = ids.get((d.village_code, d.stratum))
        for order, pos in enumerate(d.positions.tolist(), start=1):
            units.append(
                SampleUnit(
                    assessment=a,
                    village_id=d.village_code,
                    stratum=d.stratum,
                    household_id=frame_ids[pos] if frame_ids is not None else None,
                    roster_position=None if frame_ids is not None else pos + 1,
                    weight=weight,
                    order=order,
                )
            )
    StratumSize.objects.bulk_create(strata, batch_size=2000)
    SampleUnit.objects.bulk_create(units, batch_size=2000)
    # bulk_create sets primary keys on PostgreSQL and SQLite ≥ 3.35; reload otherwise.
    if units and units[0].pk is None:
        units = list(SampleUnit.objects.filter(assessment=a))
        strata = list(StratumSize.objects.filter(assessment=a))
    drawn: list[StratumSize | SampleUnit] = [*strata, *units]
    records = [
        build_change(
            actor=actor,
            instance=obj,
            action=ChangeAction.CREATE,
            before=None,
            area_code=obj.village_id,
            reason=reason,
            related=a,
            time=now,
        )
        for obj in drawn
    ]
    before = snapshot(a)
    a.status = AssessmentStatus.SURVEYING
    a.drawn_at = now
    a.as_of = timezone.localdate()
    a.save(update_fields=["status", "drawn_at", "as_of"])
    records.append(
        build_change(
            actor=actor,
            instance=a,
            action=ChangeAction.UPDATE,
            before=before,
            area_code=a.county_id,
            reason=reason or _("Sample drawn"),
            time=now,
        )
    )
    bulk_record(records)
    assessment.refresh_from_db()
    return len(units)


# ---------------------------------------------------------------- surveys


def _bool(value: object) -> bool | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y"):
        return True
    if text in ("0", "false", "no", "n"):
        return False
    raise ValidationFailed({"_": [_("Answer yes or no.")]})


@transaction.atomic
def response_record(
    *, actor: User | None, unit: SampleUnit, data: dict[str, Any], reason: str = ""
) -> SurveyResponse:
    """Record (or correct) the survey of a sampled household.

    data: contact, is_poor, exit_correct, approves, surveyor, surveyed_on, head_name,
    notes. A surveyed household must answer approval, and the question of its stratum:
    "poor by the policy test?" for households in poverty and non-registered ones, "exit
    correct?" for exited ones.
    """
    a = Assessment.objects.select_for_update().get(pk=unit.assessment_id)
    _check(actor, unit.village_id)
    if a.status != AssessmentStatus.SURVEYING:
        raise WrongState(_("Surveys can be recorded only while the survey is under way."))
    errors: dict[str, list[str]] = {}
    contact = data.get("contact") or Contact.SURVEYED
    if contact not in Contact.values:
        errors["contact"] = [_("Choose whether the household was surveyed.")]
    values: dict[str, Any] = {}
    for key in ("is_poor", "exit_correct", "approves"):
        try:
            values[key] = _bool(data.get(key))
        except ValidationFailed as exc:
            errors[key] = exc.errors["_"]
    surveyor = (data.get("surveyor") or "").strip()
    if not surveyor:
        errors["surveyor"] = [_("Name the surveyor.")]
    surveyed_on = data.get("surveyed_on")
    if isinstance(surveyed_on, str):
        try:
            surveyed_on = dt.date.fromisoformat(surveyed_on)
        except ValueError:
            surveyed_on = None
    if not isinstance(surveyed_on, dt.date):
        errors["surveyed_on"] = [_("Enter the date of the survey.")]
    elif surveyed_on > timezone.localdate():
        errors["surveyed_on"] = [_("The survey date cannot be in the future.")]
    if contact == Contact.SURVEYED:
        if values["approves"] is None:
            errors["approves"] = [_("Record whether the family approves of the work.")]
        if unit.stratum == Stratum.EXITED:
            if values["exit_correct"] is None:
                errors["exit_correct"] = [_("Record whether the exit was correct.")]
            values["is_poor"] = None
        else:
            if values["is_poor"] is None:
                errors["is_poor"] = [_("Record whether the household is poor by the policy test.")]
            values["exit_correct"] = None
    else:
        values = dict.fromkeys(values)
    if errors or not isinstance(surveyed_on, dt.date):  # no date is already an error
        raise ValidationFailed(errors)
    existing = SurveyResponse.objects.select_for_update().filter(unit=unit).first()
    r = existing or SurveyResponse(unit=unit)
    with recording(actor, r, area_code=unit.village_id, reason=reason, related=a):
        r.contact = contact
        r.is_poor, r.exit_correct, r.approves = (
            values["is_poor"],
            values["exit_correct"],
            values["approves"],
        )
        r.surveyor = surveyor[:50]
        r.surveyed_on = surveyed_on
        r.head_name = (data.get("head_name") or "").strip()[:50]
        r.notes = (data.get("notes") or "").strip()
        r.recorded_by = actor_account(actor)
        r.recorded_at = timezone.now()
        r.save()
    return r


@transaction.atomic
def assessment_finish(
    *, actor: User | None, assessment: Assessment, reason: str = ""
) -> Assessment:
    """Close the survey: the results become final (and what other apps read). Every
    stratum kind that drew households needs at least one surveyed household."""
    a = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _check(actor, a.county_id)
    if a.status != AssessmentStatus.SURVEYING:
        raise WrongState(_("Only an assessment whose survey is under way can be finished."))
    surveyed = dict(
        SampleUnit.objects.filter(assessment=a, response__contact=Contact.SURVEYED)
        .values_list("stratum")
        .annotate(n=Count("id"))
    )
    in_frame = set(
        StratumSize.objects.filter(assessment=a, sample_size__gt=0).values_list(
            "stratum", flat=True
        )
    )
    missing = [Stratum(s).label for s in S.STRATA if s in in_frame and not surveyed.get(s)]
    if missing:
        raise WrongState(
            _("No household surveyed yet in: %(strata)s.")
            % {"strata": ", ".join(map(str, missing))}
        )
    with recording(actor, a, area_code=a.county_id, reason=reason or _("Survey finished")):
        a.status = AssessmentStatus.FINISHED
        a.finished_at = timezone.now()
        a.save(update_fields=["status", "finished_at"])
    assessment.refresh_from_db()
    return a
