"""Changing policy: a new version, never an edit in place."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from fupin.accounts.models import User
from fupin.accounts.roles import Capability, has_capability
from fupin.core.errors import NotAllowed, OutsideArea, ValidationFailed
from fupin.core.history import recording, snapshot
from fupin.core.models import ChangeAction
from fupin.core.scope import user_covers
from fupin.policy.clauses import EXCLUSION_TEXT
from fupin.policy.models import PolicySet

EDITABLE = (
    "effective_from",
    "income_line",
    "monitoring_threshold",
    "notice_days",
    "notice_grace_days",
    "appeal_days",
    "stable_years",
    "round_amounts",
    "four_eyes",
    "countersign_above",
    "exclusions",
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
    for clause in data.get("exclusions") or []:
        if not clause.get("code") or (
            clause.get("code") not in EXCLUSION_TEXT and not clause.get("text")
        ):
            errors["exclusions"] = [_("Each exclusion clause needs a known code or a text.")]
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
    _validate(values)
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
