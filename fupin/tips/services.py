"""Writes of tips. One transaction each, full validation, keyword-only arguments; every
change is recorded (who, when, what, why).

A tip goes to the office above its subject (`Tip.routed_to`): its change records carry
that office's area, and the authority table decides who records ("tip.record"), assigns
("tip.assign"), verifies ("tip.verify": only the assigned verifier) and answers
("tip.reply") at that office. Never the users of the village the tip is about."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts import authority
from fupin.accounts.models import User
from fupin.core.errors import NotAllowed, ValidationFailed
from fupin.core.history import created, recording
from fupin.core.models import actor_account
from fupin.core.scope import user_covers
from fupin.geo.codes import ancestor_codes
from fupin.geo.models import Division, Level
from fupin.registry.models import Household
from fupin.tips.models import (
    Channel,
    Outcome,
    Status,
    SubjectKind,
    Tip,
    hash_code,
    routed_area_code,
)

# Unambiguous letters and digits (no 0/O, 1/I/L): read out on the phone without mistakes.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


def deadline_days() -> int:
    return int(getattr(settings, "TIPS_DEADLINE_DAYS", 15))


def new_tracking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _require_text(errors: dict[str, list[str]], name: str, value: str) -> None:
    if not (value or "").strip():
        errors.setdefault(name, []).append(_("This field is required."))


def _create(
    *,
    actor: User | None,
    channel: str,
    received_at: dt.datetime,
    subject_kind: str,
    household: Household | None,
    subject: str,
    case_id: int | None,
    content: str,
    reporter_name: str,
    reporter_phone: str,
    area: Division,
    reason: str,
) -> tuple[Tip, str]:
    errors: dict[str, list[str]] = {}
    _require_text(errors, "content", content)
    if channel not in Channel.values:
        errors.setdefault("channel", []).append(_("Choose a valid channel."))
    if subject_kind not in SubjectKind.values:
        errors.setdefault("subject_kind", []).append(_("Choose what the tip is about."))
    if errors:
        raise ValidationFailed(errors)
    code = new_tracking_code()
    while Tip.objects.filter(tracking_hash=hash_code(code)).exists():  # pragma: no cover
        code = new_tracking_code()
    tip = Tip(
        channel=channel,
        received_at=received_at,
        subject_kind=subject_kind,
        household=household,
        subject=(subject or "").strip(),
        case_id=case_id,
        content=content.strip(),
        reporter_name=(reporter_name or "").strip(),
        reporter_phone=(reporter_phone or "").strip(),
        area=area,
        routed_to_id=routed_area_code(area),
        tracking_hash=hash_code(code),
        deadline=timezone.localdate(received_at) + dt.timedelta(days=deadline_days()),
        created_by=actor_account(actor),
    )
    tip.full_clean()
    with transaction.atomic():
        tip.save()
        created(actor, tip, area_code=tip.routed_to_id, reason=reason)
    return tip, code


def public_areas() -> QuerySet[Division]:
    """Townships and villages a member of the public may choose (optionally limited to
    `settings.TIPS_PUBLIC_AREA`, a division code prefix)."""
    qs = Division.objects.filter(level__in=(Level.TOWNSHIP, Level.VILLAGE))
    prefix = getattr(settings, "TIPS_PUBLIC_AREA", "")
    return qs.in_area(prefix) if prefix else qs


def tip_submit_public(
    *,
    area_code: str,
    household_number: str = "",
    subject: str = "",
    content: str,
    reporter_name: str = "",
    reporter_phone: str = "",
) -> tuple[Tip, str]:
    """A tip from the public web form. Returns the tip and its tracking code (shown once).

    Whether a household number exists is never revealed: a known number links the tip
    to the household (and its village); an unknown one is kept in the subject text.
    """
    area = public_areas().filter(code=area_code).first()
    if area is None:
        raise ValidationFailed({"area": [_("Choose a township or village.")]})
    household = None
    number = (household_number or "").strip()
    if number:
        household = Household.objects.select_related("village").filter(number=number).first()
    subject = (subject or "").strip()
    if household is not None:
        area = household.village
        kind = SubjectKind.HOUSEHOLD
    else:
        kind = SubjectKind.OTHER
        if number:
            label = _("Household number")
            subject = f"{subject} ({label}: {number})".strip()[:200]
    return _create(
        actor=None,
        channel=Channel.WEB,
        received_at=timezone.now(),
        subject_kind=kind,
        household=household,
        subject=subject,
        case_id=None,
        content=content,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        area=area,
        reason="public web form",
    )


def tip_record(
    *,
    actor: User,
    channel: str,
    received_at: dt.datetime | None = None,
    subject_kind: str,
    area_code: str = "",
    household: Household | None = None,
    subject: str = "",
    case_id: int | None = None,
    content: str,
    reporter_name: str = "",
    reporter_phone: str = "",
    reason: str = "",
) -> tuple[Tip, str]:
    """A tip recorded by staff from any channel (authority "tip.record"). A named household
    decides the area. The tip goes to the office above its area: village staff who record
    a tip about their own village no longer see it."""
    area = (
        household.village
        if household is not None
        else Division.objects.filter(code=area_code).first()
    )
    if area is None:
        raise ValidationFailed({"area": [_("Choose an area inside your own.")]})
    authority.require(actor, "tip.record", area.code)
    if subject_kind == SubjectKind.HOUSEHOLD and household is None:
        raise ValidationFailed({"household": [_("Name the household the tip is about.")]})
    if subject_kind == SubjectKind.CASE and case_id is None and not (subject or "").strip():
        raise ValidationFailed({"case_id": [_("Give the case number or a reference.")]})
    return _create(
        actor=actor,
        channel=channel,
        received_at=received_at or timezone.now(),
        subject_kind=subject_kind,
        household=household,
        subject=subject,
        case_id=case_id,
        content=content,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        area=area,
        reason=reason,
    )


def _change(*, actor: User, tip: Tip, reason: str, **values: Any) -> Tip:
    with transaction.atomic(), recording(actor, tip, reason=reason) as rec:
        for name, value in values.items():
            setattr(tip, name, value)
        tip.full_clean()
        tip.save()
        rec.area_code = tip.routed_to_id  # where it is routed after the change
    return tip


def _require_status(tip: Tip, *allowed: str) -> None:
    if tip.status not in allowed:
        raise ValidationFailed(
            {},
            message=_("This cannot be done while the tip is “%(status)s”.")
            % {"status": tip.get_status_display()},
        )


def verifier_candidates(*, actor: User, tip: Tip) -> list[User]:
    """Users who may verify the tip (authority "tip.verify" over the office it is routed
    to: that office and the offices above it), inside the actor's area. Never the users of
    the village the tip is about."""

    rule = authority.AUTHORITY["tip.verify"]
    routed = tip.routed_to_id
    # The office the tip goes to and the divisions above it (the users who cover it).
    covering = ancestor_codes(routed)
    users = (
        User.objects.filter(is_active=True, role__in=rule.roles, area_id__in=covering)
        .select_related("area")
        .order_by("area__code", "username")
    )
    return [
        u
        for u in users
        if u.area_id is not None
        and user_covers(actor, u.area_id)
        and authority.may(u, "tip.verify", tip.routed_to_id)
    ]


def tip_assign(*, actor: User, tip: Tip, verifier: User | None, reason: str = "") -> Tip:
    authority.require(actor, "tip.assign", tip.routed_to_id)
    _require_status(tip, Status.RECEIVED, Status.ASSIGNED, Status.VERIFYING)
    if verifier is None or verifier.pk not in {
        u.pk for u in verifier_candidates(actor=actor, tip=tip)
    }:
        raise ValidationFailed(
            {"verifier": [_("Choose a verifier of the township or county the tip goes to.")]}
        )
    status = Status.ASSIGNED if tip.status == Status.RECEIVED else tip.status
    return _change(actor=actor, tip=tip, reason=reason, verifier=verifier, status=status)


def _require_verifier(actor: User, tip: Tip) -> None:
    """Authority "tip.verify" over the office the tip is routed to, and its condition: the
    actor is the assigned verifier."""
    authority.require(actor, "tip.verify", tip.routed_to_id)
    if tip.verifier_id != actor.pk:
        raise NotAllowed(_("Only the verifier assigned to this tip may do this."))


def tip_start_verification(*, actor: User, tip: Tip, reason: str = "") -> Tip:
    _require_verifier(actor, tip)
    _require_status(tip, Status.ASSIGNED)
    return _change(actor=actor, tip=tip, reason=reason, status=Status.VERIFYING)


def tip_conclude(*, actor: User, tip: Tip, outcome: str, findings: str, reason: str = "") -> Tip:
    _require_verifier(actor, tip)
    _require_status(tip, Status.ASSIGNED, Status.VERIFYING)
    errors: dict[str, list[str]] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = [_("Choose the outcome.")]
    _require_text(errors, "findings", findings)
    if errors:
        raise ValidationFailed(errors)
    return _change(
        actor=actor,
        tip=tip,
        reason=reason,
        outcome=outcome,
        findings=findings.strip(),
        status=Status.CONCLUDED,
    )


def tip_reply(*, actor: User, tip: Tip, reply: str, replied_on: dt.date | None = None) -> Tip:
    authority.require(actor, "tip.reply", tip.routed_to_id)
    _require_status(tip, Status.CONCLUDED)
    errors: dict[str, list[str]] = {}
    _require_text(errors, "reply", reply)
    if errors:
        raise ValidationFailed(errors)
    return _change(
        actor=actor,
        tip=tip,
        reason="reply to the reporter",
        reply=reply.strip(),
        replied_on=replied_on or timezone.localdate(),
        status=Status.REPLIED,
    )
