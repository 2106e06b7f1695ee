import datetime as dt

import pytest

from conftest import VILLAGE
from fupin.assistance import choices as ac
from fupin.assistance import services as assistance

START = dt.date(2024, 1, 1)


@pytest.fixture
def make_cadre(users):
    n = [0]

    def make(name=None, **extra):
        n[0] += 1
        data = {
            "name": name or f"队员{n[0]}",
            "unit": "县财政局",
            "rank": ac.Rank.ORDINARY,
            "phone": "13807460000",
            "home_area_id": VILLAGE[:6] + "000000",
            **extra,
        }
        return assistance.cadre_create(actor=users["admin"], data=data)

    return make


@pytest.fixture
def team(users, make_cadre):
    """A team in conftest.VILLAGE since 2024-01-01: a first secretary who is also the
    leader, linked to the `cadre` user, and two members."""
    secretary = make_cadre(name="第一书记", user=users["cadre"])
    a, b = make_cadre(name="队员甲"), make_cadre(name="队员乙", unit="乡人民政府")
    return assistance.work_team_create(
        actor=users["county"],
        unit="县财政局",
        village_code=VILLAGE,
        members=[secretary, a, b],
        leader=secretary,
        first_secretary=secretary,
        started_on=START,
    )


@pytest.fixture(autouse=True)
def _english():
    """The services' refusals are matched in English here (the pages answer in the
    default language, zh-hans, and the tests read their data, not their labels)."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("zh-hans")
