"""Writes to the division tree and village profiles."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fupin.core.errors import ValidationFailed
from fupin.core.history import recording
from fupin.core.scope import require_edit
from fupin.core.types import AreaUser
from fupin.geo.models import PREFIX_LENGTH, Division, Level, VillageProfile


def level_of_code(code: str) -> Level:
    """Level from the shape of a 12-digit code: trailing zero groups mark higher levels."""
    if len(code) != 12 or not code.isdigit():
        raise ValueError(_("A division code has 12 digits: %(code)s") % {"code": code})
    if code[2:] == "0" * 10:
        return Level.PROVINCE
    if code[4:] == "0" * 8:
        return Level.PREFECTURE
    if code[6:] == "0" * 6:
        return Level.COUNTY
    if code[9:] == "000":
        return Level.TOWNSHIP
    return Level.VILLAGE


def parent_code(code: str, level: Level) -> str | None:
    if level == Level.PROVINCE:
        return None
    parent_level = Level(level - 1)
    return code[: PREFIX_LENGTH[parent_level]].ljust(12, "0")


@dataclass
class DivisionLoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def load_divisions(rows: Iterable[tuple[str, str]]) -> DivisionLoadResult:
    """Load (code, name) rows, parents first. All-or-nothing: any bad row refuses the load.

    Codes may be given with 2/4/6/9/12 digits; they are padded to 12.
    """
    result = DivisionLoadResult(errors=[])
    parsed: list[tuple[str, str, Level]] = []
    for lineno, (raw_code, raw_name) in enumerate(rows, start=2):
        code = (raw_code or "").strip()
        name = (raw_name or "").strip()
        if not code.isdigit() or len(code) not in (2, 4, 6, 9, 12):
            result.errors.append((lineno, _("bad division code %(code)r") % {"code": code}))
            continue
        code = code.ljust(12, "0")
        if not name:
            result.errors.append((lineno, _("division %(code)s has no name") % {"code": code}))
            continue
        parsed.append((code, name, level_of_code(code)))
    parsed.sort(key=lambda t: (t[2], t[0]))
    known = set(Division.objects.values_list("code", flat=True))
    known.update(c for c, _n, _l in parsed)
    for code, _name, level in parsed:
        pc = parent_code(code, level)
        if pc is not None and pc not in known:
            result.errors.append(
                (0, _("division %(code)s has no parent %(parent)s") % {"code": code, "parent": pc})
            )
    if result.errors:
        return result
    existing = {d.code: d for d in Division.objects.all()}
    with transaction.atomic():
        to_create = []
        for code, name, level in parsed:
            d = existing.get(code)
            if d is None:
                to_create.append(
                    Division(code=code, name=name, level=level, parent_id=parent_code(code, level))
                )
                result.created += 1
            elif d.name != name:
                d.name = name
                d.save(update_fields=["name"])
                result.updated += 1
            else:
                result.unchanged += 1
        # Parents sort before children, so inserting in order satisfies the FK.
        Division.objects.bulk_create(to_create, batch_size=1000)
        VillageProfile.objects.bulk_create(
            [VillageProfile(village_id=d.code) for d in to_create if d.level == Level.VILLAGE],
            batch_size=1000,
        )
    return result


def load_divisions_csv(text: str) -> DivisionLoadResult:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    rows = []
    if header and header[0].strip().isdigit():  # no header line
        rows.append((header[0], header[1] if len(header) > 1 else ""))
    rows.extend((r[0], r[1] if len(r) > 1 else "") for r in reader if r)
    return load_divisions(rows)


PROFILE_FIELDS = [
    "is_poor_village",
    "exit_year",
    "rural_population",
    "rural_households",
    "collective_income",
    "has_hardened_road",
    "has_bus",
    "has_safe_water",
    "has_power",
    "has_broadband",
    "has_clinic",
    "has_cultural_room",
]


def village_profile_update(
    *, profile: VillageProfile, actor: AreaUser, data: dict[str, Any], reason: str = ""
) -> VillageProfile:
    require_edit(actor, profile.village_id)
    with transaction.atomic():
        profile = VillageProfile.objects.select_for_update().get(pk=profile.pk)
        with recording(actor, profile, area_code=profile.village_id, reason=reason):
            for field in PROFILE_FIELDS:
                if field in data:
                    setattr(profile, field, data[field])
            if profile.exit_year and not profile.is_poor_village:
                raise ValidationFailed(
                    {"exit_year": [_("Only a poor village has a year of exit.")]}
                )
            profile.full_clean()
            profile.save()
    return profile
