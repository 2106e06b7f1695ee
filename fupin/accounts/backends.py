"""The sign-in backend: Django's ModelBackend, reading the user's area in the same query.

Every page and API call scopes its rows to the user's area (`core.scope.area_prefix_of`
reads `user.area.prefix`), so the area is read on every request: with Django's backend
that is a second query after the user's own. Here it is one join.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from fupin.accounts.models import User


class AreaModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.select_related("area").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
