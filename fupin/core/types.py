"""The user as the base layer sees it.

core never imports accounts (accounts builds on core), so it names what it reads of a
user as a Protocol; fupin.accounts.models.User satisfies it, and the rest of the code names
that class itself (see fupin.accounts.types). `MaybeUser` is what core's scope checks
accept: a signed-in user, an anonymous visitor (`request.user`), or None (the system).
"""

from __future__ import annotations

from typing import Any, Protocol, TypeGuard

from django.contrib.auth.models import AnonymousUser


class HasPrefix(Protocol):
    @property
    def prefix(self) -> str: ...


class AreaUser(Protocol):
    """A signed-in user with one area (fupin.accounts.models.User)."""

    @property
    def pk(self) -> Any: ...
    @property
    def is_authenticated(self) -> bool: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def is_superuser(self) -> bool: ...
    @property
    def area_id(self) -> str | None: ...
    @property
    def area(self) -> HasPrefix | None: ...
    @property
    def reads_whole_area(self) -> bool: ...
    @property
    def may_edit(self) -> bool: ...


type MaybeUser = AreaUser | AnonymousUser | None


def signed_in(user: object) -> TypeGuard[AreaUser]:
    """Not None and authenticated (an anonymous visitor is not)."""
    return user is not None and bool(getattr(user, "is_authenticated", False))
