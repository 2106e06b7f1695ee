"""Writes of the education-aid ledger. Every write checks the actor's role and area, keeps
the rules of `rules.py` (their row form), and records its change (fupin.core.history)
in the same transaction, under the household:

- `aid_record`: staff of the household's area record a benefit paid to a student;
- `dropout_open`: staff open a dropout case for a child of compulsory-school age;
- `dropout_close`: the township or county closes it (back in school, taught at home, or
  otherwise), never who opened it (the authority table's "dropout.close"); a child back
  in school takes the stage as its school status in the registry (registry.services,
  recorded there).

The workbook import (`ledger.py`) writes in bulk with the same rules' column form.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts import authority
from fupin.core.errors import AlreadyDecided, ValidationFailed
from fupin.core.history import created, recording
from fupin.core.scope import require_household
from fupin.education import rules
from fupin.education.models import (
    AidKind,
    DropoutCase,
    DropoutCause,
    DropoutStatus,
    Stage,
    StudentAid,
    Term,
)
from fupin.programmes.checks import current_member, require_staff
from fupin.programmes.due import household_due_on
from fupin.programmes.values import money, refuse
from fupin.registry import services as registry
from fupin.registry.models import Household, Member

# The largest amount a row holds (max_digits 10).
MAX_AMOUNT = Decimal("99999999.99")


def _amount(value: Any, field: str) -> Decimal:
    amount = money(value, field)
    if amount > MAX_AMOUNT:
        raise ValidationFailed({field: [_("The amount is too large.")]})
    return amount


def _validate_aid(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out = dict(data)
    for name, choices in (("kind", AidKind), ("stage", Stage), ("term", Term)):
        if data.get(name) not in choices.values:
            errors.setdefault(name, []).append(_("Choose one of the list."))
    out["school"] = str(data.get("school") or "").strip()
    if not out["school"]:
        errors.setdefault("school", []).append(_("Required."))
    out["note"] = str(data.get("note") or "").strip()
    year = data.get("school_year")
    if not isinstance(year, int) or not 2013 <= year <= 2100:
        errors.setdefault("school_year", []).append(_("A school year from 2013 on."))
    if not isinstance(data.get("paid_on"), dt.date):
        errors.setdefault("paid_on", []).append(_("Required."))
    try:
        out["amount"] = _amount(data.get("amount"), "amount")
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    return out


def aid_record(
    *,
    actor: Any,
    household: Household,
    student: Member | None,
    data: dict[str, Any],
    reason: str = "",
    today: dt.date | None = None,
) -> StudentAid:
    """Record a benefit paid to a student of the household (one per kind, school year
    and term)."""
    today = today or timezone.localdate()
    require_staff(actor, household)
    student = current_member(household, student, "student")
    d = _validate_aid(data)
    problems = rules.aid_refusals(
        kind=d["kind"],
        stage=d["stage"],
        school_year=d["school_year"],
        paid_on=d["paid_on"],
        amount=d["amount"],
        household_due=household_due_on(household, d["paid_on"]),
        today=today,
    )
    refuse(problems, _("The benefit cannot be recorded."))
    with transaction.atomic():
        if StudentAid.objects.filter(
            member=student, kind=d["kind"], school_year=d["school_year"], term=d["term"]
        ).exists():
            raise ValidationFailed(
                {
                    "term": [
                        _("This student has this benefit for this school year and term already.")
                    ]
                }
            )
        aid = StudentAid.objects.create(
            household=household,
            member=student,
            village_id=household.village_id,
            kind=d["kind"],
            stage=d["stage"],
            school=d["school"],
            school_year=d["school_year"],
            term=d["term"],
            amount=d["amount"],
            paid_on=d["paid_on"],
            note=d["note"],
            recorded_by=getattr(actor, "pk", None) and actor,
        )
        created(actor, aid, related=household, reason=reason or _("Benefit recorded"))
    return aid


def dropout_open(
    *,
    actor: Any,
    household: Household,
    child: Member | None,
    data: dict[str, Any],
    reason: str = "",
    today: dt.date | None = None,
) -> DropoutCase:
    """Open a dropout case for a child of the household found out of school."""
    today = today or timezone.localdate()
    require_staff(actor, household)
    child = current_member(household, child, "member")
    errors: dict[str, list[str]] = {}
    opened_on = data.get("opened_on")
    if not isinstance(opened_on, dt.date):
        errors["opened_on"] = [_("Required.")]
    if data.get("cause") not in DropoutCause.values:
        errors["cause"] = [_("Choose one of the list.")]
    stage = data.get("stage") or ""
    if stage and stage not in Stage.values:
        errors["stage"] = [_("Choose one of the list.")]
    if errors:
        raise ValidationFailed(errors)
    assert isinstance(opened_on, dt.date)
    with transaction.atomic():
        has_open = DropoutCase.objects.filter(member=child, status=DropoutStatus.OPEN).exists()
        problems = rules.dropout_refusals(
            birth_date=child.birth_date, opened_on=opened_on, has_open=has_open, today=today
        )
        refuse(problems, _("The dropout case cannot be opened."))
        if DropoutCase.objects.filter(member=child, opened_on=opened_on).exists():
            raise ValidationFailed(
                {"opened_on": [_("A case of this child found out of school that day exists.")]}
            )
        case = DropoutCase.objects.create(
            household=household,
            member=child,
            village_id=household.village_id,
            opened_on=opened_on,
            school=str(data.get("school") or "").strip(),
            stage=stage,
            cause=data["cause"],
            note=str(data.get("note") or "").strip(),
            opened_by=getattr(actor, "pk", None) and actor,
        )
        created(actor, case, related=household, reason=reason or _("Dropout case opened"))
    return case


CLOSING = (DropoutStatus.RETURNED, DropoutStatus.HOME, DropoutStatus.CLOSED)


def dropout_close(
    *,
    actor: Any,
    case: DropoutCase,
    outcome: str,
    closed_on: dt.date,
    returned_stage: str = "",
    note: str = "",
    today: dt.date | None = None,
) -> DropoutCase:
    """Close a dropout case: the township or county, not who opened it. Back in school
    needs the stage it went back to (the child's school status in the registry follows);
    closed otherwise (moved away, past school age …) needs a note saying why."""
    today = today or timezone.localdate()
    require_household(actor, case.household)
    four_eyes = authority.require(
        actor, "dropout.close", case.village_id, authors=[case.opened_by_id]
    )
    errors: dict[str, list[str]] = {}
    if outcome not in CLOSING:
        errors["outcome"] = [_("Choose one of the list.")]
    if outcome == DropoutStatus.RETURNED and returned_stage not in Stage.values:
        errors["returned_stage"] = [_("Give the stage the child went back to.")]
    if outcome != DropoutStatus.RETURNED and returned_stage:
        errors["returned_stage"] = [_("Only a child back in school has a stage to go back to.")]
    if outcome == DropoutStatus.CLOSED and not note.strip():
        errors["note"] = [_("Say why the case is closed.")]
    if not case.opened_on <= closed_on <= today:
        errors["closed_on"] = [_("A case is closed between the day it was opened and today.")]
    if errors:
        raise ValidationFailed(errors)
    why = authority.with_note(note.strip(), four_eyes) or _("Dropout case closed")
    with transaction.atomic():
        locked = DropoutCase.objects.select_for_update().select_related("member").get(pk=case.pk)
        if locked.status != DropoutStatus.OPEN:
            raise AlreadyDecided(_("This dropout case was closed already."))
        with recording(actor, locked, related=case.household, reason=why):
            locked.status = outcome
            locked.closed_on = closed_on
            locked.returned_stage = returned_stage
            locked.outcome = note.strip()
            locked.closed_by = actor
            locked.save()
        if outcome == DropoutStatus.RETURNED and locked.member.is_active:
            registry.member_update(
                actor=actor,
                member=locked.member,
                data={"school_status": returned_stage, "education": ""},
                reason=_("Back in school (dropout case of %(day)s)")
                % {"day": locked.opened_on.isoformat()},
            )
    return locked
