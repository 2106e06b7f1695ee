"""Area scope: the one place where "the user's area contains the object" is decided.

Division codes are 12 digits (2 province + 2 prefecture + 2 county + 3 township +
3 village). A node's significant prefix (e.g. "431129" for a county) contains exactly
the codes from prefix+"000…" to prefix+"999…", so scope is a range filter on an
indexed code column: no join, no LIKE, and the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Self, TypeGuard

from django.db import models

from fupin.core.errors import NotAllowed, OutsideArea
from fupin.core.types import AreaUser, MaybeUser, signed_in

CODE_LENGTH = 12

# The households a household-scoped user (a paired cadre) serves: a callable
# `fn(user) -> queryset of household ids (a subquery) or an iterable of ids`, registered at
# start-up by the app that owns pairings (assistance, layer 4) so that this base layer
# never imports upward. Unregistered, such a user serves no household.
type HouseholdFilter = Callable[[AreaUser], Iterable[int] | models.QuerySet[Any, Any]]
_household_filter: HouseholdFilter | None = None


def register_household_filter(fn: HouseholdFilter) -> None:
    """Declare where a household-scoped user's households come from (one place:
    `fupin.assistance.apps.AssistanceConfig.ready`)."""
    global _household_filter
    _household_filter = fn


def household_scoped(user: MaybeUser) -> TypeGuard[AreaUser]:
    """Whether the user reads households one by one (its paired ones) rather than its
    whole area: a user without the READ_AREA capability (the paired cadre), as its
    `reads_whole_area` says (fupin.accounts.models.User; this base module never imports
    accounts, which builds on it)."""
    if not signed_in(user):
        return False
    return not user.reads_whole_area


def served_household_ids(user: AreaUser) -> Iterable[int] | models.QuerySet[Any, Any]:
    """The ids of the households a household-scoped user serves, as a subquery (one
    query whatever their number) or a list."""
    if _household_filter is None:
        return []
    return _household_filter(user)


def code_range(prefix: str) -> tuple[str, str]:
    return prefix.ljust(CODE_LENGTH, "0"), prefix.ljust(CODE_LENGTH, "9")


def code_in_area(code: str, prefix: str) -> bool:
    return code.startswith(prefix)


class RestrictedQuerySet[M: models.Model](models.QuerySet[M, M]):
    """Every model with an area has this as its default manager's queryset.

    The model names the lookup that leads to a 12-digit division code in
    `AREA_LOOKUP` (e.g. "village_id" for households, "household__village_id" for
    members). Views, API endpoints, exports and selectors all call `.restrict(user)`.

    A household-scoped user (a paired cadre, see `household_scoped`) is narrowed
    further to the households it serves: a model that hangs off a household names the
    path to it in `HOUSEHOLD_LOOKUP` ("pk" for households, "household" for members);
    a model without one gives such a user nothing, unless it names the user who owns a
    row in `OWNER_LOOKUP` (its own rows only) or sets `CADRE_VISIBLE = True` (area rows,
    e.g. divisions and the village's contact directory).
    """

    def restrict(self, user: MaybeUser) -> Self:
        prefix = area_prefix_of(user)
        if prefix is None:
            return self.none()
        qs = self.in_area(prefix)
        if household_scoped(user):
            qs = qs.served_by(user)
        return qs

    def served_by(self, user: AreaUser) -> Self:
        model = self.model
        lookup = getattr(model, "HOUSEHOLD_LOOKUP", None)
        if lookup is not None:
            return self.filter(**{f"{lookup}__in": served_household_ids(user)})
        owner = getattr(model, "OWNER_LOOKUP", None)
        if owner is not None:
            return self.filter(**{owner: user.pk})
        if getattr(model, "CADRE_VISIBLE", False):
            return self
        return self.none()

    def in_area(self, prefix: str) -> Self:
        if not prefix:
            return self.all()
        # Every model with an area names the lookup to its division code (see above).
        lookup: str = self.model.AREA_LOOKUP  # type: ignore[attr-defined]
        return self.filter(**{f"{lookup}__range": code_range(prefix)})


def area_prefix_of(user: MaybeUser) -> str | None:
    """The user's area prefix; "" means the whole country; None means nothing."""
    if not signed_in(user) or not user.is_active:
        return None
    if user.area is None:
        return "" if user.is_superuser else None
    return user.area.prefix


def user_covers(user: MaybeUser, code: str) -> bool:
    prefix = area_prefix_of(user)
    return prefix is not None and code_in_area(code, prefix)


def covers_household(user: MaybeUser, household: Any) -> bool:
    """Object check for a household (or anything that hangs off one): inside the user's
    area and, for a household-scoped user, one it serves. One query for a paired cadre."""
    if not user_covers(user, household.village_id):
        return False
    if not household_scoped(user):
        return True
    return household.pk in set(served_household_ids(user))


def require_household(actor: MaybeUser, household: Any) -> None:
    """`covers_household` or "not found" (None is the system: always covered)."""

    if actor is not None and not covers_household(actor, household):
        raise OutsideArea()


def may_edit_in(user: MaybeUser, area_code: str) -> bool:
    """`require_edit` as a question (whether a page offers a form)."""
    try:
        require_edit(user, area_code)
    except (OutsideArea, NotAllowed):
        return False
    return True


def require_edit(actor: MaybeUser, area_code: str) -> None:
    """An editing role, inside its own area. Outside the area looks like 'not found'."""

    if not signed_in(actor) or not user_covers(actor, area_code):
        raise OutsideArea()
    if not actor.may_edit:
        raise NotAllowed()
