"""The rules of education aid in their two forms, row (services) and column (import,
indicators), agree for any input (Hypothesis, derandomised: every run checks the same
cases), and each rule holds on its boundaries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fupin.education import rules
from fupin.education.models import AidKind, Stage
from fupin.programmes.rows import refusal_rows

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True)
TODAY = dt.date(2025, 6, 30)

AID = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(AidKind.values),
        "stage": st.sampled_from(Stage.values),
        "school_year": st.integers(2013, 2027),
        "paid_on": st.dates(dt.date(2012, 6, 1), dt.date(2028, 12, 31)),
        "amount": st.decimals(Decimal("-10"), Decimal("5000"), places=2),
        "due": st.booleans(),
    }
)


def _column_reasons(frame: pl.DataFrame, refusals) -> list[list[tuple[str, str]]]:
    out: list[list[tuple[str, str]]] = [[] for _ in range(frame.height)]
    for field, mask, reasons in refusal_rows(frame, refusals):
        for i, (hit, why) in enumerate(zip(mask.to_list(), reasons.to_list(), strict=True)):
            if hit:
                out[i].append((field, why))
    return out


@SETTINGS
@given(rows=st.lists(AID, min_size=1, max_size=30))
@example(
    rows=[
        {
            "kind": AidKind.RAINBOW_PLAN.value,
            "stage": Stage.VOCATIONAL.value,
            "school_year": 2024,
            "paid_on": dt.date(2025, 12, 31),  # in the window, but after today
            "amount": Decimal("1500"),
            "due": True,
        }
    ]
)
def test_aid_row_and_column_forms_agree(rows):
    frame = pl.DataFrame(
        rows,
        schema={
            "kind": pl.String,
            "stage": pl.String,
            "school_year": pl.Int64,
            "paid_on": pl.Date,
            "amount": pl.Decimal(14, 2),
            "due": pl.Boolean,
        },
    )
    columns = _column_reasons(frame, rules.aid_refusal_columns(TODAY))
    for row, column in zip(rows, columns, strict=True):
        expected = rules.aid_refusals(
            kind=row["kind"],
            stage=row["stage"],
            school_year=row["school_year"],
            paid_on=row["paid_on"],
            amount=row["amount"],
            household_due=row["due"],
            today=TODAY,
        )
        assert sorted(column) == sorted(expected), row


def test_which_benefit_fits_which_stage():
    assert rules.stage_fits(AidKind.TWO_EXEMPTIONS, Stage.PRIMARY)
    assert rules.stage_fits(AidKind.TWO_EXEMPTIONS, Stage.JUNIOR)
    assert not rules.stage_fits(AidKind.TWO_EXEMPTIONS, Stage.SENIOR)
    assert not rules.stage_fits(AidKind.GRANT, Stage.JUNIOR)
    assert rules.stage_fits(AidKind.GRANT, Stage.SENIOR)
    assert rules.stage_fits(AidKind.GRANT, Stage.KINDERGARTEN)
    assert rules.stage_fits(AidKind.RAINBOW_PLAN, Stage.HIGHER_VOCATIONAL)
    assert not rules.stage_fits(AidKind.RAINBOW_PLAN, Stage.UNDERGRADUATE)


def test_a_benefit_is_paid_within_its_school_years_calendar_years():
    assert rules.paid_in_time(2024, dt.date(2024, 1, 1), TODAY)
    assert not rules.paid_in_time(2024, dt.date(2023, 12, 31), TODAY)
    assert rules.paid_in_time(2023, dt.date(2024, 12, 31), dt.date(2025, 1, 1))
    assert not rules.paid_in_time(2023, dt.date(2025, 1, 1), dt.date(2025, 1, 2))
    assert not rules.paid_in_time(2025, dt.date(2025, 7, 1), TODAY)  # after today


DROPOUT = st.fixed_dictionaries(
    {
        "birth_date": st.dates(dt.date(2000, 1, 1), dt.date(2024, 12, 31)),
        "opened_on": st.dates(dt.date(2015, 1, 1), dt.date(2026, 12, 31)),
        "has_open": st.booleans(),
    }
)


@SETTINGS
@given(rows=st.lists(DROPOUT, min_size=1, max_size=30))
@example(  # 6 on the day found out of school, and 16 the day after turning 15's last day
    rows=[
        {"birth_date": dt.date(2012, 3, 1), "opened_on": dt.date(2018, 3, 1), "has_open": False},
        {"birth_date": dt.date(2008, 3, 1), "opened_on": dt.date(2024, 3, 1), "has_open": False},
        {"birth_date": dt.date(2008, 2, 29), "opened_on": dt.date(2024, 2, 28), "has_open": True},
    ]
)
def test_dropout_row_and_column_forms_agree(rows):
    frame = pl.DataFrame(
        rows, schema={"birth_date": pl.Date, "opened_on": pl.Date, "has_open": pl.Boolean}
    )
    columns = _column_reasons(frame, rules.dropout_refusal_columns(TODAY))
    for row, column in zip(rows, columns, strict=True):
        expected = rules.dropout_refusals(**row, today=TODAY)
        assert sorted(column) == sorted(expected), row


def test_school_age_is_q06s():
    birth = dt.date(2010, 9, 1)
    assert not rules.dropout_refusals(
        birth_date=birth, opened_on=dt.date(2016, 9, 1), has_open=False, today=TODAY
    )
    assert rules.dropout_refusals(
        birth_date=birth, opened_on=dt.date(2016, 8, 31), has_open=False, today=TODAY
    ) == [("member", rules.school_age_reason())]
    assert not rules.dropout_refusals(
        birth_date=birth, opened_on=dt.date(2025, 6, 30), has_open=False, today=TODAY
    )  # 14
    assert rules.dropout_refusals(
        birth_date=dt.date(2009, 6, 30), opened_on=dt.date(2025, 6, 30), has_open=False, today=TODAY
    ) == [("member", rules.school_age_reason())]  # 16 that day


@SETTINGS
@given(
    birth=st.dates(dt.date(1990, 1, 1), dt.date(2024, 12, 31)),
    day=st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)),
)
@example(birth=dt.date(2008, 2, 29), day=dt.date(2024, 2, 28))
@example(birth=dt.date(2008, 2, 29), day=dt.date(2024, 2, 29))
def test_age_on_forms_agree_with_the_registry(birth, day):
    from fupin.registry.models import Member

    frame = pl.DataFrame({"b": [birth], "d": [day]})
    column = frame.select(rules.age_on_expr(pl.col("b"), pl.col("d"))).item()
    assert column == rules.age_on(birth, day) == Member(birth_date=birth).age_on(day)


@SETTINGS
@given(
    opened=st.dates(dt.date(2018, 1, 1), dt.date(2026, 12, 31)),
    closed=st.one_of(st.none(), st.dates(dt.date(2018, 1, 1), dt.date(2026, 12, 31))),
    day=st.dates(dt.date(2018, 1, 1), dt.date(2026, 12, 31)),
)
def test_open_on_a_day_forms_agree(opened, closed, day):
    frame = pl.DataFrame(
        {"opened_on": [opened], "closed_on": [closed]},
        schema={"opened_on": pl.Date, "closed_on": pl.Date},
    )
    assert frame.select(rules.open_on_expr(day)).item() is rules.is_open_on(opened, closed, day)


def test_a_case_closed_on_a_day_is_not_open_that_day():
    assert rules.is_open_on(dt.date(2024, 3, 1), dt.date(2024, 5, 1), dt.date(2024, 4, 30))
    assert not rules.is_open_on(dt.date(2024, 3, 1), dt.date(2024, 5, 1), dt.date(2024, 5, 1))
    assert not rules.is_open_on(dt.date(2024, 3, 1), None, dt.date(2024, 2, 29))
