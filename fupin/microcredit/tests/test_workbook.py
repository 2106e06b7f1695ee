"""The microcredit workbook through the programmes toolkit: per-row reasons with good
rows kept, all-or-nothing, idempotent re-import, and the export read back."""

from __future__ import annotations

import csv

import pytest

from fupin.microcredit.ledger import LOANS
from fupin.microcredit.models import Loan, Repayment
from fupin.programmes import ledgers, workbook

HEAD = [
    "number",
    "household_number",
    "borrower_id_number",
    "bank",
    "amount",
    "term_months",
    "annual_rate",
    "subsidy_rate",
    "credit_rating",
    "purpose",
    "disbursed_on",
]


def _csv(tmp_path, name, rows, head=HEAD):
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        w.writerows(rows)
    return path


@pytest.fixture
def rows(household):
    idn = household.members.get().id_number
    return [
        [
            "XD-1",
            household.number,
            idn,
            "农商行",
            "30000",
            "12",
            "4.35",
            "4.35",
            "AA",
            "种植",
            "2024-03-01",
        ],
        ["XD-2", "NOPE", idn, "农商行", "30000", "12", "4.35", "", "", "种植", "2024-03-01"],
        [
            "XD-3",
            household.number,
            idn,
            "农商行",
            "abc",
            "12",
            "4.35",
            "",
            "AA",
            "种植",
            "2024-03-01",
        ],
    ]


def test_bad_rows_reported_good_rows_kept_and_reimport_changes_nothing(tmp_path, users, rows):
    ledger = ledgers.get("microcredit")
    path = _csv(tmp_path, "loans.csv", rows)
    first = workbook.import_workbook(ledger, path, actor=users["village"])
    assert first.counts["loans"].created == 1
    assert sorted(first.errors["row"].to_list()) == [3, 4]
    reasons = dict(
        zip(first.errors["row"].to_list(), first.errors["column"].to_list(), strict=True)
    )
    assert reasons[3] == str(LOANS.column("household_number").header)
    assert Loan.objects.count() == 1
    again = workbook.import_workbook(ledger, path, actor=users["village"])
    assert again.counts["loans"].created == 0 and again.counts["loans"].unchanged == 1
    assert again.written == 0
    assert Loan.objects.count() == 1
    report = workbook.write_report(again, tmp_path / "report.xlsx")
    assert report.exists()


def test_atomic_refuses_the_whole_file(tmp_path, users, rows):
    ledger = ledgers.get("microcredit")
    outcome = workbook.import_workbook(
        ledger, _csv(tmp_path, "loans.csv", rows), actor=users["village"], atomic=True
    )
    assert outcome.refused and not Loan.objects.exists()


def test_repayments_sheet_and_export_round_trip(tmp_path, users, rows, household):
    ledger = ledgers.get("microcredit")
    workbook.import_workbook(ledger, _csv(tmp_path, "loans.csv", rows[:1]), actor=users["village"])
    pay = _csv(
        tmp_path,
        "pay.csv",
        [["XD-1", "2024-06-01", "10000", "300"]],
        head=["loan_number", "paid_on", "principal", "interest"],
    )
    out = workbook.import_workbook(ledger, pay, actor=users["village"])
    assert out.counts["repayments"].created == 1 and not out.errors.height
    assert (
        workbook.import_workbook(ledger, pay, actor=users["village"]).counts["repayments"].unchanged
        == 1
    )
    assert Repayment.objects.count() == 1
    xlsx = workbook.export_workbook(ledger, users["county"], "431129", tmp_path / "out.xlsx")
    again = workbook.import_workbook(ledger, xlsx, actor=users["county"])
    # The county may not reveal ID numbers: the masked borrower does not match, and the
    # row says so; the repayment is already there.
    assert again.counts["repayments"].unchanged == 1


def test_a_repayment_given_twice_in_the_file_is_reported(tmp_path, users, rows):
    ledger = ledgers.get("microcredit")
    workbook.import_workbook(ledger, _csv(tmp_path, "loans.csv", rows[:1]), actor=users["village"])
    pay = _csv(
        tmp_path,
        "pay.csv",
        [["XD-1", "2024-06-01", "100", "5"], ["XD-1", "2024-06-01", "100", "5"]],
        head=["loan_number", "paid_on", "principal", "interest"],
    )
    out = workbook.import_workbook(ledger, pay, actor=users["village"])
    assert out.counts["repayments"].created == 1
    assert out.counts["repayments"].unchanged == 0
    assert out.errors["row"].to_list() == [3]
    assert "出现了两次" in out.errors["reason"][0] and "凭证号" in out.errors["reason"][0]
    assert Repayment.objects.count() == 1


PAY_HEAD = ["loan_number", "paid_on", "principal", "interest", "receipt"]


def test_receipt_numbers_tell_equal_repayments_apart_in_the_import(tmp_path, users, rows):
    """A receipt number makes a repayment distinct (and is its key in a re-import);
    without one, a row equal to a recorded repayment is that repayment."""
    ledger = ledgers.get("microcredit")
    village = users["village"]
    workbook.import_workbook(ledger, _csv(tmp_path, "loans.csv", rows[:1]), actor=village)
    same = ["XD-1", "2024-06-01", "100", "5"]
    pay = _csv(tmp_path, "pay.csv", [[*same, "HK-1"], [*same, "HK-2"]], head=PAY_HEAD)
    out = workbook.import_workbook(ledger, pay, actor=village)
    assert out.counts["repayments"].created == 2 and not out.errors.height
    again = workbook.import_workbook(ledger, pay, actor=village)
    assert again.counts["repayments"].unchanged == 2 and again.written == 0
    # Without a receipt number the row is one of the recorded ones: nothing new.
    bare = _csv(tmp_path, "bare.csv", [[*same, ""]], head=PAY_HEAD)
    assert workbook.import_workbook(ledger, bare, actor=village).counts["repayments"].unchanged == 1
    # A recorded receipt number with other amounts is refused on its cell.
    other = _csv(tmp_path, "other.csv", [["XD-1", "2024-06-01", "300", "5", "HK-1"]], head=PAY_HEAD)
    out = workbook.import_workbook(ledger, other, actor=village)
    assert out.errors.select("row", "column").rows() == [(2, "还款凭证号")]
    # The same receipt number twice in a file.
    twice = _csv(
        tmp_path,
        "twice.csv",
        [[*same, "HK-3"], ["XD-1", "2024-06-02", "1", "0", "HK-3"]],
        head=PAY_HEAD,
    )
    out = workbook.import_workbook(ledger, twice, actor=village)
    assert out.counts["repayments"].created == 1 and out.errors["row"].to_list() == [3]
    assert sorted(Repayment.objects.values_list("receipt", flat=True)) == ["HK-1", "HK-2", "HK-3"]
    # The export carries the receipt numbers: read back, nothing changes.
    xlsx = workbook.export_workbook(ledger, village, "431129", tmp_path / "out.xlsx")
    back = workbook.import_workbook(ledger, xlsx, actor=village)
    assert back.counts["repayments"].unchanged == 3 and back.written == 0


def test_a_repayment_of_today_before_eight_in_beijing_is_not_in_the_future(tmp_path, users, rows):
    """The import's "today" is the county's day: at 07:30 in Beijing (23:30 UTC the day
    before) a repayment dated that day is taken."""
    import dataclasses
    import datetime as dt

    from fupin.microcredit import ledger as microcredit_ledger

    def at_half_past_seven(batch):
        batch.now = dt.datetime(2024, 6, 1, 23, 30, tzinfo=dt.UTC)
        microcredit_ledger.write(batch)

    ledger = ledgers.get("microcredit")
    workbook.import_workbook(ledger, _csv(tmp_path, "loans.csv", rows[:1]), actor=users["village"])
    pay = _csv(
        tmp_path,
        "pay.csv",
        [["XD-1", "2024-06-02", "100", "5"]],
        head=["loan_number", "paid_on", "principal", "interest"],
    )
    early = dataclasses.replace(ledger, write=at_half_past_seven)
    out = workbook.import_workbook(early, pay, actor=users["village"])
    assert not out.errors.height
    assert out.counts["repayments"].created == 1


def test_a_contract_number_of_another_area_gets_the_neutral_refusal(
    tmp_path, users, rows, neighbour_household
):
    """The import reads existing loans in the user's area only (73d5257): a number in use
    in another area is refused as the disbursement refuses it, without saying that it
    exists there "with other terms" (nor anything else of that loan)."""
    from fupin.microcredit import services
    from fupin.microcredit.tests.test_microcredit import terms

    theirs = services.loan_disburse(
        actor=users["neighbour"],
        household=neighbour_household,
        borrower=neighbour_household.members.get(),
        data=terms(number="XD-1"),
    )
    ledger = ledgers.get("microcredit")
    out = workbook.import_workbook(
        ledger, _csv(tmp_path, "loans.csv", rows[:1]), actor=users["village"]
    )
    assert out.counts["loans"].created == 0 and out.counts["loans"].unchanged == 0
    assert out.errors.select("row", "column", "reason").rows() == [
        (2, str(LOANS.column("number").header), "已有此合同编号的贷款。")
    ]
    assert "条款不同" not in out.errors["reason"][0]
    assert list(Loan.objects.values_list("pk", flat=True)) == [theirs.pk]
