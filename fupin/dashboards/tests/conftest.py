"""A small registry for the dashboards: households in three villages of two townships,
village profiles (the denominators of incidence), reports written to a temporary VAR_DIR."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from conftest import (
    HOUSEHOLD_DATA,
    OTHER_TOWNSHIP_VILLAGE,
    VILLAGE,
    make_id,
    member_data,
    registered_household,
)
from fupin.dashboards import maps
from fupin.geo.models import VillageProfile
from fupin.registry import choices as c
from fupin.registry import services

COUNTY = "431129000000"
TOWNSHIP = "431129100000"


@pytest.fixture(autouse=True)
def _dashboard_settings(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.FUPIN_REPORT_SYNC = True
    settings.FUPIN_DASHBOARD_SYNC = True
    # Whitenoise's manifest is not built in tests; plain static storage renders the URLs.
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    maps._SCHEMATIC.clear()
    # Cached figures are stamped with the newest change record id, which SQLite reuses
    # after a test's rollback: start every test with an empty cache.
    cache.clear()


@pytest.fixture
def login(client, users):
    def _login(name):
        client.force_login(users[name])
        return client

    return _login


def _add(actor, village, status, seq, people=1):
    h = registered_household(
        actor=actor,
        village_code=village,
        data=dict(HOUSEHOLD_DATA, status=status, address=f"{village} {seq}"),
        reason="registration",
    )
    for i in range(people):
        services.member_add(
            actor=actor,
            household=h,
            data=member_data(
                id_number=make_id(seq=f"{seq}{i}"),
                name=f"盘{seq}{i}",
                relation=c.Relation.HEAD if i == 0 else c.Relation.SON,
            ),
            reason="registration",
        )
    return h


@pytest.fixture
def registry(users, household, neighbour_household):
    """大坪村: 1 poor (fixture, 1 person) + 1 exited (2 people); 清塘村: 1 poor (fixture);
    大路铺村: 1 returned (3 people). Rural populations 200 / 100 / 300."""
    _add(users["village"], VILLAGE, c.HouseholdStatus.EXITED, "71", people=2)
    _add(users["county"], OTHER_TOWNSHIP_VILLAGE, c.HouseholdStatus.RETURNED, "81", people=3)
    for code, population in [(VILLAGE, 200), ("431129100202", 100), (OTHER_TOWNSHIP_VILLAGE, 300)]:
        VillageProfile.objects.update_or_create(
            village_id=code,
            defaults={"rural_population": population, "rural_households": population // 3},
        )
    return users
