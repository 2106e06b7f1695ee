"""The step engine's rules shared by every procedure: the household cases
(`fupin.cases.services`) and the area exits (`fupin.cases.area.services`) both decide with
these who may do a step, which decisions a step takes and when it is due, so that a rule
of the engine is written once.

- A step is done by its role; a step with `levels` only by users of that role whose area is
  at one of those levels (the county exit's city review by a county-office user of the
  prefecture, its province check by one of the province).
- A review approves, returns (not the first step) or rejects; return and reject need a
  reason. Any other step is "done" and needs its evidence (written or a file).
- The four-eyes rule is `fupin.accounts.authority.four_eyes_refusal` (who did the earlier
  steps may not take a step marked `four_eyes`).
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from fupin.accounts.authority import user_level
from fupin.accounts.models import User
from fupin.accounts.roles import Role
from fupin.cases.procedures import Step
from fupin.core.errors import NotAllowed, ValidationFailed
from fupin.geo.models import Level

DONE, APPROVE, RETURN, REJECT = "done", "approve", "return", "reject"


def who_label(step: Step) -> str:
    """Who does the step, in words: the role, and the levels when the step names them."""
    role = str(Role(step.role).label)
    if step.levels is None:
        return role
    levels = " / ".join(str(Level(lv).label) for lv in sorted(step.levels))
    return _("%(role)s of the %(levels)s") % {"role": role, "levels": levels}


def role_refusal(user: User, step: Step) -> NotAllowed | None:
    """None when the user is of the step's role (and level, if it names levels) and may
    edit; otherwise the refusal naming who may."""
    if (
        user.may_edit
        and user.role == step.role
        and (step.levels is None or user_level(user) in step.levels)
    ):
        return None
    return NotAllowed(
        _("Only %(role)s may do this step: %(step)s.")
        % {"role": who_label(step), "step": step.label}
    )


def decision_refusal(
    step: Step,
    decision: str,
    *,
    reason: str,
    evidence: str,
    has_upload: bool,
    first: bool,
) -> ValidationFailed | None:
    """Whether the decision is one this step takes, with what it needs (None: it is)."""
    allowed = {APPROVE, RETURN, REJECT} if step.review else {DONE}
    if decision not in allowed:
        return ValidationFailed({"decision": [_("Choose a valid decision for this step.")]})
    if decision in (RETURN, REJECT) and not reason.strip():
        return ValidationFailed({"reason": [_("Give the reason.")]})
    if decision == RETURN and first:
        return ValidationFailed({"decision": [_("The first step cannot be returned.")]})
    if not step.review and not evidence.strip() and not has_upload:
        return ValidationFailed({"evidence": [_("Record the evidence of this step.")]})
    return None


def due_on(step: Step, today: dt.date) -> dt.date:
    """The day the step is due when it starts today."""
    return today + dt.timedelta(days=step.days)
