"""The benefit-linking workbook through the programmes toolkit: the register's credit
codes checked as a column, links, dividends and purchases checked with the services'
rules, bad rows reported (row, column, reason) and good rows written in bulk with their
creation records, all-or-nothing on request, idempotent, and the export read back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from conftest import VILLAGE
from fupin.core.models import ChangeRecord
from fupin.industry import services
from fupin.industry.models import BenefitLink, Dividend, Enterprise, Purchase
from fupin.industry.tests.authority_invokers import credit_code
from fupin.programmes import ledgers, workbook
from fupin.programmes.tests.helpers import write_csv

TODAY = dt.date(2025, 6, 1)
E_HEAD = ["credit_code", "name", "kind", "sector", "area_code", "representative"]
L_HEAD = ["credit_code", "household_number", "mode", "starts_on", "ends_on", "amount", "note"]
D_HEAD = ["credit_code", "household_number", "mode", "year", "amount", "paid_on"]
P_HEAD = ["buyer", "product", "supplier_code", "supplier_household", "amount", "purchased_on"]


@pytest.fixture(autouse=True)
def _english():
    """The report's headers and reasons read in English here (the default is Chinese)."""
    with translation.override("en"):
        yield


def run(path, user, **kw):
    return workbook.import_workbook(ledgers.get("industry"), path, actor=user, today=TODAY, **kw)


def reasons(out):
    return {(r["row"], r["column"]): r["reason"] for r in out.errors.iter_rows(named=True)}


def test_register_rows_checked_by_column_and_kept_once(tmp_path, users):
    good = credit_code()
    rows = [
        [good, "瑶山合作社", "cooperative", "planting", VILLAGE, "盘明"],
        [good[:-1] + ("0" if good[-1] != "0" else "1"), "错码", "enterprise", "other", VILLAGE, ""],
        [credit_code(), "外村", "enterprise", "other", "431129100202", ""],
        [good.lower(), "瑶山合作社", "cooperative", "planting", VILLAGE, "盘明"],
    ]
    out = run(write_csv(tmp_path, "e.csv", E_HEAD, rows), users["village"])
    found = reasons(out)
    assert set(found) == {
        (3, "unified social credit code"),
        (4, "area code"),
        (5, "unified social credit code"),
    }
    assert "check character" in found[(3, "unified social credit code")]
    assert "twice" in found[(5, "unified social credit code")]
    assert list(Enterprise.objects.values_list("credit_code", flat=True)) == [good]
    record = ChangeRecord.objects.get(object_type="industry.enterprise")
    assert (record.user.username, record.area_code, record.post_data["name"]) == (
        "village",
        VILLAGE,
        "瑶山合作社",
    )
    again = run(write_csv(tmp_path, "e2.csv", E_HEAD, rows[:1]), users["village"])
    assert again.counts["enterprises"].unchanged == 1 and not again.written


def test_links_dividends_and_purchases(tmp_path, users, household, neighbour_household):
    code = credit_code()
    run(
        write_csv(
            tmp_path,
            "e.csv",
            E_HEAD,
            [[code, "瑶山合作社", "cooperative", "planting", VILLAGE, ""]],
        ),
        users["township"],
    )
    links = [
        [code, household.number, "shareholding", "2024-03-01", "", "5000", "入股"],
        [code, household.number, "entrusted", "2024-03-01", "", "", ""],  # no amount
        [code, household.number, "shareholding", "2024-06-01", "", "3000", ""],  # overlaps row 2
        [code, "NOPE", "direct", "2024-03-01", "", "", ""],
        [credit_code(), household.number, "direct", "2024-03-01", "", "", ""],
        [code, neighbour_household.number, "direct", "2024-03-01", "2024-02-01", "", ""],
    ]
    out = run(write_csv(tmp_path, "l.csv", L_HEAD, links), users["township"])
    found = reasons(out)
    assert set(found) == {
        (3, "amount put in (yuan)"),
        (4, "linked from"),
        (5, "household number"),
        (6, "unified social credit code"),
        (7, "linked until"),
    }
    link = BenefitLink.objects.get()
    assert (link.status, link.proposed_by.username, link.amount) == (
        "proposed",
        "township",
        Decimal("5000.00"),
    )
    assert ChangeRecord.objects.get(object_type="industry.benefitlink").related_id == str(
        household.pk
    )
    assert (
        run(write_csv(tmp_path, "l2.csv", L_HEAD, links[:1]), users["township"])
        .counts["links"]
        .unchanged
        == 1
    )

    paid = [[code, household.number, "shareholding", "2024", "400", "2025-01-20"]]
    out = run(write_csv(tmp_path, "d.csv", D_HEAD, paid), users["village"])
    assert "confirmed" in reasons(out)[(2, "linking mode")]  # not confirmed yet
    services.links_confirm(actor=users["county"], enterprise=link.enterprise, today=TODAY)
    paid += [
        [code, household.number, "shareholding", "2023", "400", "2024-01-20"],  # before the link
        [code, household.number, "direct", "2024", "400", "2025-01-20"],  # no such link
        [code, household.number, "shareholding", "2024", "500", "2025-02-20"],  # year twice
        [code, household.number, "shareholding", "2025", "400.123", "2025-05-20"],  # sub-fen
    ]
    out = run(write_csv(tmp_path, "d2.csv", D_HEAD, paid), users["village"])
    assert set(reasons(out)) == {
        (3, "linking mode"),
        (4, "linking mode"),
        (5, "dividend year"),
        (6, "amount (yuan)"),
    }
    assert Dividend.objects.get().amount == Decimal("400.00")
    again = run(write_csv(tmp_path, "d3.csv", D_HEAD, paid[:1]), users["village"])
    assert again.counts["dividends"].unchanged == 1 and Dividend.objects.count() == 1

    future = timezone.localdate() + dt.timedelta(days=10)  # the import's day is today's
    bought = [
        ["县人民医院", "茶油", code, "", "3000", "2025-01-02"],
        ["县人民医院", "土鸡蛋", "", household.number, "600", "2025-01-02"],
        ["县人民医院", "土鸡蛋", code, household.number, "600", "2025-01-02"],  # both
        ["县人民医院", "土鸡蛋", "", household.number, "600", str(future)],
        ["县人民医院", "茶油", code, "", "3000", "2025-01-02"],  # again: unchanged
    ]
    out = run(write_csv(tmp_path, "p.csv", P_HEAD, bought), users["village"])
    assert set(reasons(out)) == {(4, "supplier's unified social credit code"), (5, "purchased on")}
    assert Purchase.objects.count() == 2 and out.counts["purchases"].unchanged == 1
    assert ChangeRecord.objects.filter(object_type="industry.purchase").count() == 2


def test_all_or_nothing_and_export_read_back(tmp_path, users, household):
    code = credit_code()
    rows = [[code, "瑶山合作社", "cooperative", "planting", VILLAGE, ""]]
    bad = [*rows, ["BAD", "错", "enterprise", "other", VILLAGE, ""]]
    assert run(write_csv(tmp_path, "e.csv", E_HEAD, bad), users["village"], atomic=True).refused
    assert not Enterprise.objects.exists()
    run(write_csv(tmp_path, "e2.csv", E_HEAD, rows), users["village"])
    link_rows = [[code, household.number, "direct", "2024-03-01", "", "", ""]]
    run(write_csv(tmp_path, "l.csv", L_HEAD, link_rows), users["village"])
    path = workbook.export_workbook(
        ledgers.get("industry"), users["village"], VILLAGE, tmp_path / "x.xlsx"
    )
    out = run(path, users["village"])
    assert not out.errors.height and not out.written
    assert out.counts["enterprises"].unchanged == 1 and out.counts["links"].unchanged == 1
