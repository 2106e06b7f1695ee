"""Poor villages and counties (贫困村, 贫困县) as figures: poor_villages,
poor_villages_exited, poor_counties, poor_counties_exited, as of any date, at every level,
from a snapshot too — each compared with a direct count of the profiles' states on the
date, read object by object from their change records (`core.history.state_as_of`)."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE, VILLAGE
from fupin.core.history import created, state_as_of, type_label
from fupin.geo.models import CountyProfile, VillageProfile
from fupin.geo.services import set_county_exit, set_village_exit, village_profile_update
from fupin.indicators import selectors, snapshots
from fupin.indicators.frames import end_of_day

from .conftest import at

pytestmark = pytest.mark.django_db

COUNTY, TOWNSHIP = "431129000000", "431129100000"
VILLAGES = (VILLAGE, NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE)


@pytest.fixture
def exits(crafted, users):
    """大坪村 poor since 2022, not exited; 清塘村 poor from 2023-01-10, exited 2023-05-15;
    大路铺村 poor, exited 2022-11-01. Jianghua a key poor county, exited 2023-09-01."""
    with at(dt.date(2022, 3, 1)):
        village_profile_update(
            profile=VillageProfile.objects.get(pk=OTHER_TOWNSHIP_VILLAGE),
            actor=users["county"],
            data={"is_poor_village": True},
        )
        CountyProfile.objects.create(county_id=COUNTY, poor_county="key")
        created(users["admin"], CountyProfile.objects.get(pk=COUNTY), area_code=COUNTY)
    with at(dt.date(2022, 11, 1)):
        set_village_exit(village_code=OTHER_TOWNSHIP_VILLAGE, year=2022, actor=None, reason="#1")
    with at(dt.date(2023, 1, 10)):
        village_profile_update(
            profile=VillageProfile.objects.get(pk=NEIGHBOUR),
            actor=users["county"],
            data={"is_poor_village": True},
        )
    with at(dt.date(2023, 5, 15)):
        set_village_exit(village_code=NEIGHBOUR, year=2023, actor=None, reason="#2")
    with at(dt.date(2023, 9, 1)):
        set_county_exit(county_code=COUNTY, year=2023, actor=None, reason="#3")
    return crafted


def direct(model, codes, day: dt.date) -> tuple[int, int]:
    """(poor not exited, exited in the year) on `day`, each object's state read alone."""
    poor_field = "is_poor_village" if model is VillageProfile else "poor_county"
    standing = exited = 0
    for code in codes:
        state = state_as_of(type_label(model), code, end_of_day(day)) or {}
        if not state.get(poor_field):
            continue
        year = state.get("exit_year")
        standing += year is None or year > day.year
        exited += year == day.year
    return standing, exited


DAYS = [
    dt.date(2022, 6, 30),
    dt.date(2022, 12, 31),
    dt.date(2023, 3, 1),
    dt.date(2023, 6, 30),
    dt.date(2023, 12, 31),
    dt.date(2024, 12, 31),
]


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_figures_as_of_a_date_equal_a_direct_count(exits, day):
    nodes = {n.code: n.values for n in selectors.figures(COUNTY, as_of=day, depth=2)}
    county = nodes[COUNTY]
    assert (county["poor_villages"], county["poor_villages_exited"]) == direct(
        VillageProfile, VILLAGES, day
    )
    assert (county["poor_counties"], county["poor_counties_exited"]) == direct(
        CountyProfile, [COUNTY], day
    )
    # The township adds up its villages; below a county there are no county figures.
    township = nodes[TOWNSHIP]
    assert (township["poor_villages"], township["poor_villages_exited"]) == direct(
        VillageProfile, [VILLAGE, NEIGHBOUR], day
    )
    assert township["poor_counties"] is None and nodes[VILLAGE]["poor_counties_exited"] is None


def test_the_story_in_numbers(exits):
    def county(day):
        v = selectors.figures(COUNTY, as_of=day, depth=0)[0].values
        return (
            v["poor_villages"],
            v["poor_villages_exited"],
            v["poor_counties"],
            v["poor_counties_exited"],
        )

    assert county(dt.date(2022, 12, 31)) == (1, 1, 1, 0)
    assert county(dt.date(2023, 3, 1)) == (2, 0, 1, 0)
    assert county(dt.date(2023, 6, 30)) == (1, 1, 1, 0)
    assert county(dt.date(2023, 12, 31)) == (1, 1, 0, 1)
    prefecture = selectors.figures("431100000000", as_of=dt.date(2023, 12, 31), depth=0)[0]
    assert prefecture.values["poor_counties_exited"] == 1


def test_a_snapshot_keeps_the_figures(exits, users):
    day = dt.date(2023, 6, 30)
    snap = snapshots.create(actor=users["county"], area_code=COUNTY, as_of=day)
    from_snapshot = selectors.figures(COUNTY, snapshot=snap, depth=1)
    from_history = selectors.figures(COUNTY, as_of=day, depth=1)
    keys = ("poor_villages", "poor_villages_exited", "poor_counties", "poor_counties_exited")
    assert [[n.values[k] for k in keys] for n in from_snapshot] == [
        [n.values[k] for k in keys] for n in from_history
    ]


def test_a_snapshot_written_before_the_columns_gives_no_data(exits, users):
    snap = snapshots.create(actor=users["county"], area_code=COUNTY, as_of=dt.date(2023, 6, 30))
    frames = snapshots.read(snap)
    frames.counties = None
    frames.villages = frames.villages.drop("poor_village", "village_exit_year")
    values = selectors.figures_from(frames, COUNTY, depth=0)[0].values
    assert values["poor_villages"] is None and values["poor_counties_exited"] is None
    assert values["rural_population"] == 1200
