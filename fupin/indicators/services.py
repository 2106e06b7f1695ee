"""Writes of the indicators app: exit criteria and snapshots.

A change of a region's exit criteria is a proposal ("exit_criteria.propose") that takes
effect only when ANOTHER county user approves it ("exit_criteria.approve", four eyes; see
fupin.accounts.authority). Proposals, decisions and the criteria are recorded in history.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts import authority
from fupin.accounts.models import User
from fupin.accounts.roles import Capability, has_capability
from fupin.core.errors import AlreadyDecided, DomainError, NotAllowed, OutsideArea, ValidationFailed
from fupin.core.history import created, recording
from fupin.core.models import actor_account, actor_name
from fupin.geo.models import Division
from fupin.indicators import snapshots
from fupin.indicators.models import (
    ExitCriteria,
    ExitCriteriaProposal,
    ProposalStatus,
    Snapshot,
)

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


class ProposalWaiting(DomainError):
    code = "proposal_waiting"
    status = 409


def _region(region_code: str) -> Division:
    region = Division.objects.filter(code=(region_code or "").ljust(12, "0")).first()
    if region is None:
        raise OutsideArea()
    return region


def _validated(data: dict[str, Any]) -> dict[str, Any]:
    """The proposed values, checked as the criteria would be saved (JSON-ready)."""
    unknown = set(data) - set(CRITERIA_FIELDS)
    if unknown:
        raise ValidationFailed({k: [_("Unknown field.")] for k in unknown})
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "village_conditions":
            bad = [v for v in value or [] if v not in CONDITION_FIELDS]
            if bad:
                errors[key] = [_("Unknown condition: %(v)s.") % {"v": ", ".join(bad)}]
            out[key] = list(value or [])
            continue
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            errors[key] = [_("Enter a number.")]
            continue
        if number < 0 or (key != "village_collective_income_min" and number > 100):
            errors[key] = [_("Enter a percentage between 0 and 100.")]
        out[key] = str(number)
    if errors:
        raise ValidationFailed(errors)
    trial = ExitCriteria()
    _assign(trial, out)
    try:
        trial.full_clean(exclude=["region"])
    except ValidationError as e:
        raise ValidationFailed(
            {k: [str(m) for m in v] for k, v in e.message_dict.items()}
        ) from None
    return out


def _assign(obj: ExitCriteria, values: dict[str, Any]) -> None:
    for key, value in values.items():
        setattr(obj, key, value if key == "village_conditions" else Decimal(str(value)))


def may_propose_criteria(user: User, region_code: str) -> bool:
    return authority.may(user, "exit_criteria.propose", region_code)


def may_decide(user: User, proposal: ExitCriteriaProposal) -> bool:
    return proposal.status == ProposalStatus.PENDING and authority.may(
        user, "exit_criteria.approve", proposal.region_id, authors=_proposer(proposal)
    )


def _proposer(proposal: ExitCriteriaProposal) -> list[Any]:
    return [proposal.proposed_by_id] if proposal.proposed_by_id else []


def criteria_propose(
    *, actor: User, region_code: str, data: dict[str, Any], reason: str = ""
) -> ExitCriteriaProposal:
    """Propose new exit criteria for a region (a county office for its county). They take
    effect only when another county user approves them (`criteria_decide`)."""
    region = _region(region_code)
    authority.require(actor, "exit_criteria.propose", region.code)
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Give the reason for the change.")]})
    values = _validated(data)
    with transaction.atomic():
        Division.objects.select_for_update().filter(pk=region.pk).first()
        if ExitCriteriaProposal.objects.filter(
            region=region, status=ProposalStatus.PENDING
        ).exists():
            raise ProposalWaiting(
                _("A proposed change of these criteria is already waiting for approval.")
            )
        proposal = ExitCriteriaProposal.objects.create(
            region=region,
            values=values,
            reason=reason.strip(),
            proposed_by=actor_account(actor),
            proposed_by_name=actor_name(actor),
        )
        created(actor, proposal, area_code=region.code, reason=reason)
    return proposal


def criteria_decide(
    *, actor: User, proposal: ExitCriteriaProposal, approve: bool, reason: str = ""
) -> ExitCriteriaProposal:
    """Another county user approves the proposal (the criteria take effect, recorded in
    history) or refuses it (with the reason). The proposer may not."""
    region = _region(proposal.region_id)
    reason = (reason or "").strip()
    authority.require(actor, "exit_criteria.approve", region.code, authors=_proposer(proposal))
    if not approve and not reason:
        raise ValidationFailed({"reason": [_("Say why the change is refused.")]})
    with transaction.atomic():
        p = ExitCriteriaProposal.objects.select_for_update().get(pk=proposal.pk)
        if p.status != ProposalStatus.PENDING:
            raise AlreadyDecided(_("This proposal has already been decided."))
        note = authority.require(actor, "exit_criteria.approve", region.code, authors=_proposer(p))
        reason = authority.with_note(reason, note)
        with recording(actor, p, area_code=region.code, reason=reason):
            p.status = ProposalStatus.APPROVED if approve else ProposalStatus.REFUSED
            p.decided_by = actor_account(actor)
            p.decided_by_name = actor_name(actor)
            p.decided_at = timezone.now()
            p.decision_reason = reason
            p.save()
        if approve:
            _apply(actor, region, p)
    proposal.refresh_from_db()
    return p


def _apply(actor: User, region: Division, p: ExitCriteriaProposal) -> ExitCriteria:
    obj = ExitCriteria.objects.select_for_update().filter(region=region).first()
    obj = obj or ExitCriteria(region=region)
    reason = _("Proposed by %(who)s: %(reason)s; approved by %(by)s.") % {
        "who": p.proposed_by_name,
        "reason": p.reason,
        "by": p.decided_by_name,
    }
    with recording(actor, obj, area_code=region.code, reason=reason):
        _assign(obj, p.values)
        obj.updated_at = timezone.now()
        obj.save()
    return obj


def snapshot_create(
    *, actor: User | None, area_code: str, as_of: dt.date, label: str = ""
) -> Snapshot:
    """Freeze the registry of an area as of a date (see `indicators.snapshots`)."""
    if actor is not None and not (
        has_capability(actor, Capability.CONFIGURE)
        or has_capability(actor, Capability.RUN_ASSESSMENT)
    ):
        raise NotAllowed()
    return snapshots.create(actor=actor, area_code=area_code, as_of=as_of, label=label)
