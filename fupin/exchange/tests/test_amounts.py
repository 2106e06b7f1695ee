"""Amounts in an import: more than two decimals is refused with the reason (row, column),
unless the county's policy prefers rounding (PolicySet.round_amounts): then the amount is
rounded half-up to the fen and the report carries a warning on the cell, the row kept. A
negative production amount says where a loss goes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from fupin.core.models import ChangeRecord
from fupin.exchange import layout as L
from fupin.exchange.importer import import_registry
from fupin.exchange.models import ExchangeRun
from fupin.exchange.report import write_report
from fupin.exchange.tests.conftest import good_household, good_income, good_member
from fupin.exchange.tests.test_pages import HOUSEHOLD, MEMBER, csv_zip, finished_run, upload
from fupin.policy.models import PolicySet
from fupin.registry.models import Household, IncomeRecord

UPSERT = ExchangeRun.Mode.UPSERT
ALL = ExchangeRun.Mode.ALL_OR_NOTHING
FEN = "An amount has at most two decimal places (fen)."
LOSS = (
    "Amounts cannot be negative; a loss in production goes into production expenses "
    "(生产经营性支出)."
)


@pytest.fixture(autouse=True)
def _exchange_settings(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.FUPIN_IMPORT_SYNC = True


def run(users, path, who="village", **kw):
    with translation.override("en"):
        return import_registry(actor=users[who], path=path, **kw)


def cells(result, frame=None) -> dict[tuple[str, int, str], str]:
    frame = result.errors if frame is None else frame
    return {(s.split(".")[1], r, col): why for s, r, col, _v, why in frame.iter_rows()}


def header(sheet: str, code: str) -> str:
    with translation.override("en"):
        return str(L.SHEETS_BY_KEY[sheet].column(code).header)


def county_rounds(on: bool = True) -> PolicySet:
    today = dt.date.today()
    return PolicySet.objects.create(
        region_id="431129000000",
        year=today.year,
        effective_from=dt.date(today.year, 1, 1),
        income_line=Decimal("4000"),
        round_amounts=on,
    )


def sheets(**income):
    return {
        "households": [good_household(household_size="1")],
        "members": [good_member()],
        "incomes": [good_income(household_size="1", **income)],
    }


# ------------------------------------------------------------------ refused by default


@pytest.mark.parametrize(
    ("mode", "dry_run"), [(UPSERT, False), (UPSERT, True), (ALL, False)], ids=str
)
def test_more_than_two_decimals_is_refused_with_the_reason(users, book, mode, dry_run):
    result = run(users, book(**sheets(wages="1234.567")), mode=mode, dry_run=dry_run)
    assert cells(result)[("incomes", 2, header("incomes", "wages"))] == FEN
    assert result.counts["incomes"].rejected == 1 and result.counts["incomes"].created == 0
    assert result.warnings.is_empty()
    assert not IncomeRecord.objects.exists()
    if mode == ALL:
        assert result.run.status == ExchangeRun.Status.REFUSED
        assert not Household.objects.exists() and not ChangeRecord.objects.exists()


def test_more_than_two_decimals_in_chinese(users, book):
    with translation.override("zh-hans"):
        result = import_registry(actor=users["village"], path=book(**sheets(wages="1234.567")))
    reasons = [why for *_x, why in result.errors.iter_rows()]
    assert any("金额最多保留两位小数（分）" in why for why in reasons), reasons


def test_two_decimals_trailing_zeros_and_float_noise_are_fine(users, book):
    result = run(
        users,
        book(
            **sheets(wages="1234.50", production="1200.5000", property_income="0.30000000000000004")
        ),
    )
    assert result.errors.is_empty(), result.errors
    rec = IncomeRecord.objects.get()
    assert (rec.wages, rec.production, rec.property_income) == (
        Decimal("1234.50"),
        Decimal("1200.50"),
        Decimal("0.30"),
    )


def test_an_area_of_more_than_two_decimals_is_refused_too(users, book):
    rows = sheets()
    rows["households"][0]["farmland_mu"] = "2.555"
    result = run(users, book(**rows))
    assert cells(result)[("households", 2, header("households", "farmland_mu"))] == FEN
    assert not Household.objects.exists()


# ------------------------------------------------------------------ the county rounds


@pytest.mark.parametrize("mode", [UPSERT, ALL], ids=str)
def test_a_county_that_prefers_rounding_rounds_half_up_with_a_warning(users, book, mode, tmp_path):
    county_rounds()
    result = run(users, book(**sheets(wages="1234.565", production="10.004")), mode=mode)
    assert result.errors.is_empty(), result.errors
    assert result.run.status == ExchangeRun.Status.DONE
    warned = cells(result, result.warnings)
    assert warned[("incomes", 2, header("incomes", "wages"))] == (
        "Rounded to 1234.57: the county rounds amounts to the fen (分)."
    )
    assert "10.00" in warned[("incomes", 2, header("incomes", "production"))]
    rec = IncomeRecord.objects.get()
    assert (rec.wages, rec.production) == (Decimal("1234.57"), Decimal("10.00"))
    # the report workbook has the warnings on their own sheet
    with translation.override("en"):
        path = write_report(result, tmp_path / "report.xlsx")
    book_ = openpyxl.load_workbook(path, read_only=True)
    rows = list(book_["Warnings"].iter_rows(min_row=2, values_only=True))
    assert any(r[1] == 2 and r[3] == "1234.565" and "1234.57" in r[4] for r in rows), rows


def test_the_preference_is_the_countys_and_off_by_default(users, book):
    county_rounds(on=False)
    result = run(users, book(**sheets(wages="1234.565")))
    assert cells(result)[("incomes", 2, header("incomes", "wages"))] == FEN
    # a newer version that turns it on
    PolicySet.objects.create(
        region_id="431129000000",
        year=dt.date.today().year,
        version=2,
        effective_from=dt.date(dt.date.today().year, 1, 1),
        income_line=Decimal("4000"),
        round_amounts=True,
    )
    result = run(users, book(**sheets(wages="1234.565")))
    assert result.errors.is_empty() and result.warnings.height == 1


def test_a_rejected_row_keeps_no_warning(users, book):
    county_rounds()
    result = run(users, book(**sheets(wages="1234.565", year="二〇一六")))
    assert result.counts["incomes"].rejected == 1
    assert result.warnings.is_empty()


def test_the_run_page_shows_the_warnings(users, client):
    county_rounds()
    client.force_login(users["village"])
    content = csv_zip([dict(HOUSEHOLD, farmland_mu="2.555")], [MEMBER])
    run_ = finished_run(client, upload(client, content, "r.zip"))
    assert run_.summary["warnings_total"] == 1
    sheet, row, _column, value, why = run_.summary["warnings"][0]
    assert (sheet, row, value) == ("r.households.csv", 2, "2.555") and "2.56" in why
    html = client.get(
        reverse("exchange:run_detail", args=[run_.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "<h2>Warnings</h2>" in html and why in html
    assert Household.objects.get().farmland_mu == Decimal("2.56")


# ------------------------------------------------------------------ negative amounts


def test_a_negative_production_amount_says_where_a_loss_goes(users, book):
    result = run(users, book(**sheets(production="-300", wages="-1")))
    found = cells(result)
    assert found[("incomes", 2, header("incomes", "production"))] == LOSS
    assert found[("incomes", 2, header("incomes", "wages"))] == "Cannot be negative."
    assert not IncomeRecord.objects.exists()


def test_the_report_names_the_refused_cell(users, book, tmp_path):
    result = run(users, book(**sheets(wages="1.001")))
    with translation.override("en"):
        path = write_report(result, tmp_path / "r.xlsx")
    rows = list(
        openpyxl.load_workbook(path, read_only=True)["Rejected rows"].iter_rows(values_only=True)
    )
    assert any(r[4] == FEN for r in rows[1:]), rows
    assert "Warnings" not in openpyxl.load_workbook(path, read_only=True).sheetnames
