"""Who a command-line import or export runs as."""

from __future__ import annotations

from django.core.management.base import CommandError

from fupin.accounts.models import User
from fupin.accounts.roles import Role


def command_user(username: str | None) -> User:
    """The named user, or the system administrator account for the whole country.

    Commands act as a user so that scope, masking and history work as on the web: a
    village's staff member can import their village's workbook and nothing else."""
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        return user
    user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if user is None:
        user, _created = User.objects.get_or_create(
            username="system",
            defaults={"is_superuser": True, "is_staff": True, "role": Role.SYSADMIN},
        )
    return user
