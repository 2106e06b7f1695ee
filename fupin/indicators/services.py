"""Writes of the indicators app: exit criteria (recorded in history) and snapshots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts.roles import Capability, has_capability
from fupin.core.errors import NotAllowed, OutsideArea, ValidationFailed
from fupin.core.history import record_change, snapshot
from fupin.core.models import ChangeAction
from fupin.core.scope import user_covers
from fupin.geo.models import Division
from fupin.indicators import snapshots
from fupin.indicators.models import ExitCriteria, Snapshot

CRITERIA_FIELDS = [
    "village_incidence_max",
    "county_incidence_max",
    "missed_poor_max",
    "wrong_exit_max",
    "approval_min",
    "village_conditions",
    "village_collective_income_min",
]
CONDITION_FIELDS = {
    "has_hardened_road",
    "has_bus",
    "has_safe_water",
    "has_power",
    "has_broadband",
    "has_clinic",
    "has_cultural_room",
}


def criteria_set(
    *, actor, region_code: str, data: dict[str, Any], reason: str = ""
) -> ExitCriteria:
    """Set the exit criteria of a region (a county office for its county, or an
    administrator anywhere). Recorded in history."""
    region = Division.objects.filter(code=region_code.ljust(12, "0")).first()
    if region is None or not user_covers(actor, region.code):
        raise OutsideArea()
    if not has_capability(actor, Capability.CONFIGURE):
        raise NotAllowed()
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Give the reason for the change.")]})
    unknown = set(data) - set(CRITERIA_FIELDS)
    if unknown:
        raise ValidationFailed({k: [_("Unknown field.")] for k in unknown})
    errors: dict[str, list[str]] = {}
    for key, value in data.items():
        if key == "village_conditions":
            bad = [v for v in value or [] if v not in CONDITION_FIELDS]
            if bad:
                errors[key] = [_("Unknown condition: %(v)s.") % {"v": ", ".join(bad)}]
            continue
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            errors[key] = [_("Enter a number.")]
            continue
        if number < 0 or (key != "village_collective_income_min" and number > 100):
            errors[key] = [_("Enter a percentage between 0 and 100.")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        obj = ExitCriteria.objects.select_for_update().filter(region=region).first()
        created = obj is None
        obj = obj or ExitCriteria(region=region)
        before = None if created else snapshot(obj)
        for key, value in data.items():
            setattr(obj, key, value if key == "village_conditions" else Decimal(str(value)))
        obj.updated_at = timezone.now()
        try:
            obj.full_clean()
        except ValidationError as e:
            raise ValidationFailed(
                {k: [str(m) for m in v] for k, v in e.message_dict.items()}
            ) from None
        obj.save()
        record_change(
            actor=actor,
            instance=obj,
            action=ChangeAction.CREATE if created else ChangeAction.UPDATE,
            before=before,
            area_code=region.code,
            reason=reason,
        )
    return obj


def snapshot_create(*, actor, area_code: str, as_of: dt.date, label: str = "") -> Snapshot:
    """Freeze the registry of an area as of a date (see `indicators.snapshots`)."""
    if actor is not None and not (
        has_capability(actor, Capability.CONFIGURE)
        or has_capability(actor, Capability.RUN_ASSESSMENT)
    ):
        raise NotAllowed()
    return snapshots.create(actor=actor, area_code=area_code, as_of=as_of, label=label)
