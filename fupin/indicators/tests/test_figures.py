"""Indicators computed by hand on the crafted registry (see conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE, VILLAGE
from fupin.indicators.definitions import COUNT_CODES, DEFINITIONS, RATE
from fupin.indicators.engine import COUNTY_EXITS
from fupin.indicators.selectors import figures
from fupin.indicators.tests.conftest import AS_OF

COUNTY = "431129000000"
TOWNSHIP = "431129100000"


def by_code(nodes):
    return {n.code: n.values for n in nodes}


def test_village_figures_by_hand(crafted):
    v = figures(VILLAGE, as_of=AS_OF, depth=0)[0].values
    assert v["rural_population"] == 500
    assert (v["registered_households"], v["registered_people"]) == (2, 6)  # H1 exited, H2 poor
    assert (v["poor_households"], v["poor_people"]) == (1, 3)
    assert (v["exited_households"], v["exited_people"]) == (1, 3)
    assert (v["removed_households"], v["removed_people"]) == (1, 1)  # H8, removed in 2022
    assert v["returned_people"] == 0
    assert v["poverty_incidence"] == 0.6  # 3 ÷ 500 × 100
    # Flows over 2023-01-01 … 2023-06-30.
    assert (v["flow_exited_households"], v["flow_exited_people"]) == (1, 3)
    assert v["flow_newly_included_households"] == 0
    assert v["flow_removed_households"] == 0  # H8 was removed before the period
    assert (v["flow_members_added"], v["flow_members_removed"]) == (1, 0)  # H2's birth
    # Breakdowns of the six registered people.
    assert (v["health_healthy"], v["health_chronic"], v["health_serious"]) == (4, 1, 1)
    assert (v["labour_ordinary"], v["labour_none"], v["labour_lost"]) == (3, 2, 1)
    assert (v["age_0_5"], v["age_6_15"], v["age_16_59"], v["age_60_plus"]) == (1, 1, 3, 1)
    assert (v["cause_illness"], v["cause_lack_skills"], v["cause_lack_land"]) == (3, 3, 0)


def test_moves_and_status_changes_land_in_the_right_village(crafted):
    nodes = by_code(figures(TOWNSHIP, as_of=AS_OF, depth=1))
    q = nodes[NEIGHBOUR]
    # H3 returned (2), H4 poor after a member left (1), H6 moved in from 大坪村 (1).
    assert (q["registered_households"], q["poor_people"], q["returned_people"]) == (3, 4, 2)
    assert (q["flow_returned_households"], q["flow_returned_people"]) == (1, 2)
    assert q["flow_newly_included_households"] == 0  # H6 was registered, only moved
    assert (q["flow_members_added"], q["flow_members_removed"]) == (0, 1)
    assert q["poverty_incidence"] == 1.0
    d = figures(OTHER_TOWNSHIP_VILLAGE, as_of=AS_OF, depth=0)[0].values
    # H5 newly registered with the member who moved in; H7 removed in the period.
    assert (d["flow_newly_included_households"], d["flow_newly_included_people"]) == (1, 2)
    assert (d["flow_removed_households"], d["flow_removed_people"]) == (1, 2)
    assert d["flow_members_added"] == 2
    assert d["poverty_incidence"] == 0.67  # 2 ÷ 300


def test_levels_add_up(crafted):
    nodes = figures(COUNTY, as_of=AS_OF, depth=2)
    county = nodes[0]
    assert county.code == COUNTY and county.level == 3
    townships = [n for n in nodes if n.level == 4]
    villages = [n for n in nodes if n.level == 5]
    assert {n.code for n in villages} >= {VILLAGE, NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE}
    for code, d in DEFINITIONS.items():
        # The county figures belong to a county and above (None below it).
        if d.kind == RATE or code.startswith("quality") or code in COUNTY_EXITS:
            continue
        assert county.values[code] == sum(t.values[code] for t in townships), code
        for t in townships:
            kids = [v for v in villages if v.parent == t.code]
            assert t.values[code] == sum(v.values[code] for v in kids), (t.code, code)
    assert county.values["poor_people"] == 9
    assert county.values["rural_population"] == 1200
    assert county.values["poverty_incidence"] == 0.75  # 9 ÷ 1200, not a mean of rates


def test_as_of_reads_history(crafted):
    before = by_code(figures(TOWNSHIP, as_of=dt.date(2023, 3, 31), depth=1))
    # Before H1 exited and before H6 moved: 大坪村 has H1, H2 (with the newborn), H6 poor.
    assert before[VILLAGE]["poor_people"] == 7
    assert before[VILLAGE]["registered_households"] == 3
    assert before[NEIGHBOUR]["exited_people"] == 2  # H3 had not returned yet
    assert before[NEIGHBOUR]["poor_people"] == 1
    end_2022 = figures(VILLAGE, as_of=dt.date(2022, 12, 31), depth=0)[0].values
    assert end_2022["poor_people"] == 6  # H1 3 + H2 2 + H6 1
    assert end_2022["flow_newly_included_households"] == 3  # H1, H2, H6 registered in 2022
    assert end_2022["flow_removed_households"] == 1  # H8
    # Before anything was registered the village is empty, and its profile too.
    empty = figures(VILLAGE, as_of=dt.date(2021, 12, 31), depth=0)[0].values
    assert empty["registered_people"] == 0 and empty["rural_population"] == 0
    assert empty["poverty_incidence"] is None


def test_today_from_tables_matches_history(crafted):
    """Today's figures read the tables; yesterday's read the change records. Nothing
    changed since, so every stock agrees."""
    from django.utils import timezone

    live = figures(COUNTY, depth=2)
    yesterday = figures(COUNTY, as_of=timezone.localdate() - dt.timedelta(days=1), depth=2)
    stocks = [c for c in COUNT_CODES if DEFINITIONS[c].kind == "stock"]
    stocks = [c for c in stocks if not c.startswith("quality")]
    assert [n.code for n in live] == [n.code for n in yesterday]
    for a, b in zip(live, yesterday, strict=True):
        assert {c: a.values[c] for c in stocks} == {c: b.values[c] for c in stocks}, a.code
    # H2 exited on 2023-08-01: today nobody in 大坪村 is in poverty.
    assert by_code(live)[VILLAGE]["poor_people"] == 0
    assert by_code(live)[VILLAGE]["exited_people"] == 6


def test_quality_score_only_for_today(crafted):
    live = figures(VILLAGE, depth=0)[0].values
    assert live["quality_households"] == 2  # H1, H2 (H8 removed is not checked)
    assert live["quality_score"] is not None
    past = figures(VILLAGE, as_of=AS_OF, depth=0)[0].values
    assert past["quality_score"] is None


def test_unknown_area(db):
    from fupin.indicators.selectors import UnknownArea

    with pytest.raises(UnknownArea):
        figures("999999")


@pytest.mark.parametrize(
    "day", [dt.date(2021, 12, 31), dt.date(2022, 12, 31), dt.date(2023, 3, 31), AS_OF]
)
def test_states_from_recent_records_equal_full_history(crafted, day):
    """The fast as-of read (today's rows, corrected by the records since the date) gives
    the same states as reading every object's last record before the date."""
    import polars as pl

    from fupin.indicators import frames as fr

    cut = fr.end_of_day(day)
    for label, fields, current in [
        ("registry.household", fr.HOUSEHOLD_FIELDS, fr._current_households("")),
        ("registry.member", fr.MEMBER_FIELDS, fr._current_members("")),
    ]:
        fast = fr.states_at(label, cut, fields, current)
        full = fr.history_states(label, cut, fields)
        if "is_active" in fields:
            fast, full = (x.filter(pl.col("is_active")) for x in (fast, full))
        assert fast.sort("id").equals(full.sort("id").select(fast.columns)), (label, day)


def test_readme_lists_every_definition():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for code in DEFINITIONS:
        assert f"| `{code}` |" in readme, code
