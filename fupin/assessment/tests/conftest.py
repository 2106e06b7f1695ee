import pytest

from conftest import NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE, VILLAGE
from fupin.geo.models import VillageProfile
from fupin.registry import choices as c
from fupin.registry import demo
from fupin.registry.models import Household

COUNTY = "431129000000"
VILLAGES = (VILLAGE, NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE)
# (in poverty, exited, rural households) of each village of the root conftest's tree.
SHAPE = {VILLAGE: (6, 9, 60), NEIGHBOUR: (1, 12, 45), OTHER_TOWNSHIP_VILLAGE: (4, 5, 30)}


@pytest.fixture
def small_county(users):
    """Three villages of Jianghua with registered households and village profiles."""
    rows = []
    n = 0
    for village, (poor, exited, rural) in SHAPE.items():
        VillageProfile.objects.update_or_create(
            village_id=village, defaults={"rural_households": rural}
        )
        for status, count in ((c.HouseholdStatus.POOR, poor), (c.HouseholdStatus.EXITED, exited)):
            for _i in range(count):
                n += 1
                rows.append(
                    Household(
                        number=f"{village}{n:04d}",
                        village_id=village,
                        main_cause=c.PovertyCause.ILLNESS,
                        status=status,
                        status_year=2016,
                        phone=f"1380746{n:04d}",
                    )
                )
    # Not in any registered stratum: part of the non-registered count.
    rows.append(
        Household(
            number=f"{VILLAGE}9999",
            village_id=VILLAGE,
            main_cause=c.PovertyCause.ILLNESS,
            status=c.HouseholdStatus.REMOVED,
            status_year=2017,
        )
    )
    Household.objects.bulk_create(rows)
    return users


@pytest.fixture
def demo_county(db):
    """The demo generator's county at a small scale (≈1,500 people): real villages."""
    demo.build(seed=2017, scale=demo.parse_scale(1500))
    from fupin.accounts.models import User

    return {u.username: u for u in User.objects.all()}
