import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from fupin.leaders import rules
from fupin.leaders.choices import Period, Target

D = dt.date


def test_calendar_periods():
    assert rules.period_of(Period.MONTH, D(2024, 2, 10)) == (D(2024, 2, 1), D(2024, 2, 29))
    assert rules.period_of(Period.QUARTER, D(2026, 12, 7)) == (D(2026, 10, 1), D(2026, 12, 31))
    assert rules.period_of(Period.QUARTER, D(2026, 4, 1)) == (D(2026, 4, 1), D(2026, 6, 30))
    assert rules.period_of(Period.HALF, D(2026, 6, 30)) == (D(2026, 1, 1), D(2026, 6, 30))
    assert rules.period_of(Period.YEAR, D(2026, 7, 1)) == (D(2026, 1, 1), D(2026, 12, 31))
    assert rules.previous_period(Period.QUARTER, D(2026, 1, 5)) == (D(2025, 10, 1), D(2025, 12, 31))


@given(st.sampled_from(list(Period)), st.dates(min_value=D(2000, 1, 2), max_value=D(2099, 12, 1)))
def test_periods_contain_the_day_and_tile_the_calendar(kind, day):
    start, end = rules.period_of(kind, day)
    assert start <= day <= end
    assert start.day == 1 and (start.month - 1) % rules.MONTHS[kind] == 0
    assert rules.period_of(kind, end + dt.timedelta(days=1))[0] == end + dt.timedelta(days=1)
    assert rules.previous_period(kind, day)[1] == start - dt.timedelta(days=1)


def row(pk, region, target=Target.TOWNSHIP, rank="", period=Period.QUARTER, visits=1):
    return rules.RuleRow(pk, region, target, rank, period, visits)


ANCESTORS = ["431129100000", "431129000000", "431100000000", "430000000000"]


def test_the_most_specific_region_wins_then_the_rank():
    rows = [
        row(1, None, visits=5),
        row(2, "430000000000", visits=4),
        row(3, "431129000000", visits=3),
        row(4, "431129000000", rank="county", visits=2),
        row(5, "431128000000", visits=9),  # another county: never applies
        row(6, "431129000000", target=Target.VILLAGE, visits=7),
    ]
    pick = rules.pick_rule
    assert pick(rows, ancestors=ANCESTORS, target=Target.TOWNSHIP, rank="county").visits == 2
    assert pick(rows, ancestors=ANCESTORS, target=Target.TOWNSHIP, rank="section").visits == 3
    assert pick(rows[:2], ancestors=ANCESTORS, target=Target.TOWNSHIP, rank="x").visits == 4
    assert pick(rows[:1], ancestors=ANCESTORS, target=Target.TOWNSHIP, rank="x").visits == 5
    assert pick(rows[4:5], ancestors=ANCESTORS, target=Target.TOWNSHIP, rank="") == rules.DEFAULT
    assert rules.Requirement(Period.QUARTER, 1) == rules.DEFAULT


def test_in_force_and_shortfall():
    q = (D(2026, 10, 1), D(2026, 12, 31))
    assert rules.in_force(D(2026, 11, 1), None, *q)
    assert rules.in_force(D(2020, 1, 1), D(2026, 10, 1), *q)
    assert not rules.in_force(D(2020, 1, 1), D(2026, 9, 30), *q)
    assert not rules.in_force(D(2027, 1, 1), None, *q)
    assert rules.shortfall(2, 0) == 2 and rules.shortfall(1, 3) == 0
