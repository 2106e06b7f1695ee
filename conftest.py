"""Shared fixtures: a small real division tree and one user per role, like Healthchecks'
base test case: a village user, a user of the neighbouring village, a township user,
a county user, and the others."""

import datetime as dt

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test import testcases
from django.test.testcases import QuietWSGIRequestHandler

from fupin.accounts.models import User
from fupin.accounts.roles import Role
from fupin.geo.services import load_divisions
from fupin.registry import choices as c
from fupin.registry import services
from fupin.registry.idnumber import check_char

# Jianghua Yao Autonomous County (江华瑶族自治县), Yongzhou, Hunan: real codes and names.
TREE = [
    ("430000000000", "湖南省"),
    ("431100000000", "永州市"),
    ("431129000000", "江华瑶族自治县"),
    ("431129100000", "沱江镇"),
    ("431129100201", "大坪村"),
    ("431129100202", "清塘村"),
    ("431129103000", "大路铺镇"),
    ("431129103201", "大路铺村"),
    ("431128000000", "新田县"),
    ("431128100000", "龙泉镇"),
    ("431128100201", "新圩村"),
]
VILLAGE = "431129100201"
NEIGHBOUR = "431129100202"
OTHER_TOWNSHIP_VILLAGE = "431129103201"
OTHER_COUNTY_VILLAGE = "431128100201"


def make_id(region: str = "431129", birth: str = "19800101", seq: str = "123") -> str:
    first17 = region + birth + seq
    return first17 + check_char(first17)


@pytest.fixture
def tree(db):
    result = load_divisions(TREE)
    assert not result.errors, result.errors
    return result


def _user(username, role, area):
    u = User.objects.create_user(
        username=username, password="pw-" + username, role=role, area_id=area
    )
    return u


@pytest.fixture
def users(tree):
    return {
        "village": _user("village", Role.VILLAGE_STAFF, VILLAGE),
        "neighbour": _user("neighbour", Role.VILLAGE_STAFF, NEIGHBOUR),
        "township": _user("township", Role.TOWNSHIP_STATION, "431129100000"),
        "county": _user("county", Role.COUNTY_OFFICE, "431129000000"),
        "other_county": _user("other_county", Role.COUNTY_OFFICE, "431128000000"),
        "department": _user("department", Role.DEPARTMENT, "431129000000"),
        "inspector": _user("inspector", Role.INSPECTOR, "431129000000"),
        "cadre": _user("cadre", Role.CADRE, VILLAGE),
        "admin": User.objects.create_superuser(
            username="admin", password="pw-admin", role=Role.SYSADMIN, area_id=None
        ),
    }


HOUSEHOLD_DATA = {
    "group_name": "一组",
    "address": "大坪村一组12号",
    "category": c.HouseholdCategory.GENERAL,
    "main_cause": c.PovertyCause.ILLNESS,
    "other_causes": [c.PovertyCause.LACK_SKILLS],
    "phone": "13807461234",
    "bank_name": "农村信用社",
    "bank_account": "6217001234567890123",
}


def give_status(household, status, year, monitoring_type=""):
    """Test setup only: as a passed case would; the procedures themselves are tested in
    fupin/cases (and fupin/monitoring). Writes the household's status, status year and
    monitoring type with a queryset update, and one change record (actor "system"), so
    that the history and as-of views see the status as a case would have left it."""
    from fupin.core.history import record_change, snapshot
    from fupin.core.models import ChangeAction
    from fupin.registry.models import Household

    h = Household.objects.get(pk=household.pk)
    before = snapshot(h)
    Household.objects.filter(pk=h.pk).update(
        status=status, status_year=year, monitoring_type=monitoring_type
    )
    h.refresh_from_db()
    record_change(
        actor=None,
        instance=h,
        action=ChangeAction.UPDATE,
        before=before,
        area_code=h.village_id,
        reason="test setup: status as a passed case would set it",
    )
    household.status, household.status_year = h.status, h.status_year
    household.monitoring_type = h.monitoring_type
    return household


def registered_household(
    *, actor, village_code, data, reason="", status=None, status_year=None, monitoring_type=None
):
    """A household registered through the service (as a candidate), then given a status
    with `give_status` (test setup only). The status, status year and monitoring type may
    come as arguments or in `data`; by default in poverty (未脱贫) since 2016."""
    data = dict(data)
    status = status or data.pop("status", None) or c.HouseholdStatus.POOR
    status_year = status_year or data.pop("status_year", None) or 2016
    monitoring_type = monitoring_type or data.pop("monitoring_type", None) or ""
    data.pop("status", None), data.pop("status_year", None), data.pop("monitoring_type", None)
    h = services.household_create(actor=actor, village_code=village_code, data=data, reason=reason)
    if (status, status_year, monitoring_type) != (h.status, h.status_year, h.monitoring_type):
        give_status(h, status, status_year, monitoring_type)
    return h


def pair_cadre(household, user=None, start=dt.date(2024, 1, 1)):
    """Pair a cadre login (default: the conftest `cadre` user) with the household, through
    the assistance services: a paired cadre reads and acts on its paired households only
    (fupin/assistance/tests/test_cadre_scope.py). Its cadre profile and each pairing are
    made once."""
    from fupin.accounts.models import User
    from fupin.assistance import services as assistance
    from fupin.assistance.models import Cadre

    admin = User.objects.get(username="admin")
    user = user or User.objects.get(username="cadre")
    profile = Cadre.objects.filter(user=user).first() or assistance.cadre_create(
        actor=admin,
        data={
            "name": "张帮扶",
            "unit": "县农业农村局",
            "rank": "section",
            "home_area_id": household.village_id,
            "user": user,
        },
    )
    current = profile.pairings.filter(household=household, end_date__isnull=True).first()
    return current or assistance.pairing_create(
        actor=admin, cadre=profile, household=household, kind="key", start_date=start
    )


def member_data(**over):
    data = {
        "id_number": make_id(),
        "name": "盘石生",
        "relation": c.Relation.HEAD,
        "ethnicity": "13",
        "education": c.Education.PRIMARY,
        "health": c.Health.CHRONIC,
        "labour": c.LabourCapacity.ORDINARY,
    }
    data.update(over)
    return data


@pytest.fixture
def household(users):
    h = registered_household(
        actor=users["village"],
        village_code=VILLAGE,
        data=dict(HOUSEHOLD_DATA),
        reason="registration",
    )
    services.member_add(
        actor=users["village"],
        household=h,
        data=member_data(),
        date=dt.date(2016, 3, 1),
        reason="registration",
    )
    return h


@pytest.fixture
def neighbour_household(users):
    h = registered_household(
        actor=users["neighbour"],
        village_code=NEIGHBOUR,
        data=dict(HOUSEHOLD_DATA, address="清塘村二组3号"),
    )
    services.member_add(
        actor=users["neighbour"],
        household=h,
        data=member_data(id_number=make_id(seq="456"), name="李秀英", sex="F"),
    )
    return h


class _LiveServerThread(testcases.LiveServerThread):
    """The live server for browser tests. On SQLite the test database lives in memory and
    its one connection is shared with the server (`connections_override`); a threaded
    server would use it from several threads at once, and a page that loads two JSON
    files in parallel then failed now and again ("bad parameter or other API misuse").
    There the server answers one request at a time (and closes each connection, so the
    browser does not hold it)."""

    def _create_server(self, connections_override=None):
        if not connections_override:
            return super()._create_server(connections_override)
        address = (self.host, self.port)
        return WSGIServer(address, QuietWSGIRequestHandler, allow_reuse_address=False)


# pytest-django looks the class up here when it starts the live server.
testcases.LiveServerThread = _LiveServerThread


@pytest.fixture(scope="session")
def live_server(django_db_setup, django_db_blocker, live_server):
    """pytest-django's live server, started after the test database exists. Its request
    threads may leave PostgreSQL sessions open (a browser keeps connections alive), and
    PostgreSQL refuses to drop a database in use; so when the run ends, before the
    database is dropped, the sessions of other threads on it are ended."""
    yield live_server
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    """Uploaded files and indicator snapshots of a test go to its own temporary
    directory, never into var/ (where they would outlive the test database)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.INDICATOR_SNAPSHOT_DIR = str(tmp_path / "snapshots")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (zh-hans): a command run with
    --language en in one test must not change the language of the next."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.activate("zh-hans")


@pytest.fixture(autouse=True)
def _memory_cache(settings):
    """Tests use a per-process memory cache (no database needed, emptied between tests);
    the server's cache is the database cache (or Redis). The rate limit tests of the public
    pages run against the database cache itself with the `database_cache` fixture."""
    from django.core.cache import cache

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "fupin-tests",
        }
    }
    cache.clear()


@pytest.fixture
def database_cache(settings, db):
    """The cache of a deployment: fupin's database cache (Django's, with an atomic incr) in
    the table `migrate` makes."""
    from django.core.cache import cache

    settings.CACHES = {
        "default": {
            "BACKEND": "fupin.core.cache.DatabaseCache",
            "LOCATION": "fupin_cache",
        }
    }
    cache.clear()
    return cache


# The data migrations whose rows the application reads as reference data (the national
# policy sets, the national household-file checklist), in migration order.
SEEDING_MIGRATIONS = (
    ("fupin.policy.migrations.0002_national_defaults", "forwards"),
    ("fupin.policy.migrations.0008_sourced_national_lines", "forwards"),
    ("fupin.dossier.migrations.0002_national_default", "seed"),
)


@pytest.fixture(autouse=True)
def _seeded_after_flush(request):
    """A transactional test (every browser test: the live server needs one) empties the
    whole database when it ends, the rows the data migrations seeded included; a later test
    of the same process would then find no national policy or checklist, and pass or fail
    by the order xdist gave it. So every database test starts with the seeded rows put
    back, by the migrations' own functions, where they are missing (inside the test's
    transaction when it has one: rolled back with it)."""
    names = set(request.fixturenames)
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        names & {"db", "transactional_db", "live_server", "django_db_reset_sequences"}
    )
    if not uses_db:
        yield
        return
    import importlib

    from django.apps import apps

    from fupin.dossier.models import Checklist
    from fupin.policy.models import PolicySet

    marker = request.node.get_closest_marker("django_db")
    transactional = "live_server" in names or "transactional_db" in names
    transactional = transactional or bool(marker and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    policy_missing = not PolicySet.objects.filter(region__isnull=True).exists()
    checklist_missing = not Checklist.objects.filter(region__isnull=True).exists()
    for module, function in SEEDING_MIGRATIONS:
        if ("policy" in module and policy_missing) or ("dossier" in module and checklist_missing):
            getattr(importlib.import_module(module), function)(apps, None)
    yield
