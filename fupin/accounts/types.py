"""The user types that signatures name.

- `User` (fupin.accounts.models.User): a signed-in user; every service's `actor` and the
  `user` of most selectors. `User | None` where None means "the system" (a management
  command, a demo generator, a scheduled job): it is covered everywhere.
- `Actor`: whoever sent a request, signed in or not (`request.user`): the functions that
  also answer anonymous visitors (public pages, permission checks) take it.
- `SignedInRequest`: the request of a page behind `login_required` (or a check that
  implies it): its `user` is a `User`.
"""

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from fupin.accounts.models import User

type Actor = User | AnonymousUser


class SignedInRequest(HttpRequest):
    """For annotations only: a request whose user `login_required` has let through."""

    user: User


__all__ = ["Actor", "SignedInRequest", "User"]
