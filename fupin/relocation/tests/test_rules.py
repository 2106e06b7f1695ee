"""The rules of relocation: each check in its row form and its column form agree on any
values (Hypothesis), the room at a site in both forms, and the demolition deadline in
its row, column and queryset forms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fupin.programmes.checks import Check, refused_mask
from fupin.relocation import rules

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)
DAYS = st.dates(dt.date(2016, 1, 1), dt.date(2027, 12, 31))
OPTIONAL_DAYS = st.none() | DAYS


def _agree(checks: tuple[Check, ...], values: dict, schema: dict) -> None:
    frame = pl.DataFrame([values], schema=schema)
    row = {(c.field, c.reason()) for c in checks if c.row(values)}
    column = {(c.field, c.reason()) for c in checks if refused_mask(c, frame)[0]}
    assert row == column, values


@SETTINGS
@given(
    household_due=st.booleans(),
    same_county=st.booleans(),
    people=st.integers(0, 12),
    home_area=st.decimals(Decimal("0"), Decimal("400"), places=2),
    completed_on=OPTIONAL_DAYS,
    handed_over_on=OPTIONAL_DAYS,
    moved_in_on=OPTIONAL_DAYS,
    today=DAYS,
)
@example(
    household_due=True,
    same_county=True,
    people=3,
    home_area=Decimal("75.00"),
    completed_on=None,
    handed_over_on=dt.date(2018, 1, 1),
    moved_in_on=dt.date(2018, 1, 1),
    today=dt.date(2018, 1, 1),
)
def test_relocation_checks_agree(**values):
    schema = {
        "household_due": pl.Boolean,
        "same_county": pl.Boolean,
        "people": pl.Int64,
        "home_area": pl.Decimal(14, 2),
        "completed_on": pl.Date,
        "handed_over_on": pl.Date,
        "moved_in_on": pl.Date,
        "today": pl.Date,
    }
    _agree(rules.RELOCATION_CHECKS, values, schema)


@SETTINGS
@given(moved_in_on=OPTIONAL_DAYS, demolished_on=DAYS, today=DAYS)
def test_demolition_checks_agree(**values):
    schema = {"moved_in_on": pl.Date, "demolished_on": pl.Date, "today": pl.Date}
    _agree(rules.DEMOLITION_CHECKS, values, schema)


@SETTINGS
@given(moved_in_on=OPTIONAL_DAYS, on=DAYS, today=DAYS)
def test_support_checks_agree(**values):
    schema = {"moved_in_on": pl.Date, "on": pl.Date, "today": pl.Date}
    _agree(rules.SUPPORT_CHECKS, values, schema)


@SETTINGS
@given(
    old_house=st.sampled_from(["pending", "demolished", "kept"]),
    demolished_on=OPTIONAL_DAYS,
    kept_reason=st.sampled_from(["", "保护建筑"]),
)
def test_old_house_checks_agree(**values):
    schema = {"old_house": pl.String, "demolished_on": pl.Date, "kept_reason": pl.String}
    _agree(rules.OLD_HOUSE_CHECKS, values, schema)


def test_the_area_per_person_boundary():
    values = {
        "household_due": True,
        "same_county": True,
        "people": 3,
        "completed_on": None,
        "handed_over_on": None,
        "moved_in_on": None,
        "today": dt.date(2020, 1, 1),
    }
    ok = {**values, "home_area": Decimal("75")}
    too_big = {**values, "home_area": Decimal("75.01")}
    assert not [c for c in rules.RELOCATION_CHECKS if c.row(ok)]
    assert [c.field for c in rules.RELOCATION_CHECKS if c.row(too_big)] == ["home_area"]


SITE_ROWS = st.lists(
    st.tuples(st.integers(1, 3), st.integers(1, 8)), min_size=1, max_size=12
)  # (site, people)


@SETTINGS
@given(
    rows=SITE_ROWS,
    room=st.dictionaries(
        st.integers(1, 3),
        st.tuples(st.integers(0, 6), st.integers(0, 40), st.integers(0, 5), st.integers(0, 30)),
        min_size=3,
        max_size=3,
    ),
)
def test_site_fit_is_the_row_form_applied_in_file_order(rows, room):
    """Each row in file order, counted with the rows of its site before it (refused or
    not: the counts only grow, so a later row never fits where an earlier did not)."""
    frame = pl.DataFrame(
        [
            {
                "site_id": s,
                "people": p,
                "homes": room[s][0],
                "capacity": room[s][1],
                "used_homes": room[s][2],
                "used_people": room[s][3],
            }
            for s, p in rows
        ]
    )
    fit = rules.site_fit(frame).to_dicts()
    before: dict[int, tuple[int, int]] = {}
    for (site, people), got in zip(rows, fit, strict=True):
        homes, capacity, used_homes, used_people = room[site]
        earlier_homes, earlier_people = before.get(site, (0, 0))
        reasons = {
            reason
            for _field, reason in rules.site_refusals(
                homes=homes,
                capacity=capacity,
                used_homes=used_homes + earlier_homes,
                used_people=used_people + earlier_people,
                people=people,
            )
        }
        assert got["no_home"] is (rules.full_homes() in reasons)
        assert got["no_room"] is (rules.full_people() in reasons)
        before[site] = (earlier_homes + 1, earlier_people + people)


@SETTINGS
@given(
    moved_in_on=OPTIONAL_DAYS,
    old_house=st.sampled_from(["pending", "demolished", "kept"]),
    demolished_on=OPTIONAL_DAYS,
    day=DAYS,
)
@example(
    moved_in_on=dt.date(2020, 2, 29),
    old_house="pending",
    demolished_on=None,
    day=dt.date(2021, 3, 1),
)
@example(
    moved_in_on=dt.date(2020, 2, 29),
    old_house="pending",
    demolished_on=None,
    day=dt.date(2021, 2, 28),
)
def test_demolition_overdue_row_and_column_forms_agree(moved_in_on, old_house, demolished_on, day):
    r = {"moved_in_on": moved_in_on, "old_house": old_house, "demolished_on": demolished_on}
    frame = pl.DataFrame(
        [r], schema={"moved_in_on": pl.Date, "old_house": pl.String, "demolished_on": pl.Date}
    )
    assert frame.select(rules.demolition_overdue_expr(day)).item() is rules.demolition_overdue(
        r, day
    )


@pytest.mark.parametrize(
    ("day", "overdue"),
    [(dt.date(2019, 6, 1), False), (dt.date(2019, 6, 2), True)],
)
def test_a_demolition_is_overdue_the_day_after_the_first_anniversary(day, overdue):
    r = {"moved_in_on": dt.date(2018, 6, 1), "old_house": "pending", "demolished_on": None}
    assert rules.demolition_overdue(r, day) is overdue
    assert not rules.demolition_overdue({**r, "old_house": "kept"}, day)
    assert not rules.demolition_overdue({**r, "demolished_on": dt.date(2019, 5, 1)}, day)
