"""The rules of posts and employment: each check and each state in its row form and its
column form agree on any values (Hypothesis), and the boundaries hold as written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fupin.employment import rules
from fupin.programmes.checks import Check, refusals, refused_mask
from fupin.registry.ages import age_on_expr
from fupin.registry.choices import LabourCapacity, MigrantPlace

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)
DAYS = st.dates(dt.date(2016, 1, 1), dt.date(2027, 12, 31))
OPTIONAL_DAYS = st.none() | DAYS
MONEY = st.decimals(Decimal("-5"), Decimal("2000"), places=2, allow_nan=False)
STATUS = st.sampled_from(["proposed", "approved", "refused"])
LABOUR = st.sampled_from(LabourCapacity.values)


def _agree(checks: tuple[Check, ...], values: dict, schema: dict) -> None:
    """Row form and column form give the same refusals for these values."""
    frame = pl.DataFrame([values], schema=schema)
    row = {(c.field, c.reason()) for c in checks if c.row(values)}
    column = {(c.field, c.reason()) for c in checks if refused_mask(c, frame)[0]}
    assert row == column, values
    assert set(refusals(checks, values)) == row


@SETTINGS
@given(
    household_due=st.booleans(),
    labour=LABOUR,
    age=st.integers(0, 100),
    post_open=st.booleans(),
    same_township=st.booleans(),
)
def test_holding_checks_agree(**values):
    schema = {
        "household_due": pl.Boolean,
        "labour": pl.String,
        "age": pl.Int32,
        "post_open": pl.Boolean,
        "same_township": pl.Boolean,
    }
    _agree(rules.HOLDING_CHECKS, values, schema)


@SETTINGS
@given(
    status=STATUS,
    start_on=DAYS,
    decided_on=OPTIONAL_DAYS,
    end_on=OPTIONAL_DAYS,
    monthly_pay=MONEY,
    month=DAYS,
    amount=MONEY,
    paid_on=DAYS,
    today=DAYS,
)
def test_payment_checks_agree(**values):
    values["month"] = rules.month_start(values["month"])
    schema = {
        "status": pl.String,
        "start_on": pl.Date,
        "decided_on": pl.Date,
        "end_on": pl.Date,
        "monthly_pay": pl.Decimal(14, 2),
        "month": pl.Date,
        "amount": pl.Decimal(14, 2),
        "paid_on": pl.Date,
        "today": pl.Date,
    }
    _agree(rules.PAYMENT_CHECKS, values, schema)


@SETTINGS
@given(monthly_pay=MONEY, opened_on=DAYS, closed_on=OPTIONAL_DAYS)
def test_post_checks_agree(**values):
    schema = {"monthly_pay": pl.Decimal(14, 2), "opened_on": pl.Date, "closed_on": pl.Date}
    _agree(rules.POST_CHECKS, values, schema)


@SETTINGS
@given(age=st.integers(0, 100), start_on=DAYS, end_on=OPTIONAL_DAYS, today=DAYS)
def test_placement_checks_agree(**values):
    schema = {"age": pl.Int32, "start_on": pl.Date, "end_on": pl.Date, "today": pl.Date}
    _agree(rules.PLACEMENT_CHECKS, values, schema)


@SETTINGS
@given(start_on=DAYS, end_on=DAYS, today=DAYS, last_paid=OPTIONAL_DAYS)
def test_holding_end_checks_agree(**values):
    schema = {"start_on": pl.Date, "end_on": pl.Date, "today": pl.Date, "last_paid": pl.Date}
    _agree(rules.HOLDING_END_CHECKS, values, schema)


@SETTINGS
@given(
    place_scope=st.sampled_from(MigrantPlace.values),
    start_on=DAYS,
    paid_on=DAYS,
    amount=MONEY,
    today=DAYS,
)
def test_subsidy_checks_agree(**values):
    schema = {
        "place_scope": pl.String,
        "start_on": pl.Date,
        "paid_on": pl.Date,
        "amount": pl.Decimal(14, 2),
        "today": pl.Date,
    }
    _agree(rules.SUBSIDY_CHECKS, values, schema)


HOLDING = st.fixed_dictionaries(
    {"status": STATUS, "start_on": DAYS, "decided_on": OPTIONAL_DAYS, "end_on": OPTIONAL_DAYS}
)


@SETTINGS
@given(holding=HOLDING, day=DAYS)
def test_held_on_and_in_month_agree(holding, day):
    frame = pl.DataFrame([holding], schema=rules.HOLDING_SCHEMA | {}, strict=False)
    assert frame.select(rules.held_expr(day)).item() is rules.held_on(holding, day)
    in_month = frame.select(rules.held_in_month_expr(pl.lit(day))).item()
    assert in_month is rules.held_in_month(holding, day)


@SETTINGS
@given(start_on=DAYS, end_on=OPTIONAL_DAYS, day=DAYS)
def test_working_on_agrees(start_on, end_on, day):
    p = {"start_on": start_on, "end_on": end_on}
    frame = pl.DataFrame([p], schema={"start_on": pl.Date, "end_on": pl.Date})
    assert frame.select(rules.working_expr(day)).item() is rules.working_on(p, day)


@SETTINGS
@given(a=DAYS, a_end=OPTIONAL_DAYS, b=DAYS, b_end=OPTIONAL_DAYS)
def test_overlaps_agree(a, a_end, b, b_end):
    frame = pl.DataFrame(
        [{"a": a, "a_end": a_end, "b": b, "b_end": b_end}],
        schema={"a": pl.Date, "a_end": pl.Date, "b": pl.Date, "b_end": pl.Date},
    )
    column = frame.select(rules.overlaps_expr("a", "a_end", "b", "b_end")).item()
    assert bool(column) is rules.overlaps(a, a_end, b, b_end)


@SETTINGS
@given(labour=LABOUR, age=st.integers(0, 100))
def test_labourer_agrees(labour, age):
    frame = pl.DataFrame({"labour": [labour], "age": [age]})
    assert frame.select(rules.labourer_expr(pl.col("labour"), pl.col("age"))).item() is (
        rules.is_labourer(labour, age)
    )


@SETTINGS
@given(birth=DAYS, on=DAYS)
def test_age_column_form_is_member_age_on(birth, on):
    from fupin.registry.models import Member

    frame = pl.DataFrame({"birth": [birth], "on": [on]})
    column = frame.select(age_on_expr(pl.col("birth"), pl.col("on"))).item()
    assert column == Member(birth_date=birth).age_on(on)


PEOPLE = st.lists(
    st.tuples(
        st.lists(HOLDING, max_size=3),
        st.lists(st.fixed_dictionaries({"start_on": DAYS, "end_on": OPTIONAL_DAYS}), max_size=2),
        st.lists(st.fixed_dictionaries({"month": DAYS, "paid_on": DAYS}), max_size=4),
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=120, deadline=None, derandomize=True)
@given(people=PEOPLE, day=DAYS)
def test_in_work_and_lost_post_agree_for_many_people(people, day):
    """`people_in_work` and `lost_post_people` over everyone's rows at once give each
    person's `in_work` and `lost_post`."""
    holdings, placements, payments = [], [], []
    for member_id, (hs, ps, pays) in enumerate(people, start=1):
        holdings += [{**h, "member_id": member_id, "household_id": member_id * 10} for h in hs]
        placements += [{**p, "member_id": member_id} for p in ps]
        payments += [
            {
                "member_id": member_id,
                "month": rules.month_start(x["month"]),
                "paid_on": x["paid_on"],
            }
            for x in pays
        ]
    h = pl.DataFrame(holdings, schema=rules.HOLDING_SCHEMA)
    p = pl.DataFrame(placements, schema=rules.PLACEMENT_SCHEMA)
    pay = pl.DataFrame(payments, schema=rules.PAYMENT_SCHEMA)
    work = {
        r["member_id"]: (r["post"], r["work"]) for r in rules.people_in_work(h, p, day).to_dicts()
    }
    lost = set(rules.lost_post_people(h, pay, day)["member_id"].to_list())
    for member_id, (hs, ps, pays) in enumerate(people, start=1):
        month_pays = [{**x, "month": rules.month_start(x["month"])} for x in pays]
        assert work.get(member_id, (False, False)) == rules.in_work(hs, ps, day)
        assert (member_id in lost) is rules.lost_post(hs, month_pays, day)


# ------------------------------------------------------------------ boundaries


def _held(start, decided, end=None, status="approved"):
    return {"status": status, "start_on": start, "decided_on": decided, "end_on": end}


def test_held_from_the_later_of_start_and_appointment_to_the_day_before_the_end():
    h = _held(dt.date(2024, 3, 1), dt.date(2024, 3, 10), dt.date(2024, 9, 1))
    assert not rules.held_on(h, dt.date(2024, 3, 9))
    assert rules.held_on(h, dt.date(2024, 3, 10))
    assert rules.held_on(h, dt.date(2024, 8, 31))
    assert not rules.held_on(h, dt.date(2024, 9, 1))
    assert not rules.held_on({**h, "status": "proposed"}, dt.date(2024, 5, 1))


def test_previous_month_is_the_last_full_month():
    assert rules.previous_month(dt.date(2025, 1, 15)) == (
        dt.date(2024, 12, 1),
        dt.date(2024, 12, 31),
    )
    assert rules.previous_month(dt.date(2024, 3, 1)) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))


@pytest.mark.parametrize(
    ("end", "paid", "lost"),
    [
        (None, True, False),  # holds it, paid for last month
        (None, False, True),  # holds it, not paid for last month (停发)
        (dt.date(2025, 1, 10), True, True),  # ended this month, no new post (未再上岗)
        (dt.date(2024, 12, 1), False, False),  # ended before last month: not this round's
    ],
)
def test_lost_post_on_its_boundaries(end, paid, lost):
    day = dt.date(2025, 1, 20)
    h = [_held(dt.date(2024, 1, 1), dt.date(2023, 12, 20), end)]
    pays = [{"month": dt.date(2024, 12, 1), "paid_on": dt.date(2025, 1, 10)}] if paid else []
    assert rules.lost_post(h, pays, day) is lost


def test_a_new_post_the_same_day_is_not_a_loss():
    day = dt.date(2025, 1, 20)
    old = _held(dt.date(2024, 1, 1), dt.date(2023, 12, 20), dt.date(2025, 1, 5))
    new = _held(dt.date(2025, 1, 5), dt.date(2025, 1, 3))
    pays = [{"month": dt.date(2024, 12, 1), "paid_on": dt.date(2025, 1, 10)}]
    assert not rules.lost_post([old, new], pays, day)
    # Paid after the as-of day: not paid on it.
    late = [{"month": dt.date(2024, 12, 1), "paid_on": dt.date(2025, 1, 21)}]
    assert rules.lost_post([old, new], late, day)


@pytest.mark.parametrize(
    ("labour", "age", "ok"),
    [
        ("weak", 16, True),
        ("ordinary", 64, True),
        ("ordinary", 65, False),
        ("skilled", 15, False),
        ("lost", 40, False),
    ],
)
def test_labourer_boundaries(labour, age, ok):
    assert rules.is_labourer(labour, age) is ok
