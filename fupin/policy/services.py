"""Changing policy: a new version, never an edit in place."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from fupin.accounts.models import User
from fupin.accounts.roles import Capability, has_capability
from fupin.core.errors import NotAllowed, OutsideArea, ValidationFailed
from fupin.core.files import Upload, accept_upload
from fupin.core.history import created, recording, snapshot
from fupin.core.models import ChangeAction
from fupin.core.scope import require_edit, user_covers
from fupin.geo.codes import ancestor_codes
from fupin.policy import clauses as C
from fupin.policy.models import AttestationVerdict, ExclusionAttestation, PolicySet
from fupin.policy.rules import key_assistance_errors
from fupin.registry.models import Household

EDITABLE = (
    "effective_from",
    "income_line",
    "income_line_source",
    "income_line_verified",
    "monitoring_threshold",
    "notice_days",
    "notice_grace_days",
    "appeal_days",
    "stable_years",
    "round_amounts",
    "four_eyes",
    "countersign_above",
    "exclusions",
    "combining",
    "key_assistance",
    "note",
)


def _check(actor: User, policy: PolicySet) -> None:
    if not has_capability(actor, Capability.CONFIGURE):
        raise NotAllowed()
    # A county office configures its own area; only a system administrator changes the
    # national default.
    if policy.region_id is None:
        if not actor.is_superuser:
            raise NotAllowed()
    elif not user_covers(actor, policy.region_id):
        raise OutsideArea()


def _validate(data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if Decimal(str(data["income_line"])) <= 0:
        errors["income_line"] = [_("The income line must be above zero.")]
    if not 1 <= int(data["notice_days"]) <= 60:
        errors["notice_days"] = [_("The notice period is 1 to 60 days.")]
    if not 0 <= int(data.get("notice_grace_days") or 0) <= 365:
        errors["notice_grace_days"] = [
            _("The public notice page stays up 0 to 365 days after the period.")
        ]
    if not 1 <= int(data.get("stable_years") or 1) <= 5:
        errors["stable_years"] = [_("A stable exit looks at 1 to 5 consecutive years.")]
    if clause_errors := C.clause_errors(list(data.get("exclusions") or [])):
        errors["exclusions"] = clause_errors
    if combining_errors := C.combining_errors(data.get("combining")):
        errors["combining"] = combining_errors
    if criteria_errors := key_assistance_errors(list(data.get("key_assistance") or [])):
        errors["key_assistance"] = criteria_errors
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def policy_new_version(
    *,
    actor: User,
    base: PolicySet,
    data: dict[str, Any],
    reason: str,
    region_code: str | None = None,
) -> PolicySet:
    """A new version of `base` (for the same region and year, or for `region_code`: a
    county's own override of its province's or the national set), with the changes in
    `data`; recorded in history with the reason."""
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Give the reason for the change.")]})
    target = PolicySet(
        region_id=region_code if region_code is not None else base.region_id, year=base.year
    )
    _check(actor, target)
    values = {name: getattr(base, name) for name in EDITABLE}
    values.update({k: v for k, v in data.items() if k in EDITABLE})
    if "income_line_source" not in data and Decimal(str(values["income_line"])) != Decimal(
        str(base.income_line)
    ):
        # A new value is not the old one's source: unsourced and unverified until told.
        values["income_line_source"], values["income_line_verified"] = "", False
    _validate(values)
    values["exclusions"] = [C.normalise(c) for c in values["exclusions"] or []]
    last = PolicySet.objects.filter(region_id=target.region_id, year=target.year).aggregate(
        v=Max("version")
    )["v"]
    with recording(actor, None, action=ChangeAction.CREATE, reason=reason) as rec:
        new = PolicySet.objects.create(
            region_id=target.region_id,
            year=target.year,
            version=(last or 0) + 1,
            created_by=actor,
            **values,
        )
        new.refresh_from_db()  # stored values (3200 → 3200.00), as history shows them
        rec.instance = new
        # Recorded as a change from the version it follows: what was edited, and where.
        was = snapshot(base)
        rec.before = {name: was[name] for name in (*EDITABLE, "region_id", "year")}
    return new


def attestation_clauses(village_code: str) -> dict[str, dict[str, Any]]:
    """The attestation clauses of every policy set that applies in the village (its
    regions' and the national ones, any year), by code; the newest wording of each."""
    regions = ancestor_codes(village_code)
    sets = PolicySet.objects.filter(Q(region_id__in=regions) | Q(region__isnull=True)).order_by(
        "-year", "-version", "-id"
    )
    out: dict[str, dict[str, Any]] = {}
    for exclusions in sets.values_list("exclusions", flat=True):
        for c in map(C.normalise, exclusions or []):
            if c["kind"] == C.ATTESTATION:
                out.setdefault(c["code"], c)
    return out


def attestation_record(
    *,
    actor: User,
    household: Household,
    clause_code: str,
    verdict: str,
    attested_on: dt.date,
    upload: Upload | None = None,
    note: str = "",
) -> ExclusionAttestation:
    """Record the village appraisal's attestation on one exclusion clause for a household
    (who, when, evidence, note; recorded in the household's history). The latest one of a
    clause decides it; earlier ones stay."""
    require_edit(actor, household.village_id)
    errors: dict[str, list[str]] = {}
    if clause_code not in attestation_clauses(household.village_id):
        errors["clause_code"] = [
            _("%(code)s is not an attestation clause of the policy here.") % {"code": clause_code}
        ]
    if verdict not in AttestationVerdict.values:
        errors["verdict"] = [_("Say whether the situation applies.")]
    if attested_on > dt.date.today():
        errors["attested_on"] = [_("The appraisal cannot be in the future.")]
    if errors:
        raise ValidationFailed(errors)
    upload = accept_upload(upload)
    with transaction.atomic():
        a = ExclusionAttestation(
            household=household,
            clause_code=clause_code,
            verdict=verdict,
            attested_on=attested_on,
            attested_by=actor if actor.pk else None,
            note=note,
        )
        a.attach(upload)
        a.save()
        created(actor, a, area_code=household.village_id, reason=note, related=household)
    return a
