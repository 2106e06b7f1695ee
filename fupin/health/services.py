"""Writes of the health-and-insurance ledger. Every write checks the actor's role and
area, keeps the rules of `rules.py` (their row form), and records its change
(fupin.core.history) in the same transaction, under the household:

- `cover_record`: staff record a person's cover of a kind for a year;
- `reimbursement_record`: staff record a settlement of medical costs, layer by layer;
  the out-of-pocket amount is computed (`rules.out_of_pocket`), never entered.

The workbook import (`ledger.py`) writes in bulk with the same rules' column form.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core.errors import ValidationFailed
from fupin.core.history import created
from fupin.health import rules
from fupin.health.models import Cover, CoverKind, Reimbursement
from fupin.programmes.checks import current_member, require_staff
from fupin.programmes.due import household_due_on
from fupin.programmes.values import money, refuse
from fupin.registry.models import Household, Member

# The largest amounts the rows hold.
MAX_PREMIUM = Decimal("99999999.99")
MAX_COST = Decimal("9999999999.99")


def _amount(value: Any, field: str, most: Decimal, errors: dict[str, list[str]]) -> Decimal:
    try:
        amount = money(value if value not in (None, "") else "0", field, positive=False)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        return Decimal(0)
    if amount > most:
        errors.setdefault(field, []).append(_("The amount is too large."))
    return amount


def covers_held(member_id: int, year: int) -> set[str]:
    """The kinds of cover a person has for a year."""
    return set(Cover.objects.filter(member_id=member_id, year=year).values_list("kind", flat=True))


def cover_record(
    *,
    actor: Any,
    household: Household,
    person: Member | None,
    data: dict[str, Any],
    reason: str = "",
    today: dt.date | None = None,
) -> Cover:
    """Record a person's cover of a kind for a year (one per person, kind and year)."""
    today = today or timezone.localdate()
    require_staff(actor, household)
    person = current_member(household, person, "person")
    errors: dict[str, list[str]] = {}
    kind = data.get("kind")
    if kind not in CoverKind.values:
        errors["kind"] = [_("Choose one of the list.")]
    year = data.get("year")
    if not isinstance(year, int) or not 2013 <= year <= 2100:
        errors["year"] = [_("A year from 2013 on.")]
    insured_on = data.get("insured_on")
    if not isinstance(insured_on, dt.date):
        errors["insured_on"] = [_("Required.")]
    premium = _amount(data.get("premium"), "premium", MAX_PREMIUM, errors)
    subsidy = _amount(data.get("subsidy"), "subsidy", MAX_PREMIUM, errors)
    if errors:
        raise ValidationFailed(errors)
    assert isinstance(year, int) and isinstance(insured_on, dt.date) and isinstance(kind, str)
    with transaction.atomic():
        held = covers_held(person.pk, year)
        problems = rules.cover_refusals(
            kind=kind,
            year=year,
            insured_on=insured_on,
            premium=premium,
            subsidy=subsidy,
            # Read only when it decides something: a premium the government paid.
            household_due=subsidy > 0 and household_due_on(household, insured_on),
            has_basic=CoverKind.BASIC in held,
            today=today,
        )
        refuse(problems, _("The cover cannot be recorded."))
        if kind in held:
            raise ValidationFailed(
                {"kind": [_("This person has this cover for this year already.")]}
            )
        cover = Cover.objects.create(
            household=household,
            member=person,
            village_id=household.village_id,
            year=year,
            kind=kind,
            insured_on=insured_on,
            insurer=str(data.get("insurer") or "").strip(),
            premium=premium,
            subsidy=subsidy,
            recorded_by=getattr(actor, "pk", None) and actor,
        )
        created(actor, cover, related=household, reason=reason or _("Cover recorded"))
    return cover


def reimbursement_record(
    *,
    actor: Any,
    household: Household,
    patient: Member | None,
    data: dict[str, Any],
    reason: str = "",
    today: dt.date | None = None,
) -> Reimbursement:
    """Record a settlement of medical costs of a member of the household."""
    today = today or timezone.localdate()
    require_staff(actor, household)
    patient = current_member(household, patient, "patient")
    errors: dict[str, list[str]] = {}
    number = str(data.get("number") or "").strip()
    hospital = str(data.get("hospital") or "").strip()
    for name, value in (("number", number), ("hospital", hospital)):
        if not value:
            errors[name] = [_("Required.")]
    admitted_on, settled_on = data.get("admitted_on"), data.get("settled_on")
    for name, day in (("admitted_on", admitted_on), ("settled_on", settled_on)):
        if not isinstance(day, dt.date):
            errors[name] = [_("Required.")]
    total = _amount(data.get("total_cost"), "total_cost", MAX_COST, errors)
    layers = {name: _amount(data.get(name), name, MAX_COST, errors) for name in rules.LAYERS}
    if errors:
        raise ValidationFailed(errors)
    assert isinstance(admitted_on, dt.date) and isinstance(settled_on, dt.date)
    problems = rules.reimbursement_refusals(
        total_cost=total,
        layers=layers,
        admitted_on=admitted_on,
        settled_on=settled_on,
        covers=covers_held(patient.pk, settled_on.year),
        today=today,
    )
    refuse(problems, _("The reimbursement cannot be recorded."))
    with transaction.atomic():
        if Reimbursement.objects.filter(number=number).exists():
            raise ValidationFailed(
                {"number": [_("A reimbursement with this settlement number exists.")]}
            )
        row = Reimbursement.objects.create(
            household=household,
            member=patient,
            village_id=household.village_id,
            number=number,
            hospital=hospital,
            admitted_on=admitted_on,
            settled_on=settled_on,
            diagnosis=str(data.get("diagnosis") or "").strip(),
            total_cost=total,
            out_of_pocket=rules.out_of_pocket(total, layers),
            recorded_by=getattr(actor, "pk", None) and actor,
            **layers,
        )
        created(actor, row, related=household, reason=reason or _("Reimbursement recorded"))
    return row
