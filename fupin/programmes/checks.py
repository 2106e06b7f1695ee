"""Checks every ledger's services make before they write: the actor may edit the
household (its area, its role), and the person named is a current member of it (the
rules' refusals: `values.refuse`)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from fupin.core.errors import ValidationFailed
from fupin.core.scope import require_edit, require_household
from fupin.registry.models import Household, Member


def require_staff(actor: Any, household: Household) -> None:
    """An editing role over the household's village (a paired cadre: one it serves)."""
    require_household(actor, household)
    require_edit(actor, household.village_id)


def current_member(household: Household, member: Member | None, field: str) -> Member:
    """The person a row is for: a current member of the household, or the refusal."""
    if member is None or member.household_id != household.pk or not member.is_active:
        raise ValidationFailed({field: [_("Choose a current member of the household.")]})
    return member
