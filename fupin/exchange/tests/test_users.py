"""Who a command-line import runs as when no --user is given."""

from __future__ import annotations

import pytest

from fupin.accounts import authority
from fupin.accounts.roles import Role
from fupin.exchange.users import command_user

pytestmark = pytest.mark.django_db


def test_a_command_without_a_user_runs_as_a_system_administrator():
    """With no superuser yet, `import-registry` (no --user) makes the `system` account:
    a system administrator, so that a fresh install's initial load is allowed."""
    user = command_user(None)
    assert user.username == "system" and user.is_superuser
    assert user.role == Role.SYSADMIN
    assert authority.refusal(user, "registry.initial_load", "") is None
