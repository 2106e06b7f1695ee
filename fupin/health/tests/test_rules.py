"""The rules of health and insurance in their two forms, row (services, one household's
signal) and column (import, indicators, grading rounds), agree for any input
(Hypothesis, derandomised), and each rule holds on its boundaries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fupin.health import rules
from fupin.health.models import CoverKind
from fupin.programmes.rows import refusal_rows

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True)
TODAY = dt.date(2025, 6, 30)
MONEY = st.decimals(Decimal("0"), Decimal("60000"), places=2)


def _column_reasons(frame: pl.DataFrame, refusals) -> list[list[tuple[str, str]]]:
    out: list[list[tuple[str, str]]] = [[] for _ in range(frame.height)]
    for field, mask, reasons in refusal_rows(frame, refusals):
        for i, (hit, why) in enumerate(zip(mask.to_list(), reasons.to_list(), strict=True)):
            if hit:
                out[i].append((field, why))
    return out


COVER = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(CoverKind.values),
        "year": st.integers(2015, 2027),
        "insured_on": st.dates(dt.date(2013, 6, 1), dt.date(2027, 12, 31)),
        "premium": MONEY,
        "subsidy": MONEY,
        "due": st.booleans(),
        "has_basic": st.booleans(),
    }
)


@SETTINGS
@given(rows=st.lists(COVER, min_size=1, max_size=30))
@example(
    rows=[
        {
            "kind": CoverKind.SERIOUS.value,
            "year": 2025,
            "insured_on": dt.date(2024, 1, 1),  # the first day of enrolment for 2025
            "premium": Decimal("0"),
            "subsidy": Decimal("0"),
            "due": False,
            "has_basic": False,
        }
    ]
)
def test_cover_row_and_column_forms_agree(rows):
    frame = pl.DataFrame(
        rows,
        schema={
            "kind": pl.String,
            "year": pl.Int64,
            "insured_on": pl.Date,
            "premium": pl.Decimal(14, 2),
            "subsidy": pl.Decimal(14, 2),
            "due": pl.Boolean,
            "has_basic": pl.Boolean,
        },
    )
    columns = _column_reasons(frame, rules.cover_refusal_columns(TODAY))
    for row, column in zip(rows, columns, strict=True):
        expected = rules.cover_refusals(
            kind=row["kind"],
            year=row["year"],
            insured_on=row["insured_on"],
            premium=row["premium"],
            subsidy=row["subsidy"],
            household_due=row["due"],
            has_basic=row["has_basic"],
            today=TODAY,
        )
        assert sorted(column) == sorted(expected), row


REIMBURSEMENT = st.fixed_dictionaries(
    {
        "total_cost": st.decimals(Decimal("-1"), Decimal("200000"), places=2),
        **{name: MONEY for name in rules.LAYERS},
        "admitted_on": st.dates(dt.date(2023, 1, 1), dt.date(2025, 12, 31)),
        "settled_on": st.dates(dt.date(2023, 1, 1), dt.date(2025, 12, 31)),
        "covers": st.sets(st.sampled_from(CoverKind.values)),
    }
)


@SETTINGS
@given(rows=st.lists(REIMBURSEMENT, min_size=1, max_size=30))
@example(  # every layer exactly the total: nothing left, allowed
    rows=[
        {
            "total_cost": Decimal("600"),
            **{name: Decimal("100") for name in rules.LAYERS},
            "admitted_on": dt.date(2025, 6, 30),
            "settled_on": dt.date(2025, 6, 30),
            "covers": set(CoverKind.values),
        }
    ]
)
def test_reimbursement_row_and_column_forms_agree(rows):
    frame = pl.DataFrame(
        [
            {
                **{k: v for k, v in r.items() if k != "covers"},
                **{f"has_{kind}": kind in r["covers"] for kind in CoverKind.values},
            }
            for r in rows
        ],
        schema={
            "total_cost": pl.Decimal(14, 2),
            **{name: pl.Decimal(14, 2) for name in rules.LAYERS},
            "admitted_on": pl.Date,
            "settled_on": pl.Date,
            **{f"has_{kind}": pl.Boolean for kind in CoverKind.values},
        },
    )
    columns = _column_reasons(frame, rules.reimbursement_refusal_columns(TODAY))
    own = frame.select(rules.out_of_pocket_expr()).to_series().to_list()
    for row, column, left in zip(rows, columns, own, strict=True):
        layers = {name: row[name] for name in rules.LAYERS}
        expected = rules.reimbursement_refusals(
            total_cost=row["total_cost"],
            layers=layers,
            admitted_on=row["admitted_on"],
            settled_on=row["settled_on"],
            covers=row["covers"],
            today=TODAY,
        )
        assert sorted(column) == sorted(expected), row
        assert left == rules.out_of_pocket(row["total_cost"], layers)


def test_layers_paying_more_than_the_total_are_refused_and_no_cover_no_insurance():
    layers = {"basic_paid": Decimal("700"), "assistance_paid": Decimal("300.01")}
    found = rules.reimbursement_refusals(
        total_cost=Decimal("1000"),
        layers=layers,
        admitted_on=TODAY,
        settled_on=TODAY,
        covers={CoverKind.BASIC},
        today=TODAY,
    )
    assert found == [("total_cost", rules.layers_reason())]
    found = rules.reimbursement_refusals(
        total_cost=Decimal("1000"),
        layers={"serious_paid": Decimal("1"), "assistance_paid": Decimal("10")},
        admitted_on=TODAY,
        settled_on=TODAY,
        covers={CoverKind.BASIC},
        today=TODAY,
    )
    assert [f for f, _w in found] == ["serious_paid"]  # medical assistance needs no cover


def test_enrolment_window_and_what_the_government_pays():
    ok = {
        "kind": CoverKind.BASIC,
        "year": 2025,
        "premium": Decimal("400"),
        "subsidy": Decimal("400"),
        "household_due": True,
        "has_basic": True,
        "today": TODAY,
    }
    assert not rules.cover_refusals(**ok, insured_on=dt.date(2024, 1, 1))
    assert rules.cover_refusals(**ok, insured_on=dt.date(2023, 12, 31))
    assert rules.cover_refusals(**ok, insured_on=dt.date(2025, 7, 1))  # after today
    assert [
        f
        for f, _w in rules.cover_refusals(**{**ok, "subsidy": Decimal("400.01")}, insured_on=TODAY)
    ] == ["subsidy"]
    not_due = rules.cover_refusals(**{**ok, "household_due": False}, insured_on=TODAY)
    assert not_due == [("subsidy", rules.subsidy_due_reason())]
    none_paid = rules.cover_refusals(
        **{**ok, "household_due": False, "subsidy": Decimal("0")}, insured_on=TODAY
    )
    assert none_paid == []


SETTLED = st.lists(
    st.tuples(
        st.dates(dt.date(2023, 6, 1), dt.date(2025, 8, 31)),
        st.sampled_from([Decimal("0"), Decimal("0"), Decimal("0"), Decimal("1")]),
        st.decimals(Decimal("0"), Decimal("6000"), places=2),
    ),
    max_size=6,
)


@SETTINGS
@given(households=st.lists(SETTLED, min_size=1, max_size=12), threshold=MONEY)
@example(  # exactly the threshold is not above it; the day a year before is outside
    households=[
        [(dt.date(2025, 6, 30), Decimal("0"), Decimal("10000"))],
        [(dt.date(2024, 6, 30), Decimal("1"), Decimal("0"))],
        [(dt.date(2024, 7, 1), Decimal("1"), Decimal("0"))],
    ],
    threshold=Decimal("10000"),
)
def test_serious_illness_row_and_column_forms_agree(households, threshold):
    rows = [(i, *r) for i, h in enumerate(households) for r in h]
    frame = pl.DataFrame(
        rows,
        schema={
            "household_id": pl.Int64,
            "settled_on": pl.Date,
            "serious_paid": pl.Decimal(14, 2),
            "out_of_pocket": pl.Decimal(14, 2),
        },
        orient="row",
    )
    column = dict(
        rules.serious_illness_households(frame, TODAY, threshold)
        .select("household_id", "serious_illness")
        .iter_rows()
    )
    for i, h in enumerate(households):
        if h:
            assert column[i] is rules.serious_illness(h, TODAY, threshold), h


def test_serious_illness_window_is_the_twelve_months_up_to_the_day():
    day = dt.date(2025, 6, 30)
    assert rules.serious_illness([(dt.date(2024, 7, 1), Decimal("5"), Decimal(0))], day, Decimal(1))
    assert not rules.serious_illness(
        [(dt.date(2024, 6, 30), Decimal("5"), Decimal(0))], day, Decimal(1)
    )
    assert not rules.serious_illness(
        [(dt.date(2025, 7, 1), Decimal("5"), Decimal(0))], day, Decimal(1)
    )
    two = [(dt.date(2025, 1, 1), Decimal(0), Decimal("6000"))] * 2
    assert rules.serious_illness(two, day, Decimal("11999.99"))
    assert not rules.serious_illness(two, day, Decimal("12000"))


def test_insured_on_a_day():
    assert rules.insured_on_day(2025, dt.date(2024, 11, 1), dt.date(2025, 1, 1))
    assert not rules.insured_on_day(2025, dt.date(2025, 3, 2), dt.date(2025, 3, 1))
    assert not rules.insured_on_day(2024, dt.date(2023, 11, 1), dt.date(2025, 1, 1))
    frame = pl.DataFrame(
        {
            "year": [2025, 2025, 2024],
            "insured_on": [dt.date(2024, 11, 1), dt.date(2025, 3, 2), dt.date(2023, 11, 1)],
        }
    )
    day = dt.date(2025, 3, 1)
    got = frame.select(rules.insured_on_day_expr(day)).to_series().to_list()
    assert got == [rules.insured_on_day(y, i, day) for y, i in frame.iter_rows()]
