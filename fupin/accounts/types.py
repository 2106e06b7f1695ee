"""The user types that signatures name.

- `User` (fupin.accounts.models.User): a signed-in user; every service's `actor` and the
  `user` of most selectors. `User | None` where None means "the system" (a management
  command, a demo generator, a scheduled job): it is covered everywhere.
- `Actor`: whoever sent a request, signed in or not (`request.user`): the functions that
  also answer anonymous visitors (public pages, permission checks) take it.
"""

from django.contrib.auth.models import AnonymousUser

from fupin.accounts.models import User

type Actor = User | AnonymousUser

__all__ = ["Actor", "User"]
