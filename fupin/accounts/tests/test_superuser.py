"""`fupin createsuperuser` asks for no role: the account it makes is the system
administrator, who alone may load a registry kept elsewhere (the initial load)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from fupin.accounts import authority
from fupin.accounts.models import User
from fupin.accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_createsuperuser_makes_a_system_administrator(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-pass-9731")
    call_command("createsuperuser", "--username", "root", "--email", "", "--noinput")
    user = User.objects.get(username="root")
    assert user.is_superuser and user.role == Role.SYSADMIN
    assert authority.refusal(user, "registry.initial_load", "") is None


def test_a_role_given_is_kept():
    user = User.objects.create_superuser("auditor", None, None, role=Role.COUNTY_OFFICE)
    assert user.role == Role.COUNTY_OFFICE
