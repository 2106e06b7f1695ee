"""Checks every ledger's services make before they write: the actor may edit the
household (its area, its role), the person named is a current member of it, and the
rules' refusals as a form's errors."""

from __future__ import annotations

from collections.abc import Iterable
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


def field_errors(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """A rule's (field, reason) refusals as ValidationFailed's errors."""
    out: dict[str, list[str]] = {}
    for name, text in pairs:
        out.setdefault(name, []).append(text)
    return out
