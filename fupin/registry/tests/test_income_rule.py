"""Net income per person: the row form (Decimal, one record) and the column form (Polars,
integer fen) of `fupin.registry.income` give the same fen for every record, including the
half-fen ties, and the model, monitoring, the quality rules and the export use them.

Hypothesis generates records with amounts from 0 to 10,000,000 yuan (to the fen),
production expenses up to the same (so net income can be negative) and household sizes
1–15; derandomised, so every run checks the same records. No database needed except
where a caller is exercised through its own surface.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import polars as pl
import pytest
from django.utils import translation
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import HOUSEHOLD_DATA, VILLAGE, member_data, registered_household
from fupin.exchange.export import registry_sheets
from fupin.monitoring.services import income_candidates
from fupin.quality.rules import _with_lines
from fupin.registry import income, services
from fupin.registry.choices import HouseholdStatus
from fupin.registry.models import IncomeRecord

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True)
MAX_FEN = 10**9  # 10,000,000 yuan
AMOUNT = st.one_of(st.sampled_from([0, 1, 5, 50, MAX_FEN]), st.integers(0, MAX_FEN))
SIZE = st.integers(1, 15)


@st.composite
def records(draw) -> dict[str, int]:
    """One income record, its amounts in fen."""
    row = {f: draw(AMOUNT) for f in income.MONEY_FIELDS}
    row["household_size"] = draw(SIZE)
    return row


@st.composite
def ties(draw) -> dict[str, int]:
    """A record whose net income per person falls exactly on half a fen: an even
    household size d and net income q·d + d/2 fen (the sign of q chosen too)."""
    d = draw(st.sampled_from([2, 4, 6, 8, 10, 12, 14]))
    q = draw(st.integers(-MAX_FEN // d, MAX_FEN // d))
    net = q * d + d // 2
    row = {f: 0 for f in income.MONEY_FIELDS}
    if net >= 0:
        row["wages"] = net
    else:
        row["production_expenses"] = -net
    row["household_size"] = d
    return row


def as_yuan(row: dict[str, int]) -> SimpleNamespace:
    """The row as the model holds it: Decimal yuan."""
    amounts = {f: Decimal(row[f]).scaleb(-2) for f in income.MONEY_FIELDS}
    return SimpleNamespace(**amounts, household_size=row["household_size"])


def row_fen(row: dict[str, int]) -> int:
    value = income.record_net_per_person(as_yuan(row))
    assert value == value.quantize(income.FEN)  # always whole fen
    return int(value * 100)


def column_fen(rows: list[dict[str, int]]) -> list[int]:
    frame = pl.DataFrame(
        rows, schema={f: pl.Int64 for f in (*income.MONEY_FIELDS, "household_size")}
    )
    return frame.select(income.net_per_person_expr()).to_series().to_list()


def column_fen_from_yuan_text(rows: list[dict[str, int]]) -> list[int]:
    """As the export reads them on PostgreSQL: every amount as text in yuan."""
    text = [
        {
            **{f: str(Decimal(r[f]).scaleb(-2)) for f in income.MONEY_FIELDS},
            "household_size": str(r["household_size"]),
        }
        for r in rows
    ]
    frame = pl.DataFrame(
        text, schema={f: pl.String for f in (*income.MONEY_FIELDS, "household_size")}
    )
    fen = income.net_per_person_expr(income.net_income_expr(in_yuan=True))
    return frame.select(fen).to_series().to_list()


@SETTINGS
@given(st.lists(st.one_of(records(), ties()), min_size=1, max_size=40))
def test_row_and_column_forms_agree(rows):
    expected = [row_fen(r) for r in rows]
    assert column_fen(rows) == expected
    assert column_fen_from_yuan_text(rows) == expected


@SETTINGS
@given(ties())
def test_ties_round_half_away_from_zero(row):
    net = sum(row[f] for f in income.INCOME_FIELDS) - row["production_expenses"]
    exact = Decimal(net) / row["household_size"]  # ends in .5 fen
    assert exact % 1 in (Decimal("0.5"), Decimal("-0.5"))
    away = int(exact + (Decimal("0.5") if net > 0 else Decimal("-0.5")))
    assert row_fen(row) == column_fen([row])[0] == away


@SETTINGS
@given(records())
@example({**{f: 0 for f in income.MONEY_FIELDS}, "wages": 25, "household_size": 2})
def test_model_property_is_the_row_form(row):
    """IncomeRecord.net_income_per_capita delegates to the row form (unsaved: no DB)."""
    amounts = vars(as_yuan(row))
    record = IncomeRecord(**amounts)
    assert record.net_income == income.net_income(record)
    assert record.net_income_per_capita == income.record_net_per_person(record)
    assert int(record.net_income_per_capita * 100) == column_fen([row])[0]


@pytest.mark.parametrize(
    ("net_fen", "size", "per_person_fen"),
    [
        (25, 2, 13),  # 0.125 yuan: half up to 0.13 (Polars' float round gave 0.12)
        (35, 2, 18),  # 0.175 yuan: 0.18
        (-25, 2, -13),  # half away from zero on a loss too
        (1, 3, 0),
        (2, 3, 1),
        (100, 3, 33),
        (1_000_000_001, 2, 500_000_001),  # 5,000,000.005 yuan: no float on the way
        (0, 15, 0),
    ],
)
def test_documented_examples(net_fen, size, per_person_fen):
    net = Decimal(net_fen).scaleb(-2)
    assert income.net_per_person(net, size) == Decimal(per_person_fen).scaleb(-2)
    frame = pl.DataFrame({"net": [net_fen], "size": [size]})
    assert (
        frame.select(income.net_per_person_expr(pl.col("net"), pl.col("size"))).item()
        == per_person_fen
    )


def test_what_counts_as_income():
    """Every income field is added and the production expenses are subtracted; the model
    uses the same lists."""
    assert IncomeRecord.INCOME_FIELDS == income.INCOME_FIELDS
    assert income.EXPENSE_FIELDS == ("production_expenses",)
    assert set(income.MONEY_FIELDS) <= {f.name for f in IncomeRecord._meta.get_fields()}
    row = {f: 100 * (i + 1) for i, f in enumerate(income.INCOME_FIELDS)}
    row["production_expenses"] = 7
    row["household_size"] = 1
    net = sum(100 * (i + 1) for i in range(len(income.INCOME_FIELDS))) - 7
    assert row_fen(row) == column_fen([row])[0] == net
    assert income.fen_select_sql("i").count("AS BIGINT") == len(income.MONEY_FIELDS)


def test_fen_expr_is_exact_for_float_and_text():
    yuan = ["0.01", "0.29", "1234567.89", "9999999.99", "0.1", "-3.35"]
    fen = [1, 29, 123456789, 999999999, 10, -335]
    for series in (pl.Series(yuan), pl.Series([float(v) for v in yuan])):
        assert pl.select(income.fen_expr(pl.lit(series))).to_series().to_list() == fen


# ------------------------------------------------------------------ the callers


@pytest.mark.django_db
def test_quality_rule_uses_the_rounding_rule():
    """Q-rules compare fen per person from the registry's rule (0.125 yuan → 13 fen)."""
    row = {f: 0 for f in income.MONEY_FIELDS}
    frame = pl.DataFrame(
        [{"household_id": 1, "year": 2019, "household_size": 2, **row, "wages": 25}],
        schema={"household_id": pl.Int64, "year": pl.Int64, "household_size": pl.Int64}
        | {f: pl.Int64 for f in income.MONEY_FIELDS},
    )
    households = pl.DataFrame({"id": [1], "village_code": ["431129100201"]})
    assert _with_lines(frame, households)["per_person"].to_list() == [13]


@pytest.fixture
def tie_household(users):
    """An exited household whose 2019 net income per person is a half-fen tie:
    1,000.25 yuan shared by two is 500.125 yuan (Polars' float round gave 500.12)."""
    h = registered_household(
        actor=users["village"],
        village_code=VILLAGE,
        data=dict(HOUSEHOLD_DATA),
        status=HouseholdStatus.EXITED,
    )
    services.member_add(
        actor=users["village"], household=h, data=member_data(), date=dt.date(2016, 3, 1)
    )
    services.income_set(
        actor=users["village"],
        household=h,
        year=2019,
        data={"household_size": 2, "wages": Decimal("1000.25")},
    )
    return h


@pytest.mark.django_db
def test_model_monitoring_and_export_agree(tie_household):
    record = IncomeRecord.objects.get(household=tie_household, year=2019)
    assert record.net_income_per_capita == Decimal("500.13")

    sheet = registry_sheets(VILLAGE, masked=False)["incomes"]
    assert sheet.select(pl.nth(len(sheet.columns) - 1)).item() == "500.13"  # net per person

    with translation.override("en"):
        found = income_candidates(VILLAGE, on=dt.date(2020, 6, 1))
    (evidence,) = found.filter(pl.col("household_id") == tie_household.pk)["evidence"].to_list()
    assert evidence.startswith("Net income per person 500.13 in 2019 ")
