import pytest

from conftest import HOUSEHOLD_DATA, VILLAGE, registered_household
from fupin.assistance import choices as c
from fupin.assistance import services


@pytest.fixture
def make_cadre(users):
    n = [0]

    def make(rank=c.Rank.ORDINARY, home=VILLAGE, name=None, actor="admin", **extra):
        n[0] += 1
        data = {
            "name": name or f"干部{n[0]}",
            "unit": "县扶贫办",
            "rank": rank,
            "phone": "13807460000",
            "home_area_id": home,
            **extra,
        }
        return services.cadre_create(actor=users[actor], data=data)

    return make


@pytest.fixture
def make_household(users):
    def make(village=VILLAGE, **over):
        return registered_household(
            actor=users["county"], village_code=village, data=dict(HOUSEHOLD_DATA, **over)
        )

    return make
