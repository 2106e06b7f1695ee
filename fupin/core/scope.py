"""Area scope: the one place where "the user's area contains the object" is decided.

Division codes are 12 digits (2 province + 2 prefecture + 2 county + 3 township +
3 village). A node's significant prefix (e.g. "431129" for a county) contains exactly
the codes from prefix+"000…" to prefix+"999…", so scope is a range filter on an
indexed code column: no join, no LIKE, and the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from django.db import models

CODE_LENGTH = 12


def code_range(prefix: str) -> tuple[str, str]:
    return prefix.ljust(CODE_LENGTH, "0"), prefix.ljust(CODE_LENGTH, "9")


def code_in_area(code: str, prefix: str) -> bool:
    return code.startswith(prefix)


class RestrictedQuerySet(models.QuerySet):
    """Every model with an area has this as its default manager's queryset.

    The model names the lookup that leads to a 12-digit division code in
    `AREA_LOOKUP` (e.g. "village_id" for households, "household__village_id" for
    members). Views, API endpoints, exports and selectors all call `.restrict(user)`.
    """

    def restrict(self, user) -> RestrictedQuerySet:
        prefix = area_prefix_of(user)
        if prefix is None:
            return self.none()
        return self.in_area(prefix)

    def in_area(self, prefix: str) -> RestrictedQuerySet:
        if not prefix:
            return self.all()
        lookup = self.model.AREA_LOOKUP
        return self.filter(**{f"{lookup}__range": code_range(prefix)})


def area_prefix_of(user) -> str | None:
    """The user's area prefix; "" means the whole country; None means nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.area_id is None:
        return "" if user.is_superuser else None
    return user.area.prefix


def user_covers(user, code: str) -> bool:
    prefix = area_prefix_of(user)
    return prefix is not None and code_in_area(code, prefix)


def require_edit(actor, area_code: str) -> None:
    """An editing role, inside its own area. Outside the area looks like 'not found'."""
    from fupin.core.errors import NotAllowed, OutsideArea

    if not user_covers(actor, area_code):
        raise OutsideArea()
    if not actor.may_edit:
        raise NotAllowed()
