"""The set-based microcredit import: the services' rules in file order (a household rated
by an earlier row, a balance repaid by an earlier row), the loans' statuses after their
repayments with records, all-or-nothing across both sheets, a number of queries that
does not grow with the file; and the status rule's row and column forms agree."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import make_id, member_data
from fupin.core.history import history_of
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.microcredit import rules
from fupin.microcredit.models import Loan, LoanStatus, Repayment, ScheduleRow
from fupin.microcredit.tests.test_workbook import HEAD as LOAN_HEAD
from fupin.programmes import ledgers, workbook
from fupin.registry import services as registry

PAY_HEAD = ["loan_number", "paid_on", "principal", "interest", "receipt"]


def _csv(path, head, rows):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        w.writerows(rows)
    return path


def _loan(number, household, rating="AA", amount="30000", on="2024-03-01"):
    idn = household.members.get().id_number
    return [
        number,
        household.number,
        idn,
        "农商行",
        amount,
        "12",
        "4.35",
        "4.35",
        rating,
        "种植",
        on,
    ]


def _import(tmp_path, users, name, head, rows, **kw):
    path = _csv(tmp_path / name, head, rows)
    return workbook.import_workbook(ledgers.get("microcredit"), path, actor=users["village"], **kw)


def _reasons(outcome):
    return outcome.errors.select("row", "column", "reason").rows()


def test_a_household_rated_by_an_earlier_row_must_be_rated_in_a_later_one(
    tmp_path, users, household
):
    rows = [
        _loan("XD-1", household),
        _loan("XD-2", household, rating=""),
        _loan("XD-3", household, rating="A"),
    ]
    out = _import(tmp_path, users, "loans.csv", LOAN_HEAD, rows)
    assert out.counts["loans"].created == 2
    assert _reasons(out) == [(3, "信用评级", "该户已有银行评级：请填写本笔贷款的信用评级。")]
    assert sorted(Loan.objects.values_list("number", flat=True)) == ["XD-1", "XD-3"]


def test_an_unrated_row_before_a_rated_one_is_taken(tmp_path, users, household):
    rows = [_loan("XD-1", household, rating=""), _loan("XD-2", household)]
    out = _import(tmp_path, users, "loans.csv", LOAN_HEAD, rows)
    assert out.counts["loans"].created == 2 and not out.errors.height


def test_imported_loans_have_their_schedules_and_records(tmp_path, users, household):
    out = _import(tmp_path, users, "loans.csv", LOAN_HEAD, [_loan("XD-1", household)])
    loan = Loan.objects.get()
    assert out.counts["loans"].created == 1
    assert loan.due_on == dt.date(2025, 3, 1) and loan.village_id == household.village_id
    assert list(loan.schedule.values_list("due_on", "principal")) == [
        (dt.date(2024, 6, 1), Decimal("0")),
        (dt.date(2024, 9, 1), Decimal("0")),
        (dt.date(2024, 12, 1), Decimal("0")),
        (dt.date(2025, 3, 1), Decimal("30000")),
    ]
    created = ChangeRecord.objects.get(object_type="microcredit.loan", object_id=str(loan.pk))
    assert (created.action, created.related_type, created.related_id) == (
        ChangeAction.CREATE,
        "registry.household",
        str(household.pk),
    )
    assert created.object_repr == str(loan) and created.user_id == users["village"].pk
    assert created.post_data["number"] == "XD-1" and created.post_data["amount"] == "30000.00"
    kinds = [r.object_type for r in history_of(loan)]
    assert kinds.count("microcredit.schedulerow") == 4


def test_repayments_in_order_of_the_day_against_the_balance_and_the_status_follows(
    tmp_path, users, household
):
    _import(tmp_path, users, "loans.csv", LOAN_HEAD, [_loan("XD-1", household)])
    pays = [
        ["XD-1", "2024-06-01", "20000", "100", ""],
        ["XD-1", "2024-07-01", "20000", "0", ""],  # more than the 10,000 still owed
        ["XD-1", "2024-08-01", "10000", "50", ""],  # repays it in full
        ["XD-1", "2024-09-01", "0", "20", ""],  # the loan is repaid by then
    ]
    out = _import(tmp_path, users, "pay.csv", PAY_HEAD, pays)
    assert out.counts["repayments"].created == 2
    assert _reasons(out) == [
        (3, "本金（元）", "超过未还本金（10000.00 元）。"),
        (5, "贷款合同编号", "该贷款状态为：已还清。"),
    ]
    loan = Loan.objects.get()
    assert loan.status == LoanStatus.REPAID
    [rec] = ChangeRecord.objects.filter(
        object_type="microcredit.loan", object_id=str(loan.pk), action=ChangeAction.UPDATE
    )
    assert rec.changes == {"status": ["current", "repaid"]} and rec.reason == "登记还款"
    assert rec.post_data["status"] == "repaid"
    assert Repayment.objects.filter(recorded_by=users["village"]).count() == 2


def test_all_or_nothing_across_both_sheets(tmp_path, users, household):
    import xlsxwriter

    path = tmp_path / "both.xlsx"
    book = xlsxwriter.Workbook(str(path))
    loans = book.add_worksheet("loans")
    loans.write_row(0, 0, LOAN_HEAD)
    loans.write_row(1, 0, _loan("XD-1", household))
    pays = book.add_worksheet("repayments")
    pays.write_row(0, 0, PAY_HEAD)
    pays.write_row(1, 0, ["XD-1", "2024-06-01", "100", "0", ""])
    pays.write_row(2, 0, ["XD-1", "2024-01-01", "100", "0", ""])  # before the loan
    book.close()
    ledger = ledgers.get("microcredit")
    out = workbook.import_workbook(ledger, path, actor=users["village"], atomic=True)
    assert out.refused and out.written == 0
    assert [r[:2] for r in _reasons(out)] == [(3, "还款日期")]
    assert not Loan.objects.exists() and not Repayment.objects.exists()
    assert (
        not ScheduleRow.objects.exists()
        and not ChangeRecord.objects.filter(object_type__startswith="microcredit.").exists()
    )
    out = workbook.import_workbook(ledger, path, actor=users["village"])
    assert out.written == 2 and Repayment.objects.count() == 1


@pytest.fixture
def six_households(users, household):
    from conftest import HOUSEHOLD_DATA, VILLAGE, give_status, registered_household
    from fupin.registry.choices import HouseholdStatus

    out = [household]
    for k in range(5):
        h = registered_household(
            actor=users["village"], village_code=VILLAGE, data=dict(HOUSEHOLD_DATA)
        )
        registry.member_add(
            actor=users["village"],
            household=h,
            data=member_data(id_number=make_id(seq=f"{300 + k:03d}")),
        )
        give_status(h, HouseholdStatus.POOR, 2020)
        out.append(h)
    return out


def _loans_and_repayments(tmp_path, users, name, households):
    loans = [_loan(f"{name}-{k}", h) for k, h in enumerate(households)]
    pays = [[f"{name}-{k}", "2024-06-01", "30000", "5", ""] for k in range(len(households))]
    with CaptureQueriesContext(connection) as queries:
        first = _import(tmp_path, users, f"{name}-l.csv", LOAN_HEAD, loans)
        second = _import(tmp_path, users, f"{name}-p.csv", PAY_HEAD, pays)
    assert first.counts["loans"].created == len(households), _reasons(first)
    assert second.counts["repayments"].created == len(households), _reasons(second)
    return len(queries.captured_queries)


def test_the_queries_do_not_grow_with_the_file(tmp_path, users, six_households):
    """Set-based: six loans with a repayment each take as many queries as two."""
    two = _loans_and_repayments(tmp_path, users, "A", six_households[:2])
    assert _loans_and_repayments(tmp_path, users, "B", six_households) == two


def test_long_files_are_read_in_batches(tmp_path, users, six_households, monkeypatch):
    """The lookups go IN_BATCH values at a time (the databases' limits on a
    statement's parameters): with batches of two, six loans are found and repaid."""
    from fupin.core import bulk

    monkeypatch.setattr(bulk, "IN_BATCH", 2)
    _loans_and_repayments(tmp_path, users, "C", six_households)
    assert set(Loan.objects.values_list("status", flat=True)) == {LoanStatus.REPAID}
    assert Repayment.objects.count() == 6


# ------------------------------------------------------------------ the status rule

STATUSES = st.sampled_from(LoanStatus.values)
BALANCES = st.sampled_from([0.0, 0.01, 100.0, -0.0])


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(STATUSES, BALANCES, st.booleans(), st.booleans(), st.booleans()),
        min_size=1,
        max_size=30,
    )
)
def test_the_status_rule_row_and_column_forms_agree(cases):
    frame = pl.DataFrame(
        cases,
        schema={
            "status": pl.String,
            "balance": pl.Float64,
            "overdue": pl.Boolean,
            "disbursed": pl.Boolean,
            "extended": pl.Boolean,
        },
        orient="row",
    )
    column = frame.select(
        rules.loan_status_expr(
            pl.col("status"),
            pl.col("balance"),
            pl.col("overdue"),
            pl.col("disbursed"),
            pl.col("extended"),
        )
    ).to_series()
    row = [
        rules.loan_status(
            status,
            balance=Decimal(str(balance)),
            overdue=overdue,
            disbursed=disbursed,
            extended=extended,
        )
        for status, balance, overdue, disbursed, extended in cases
    ]
    assert column.to_list() == row


@pytest.mark.parametrize(
    ("status", "balance", "overdue", "disbursed", "extended", "expected"),
    [
        ("written_off", 0, False, True, False, "written_off"),
        ("current", 0, True, True, True, "repaid"),
        ("current", 0, False, False, False, "current"),  # not disbursed yet
        ("extended", 5, True, True, True, "overdue"),
        ("overdue", 5, False, True, True, "extended"),
        ("overdue", 5, False, True, False, "current"),
    ],
)
def test_the_status_rule(status, balance, overdue, disbursed, extended, expected):
    assert (
        rules.loan_status(
            status, balance=balance, overdue=overdue, disbursed=disbursed, extended=extended
        )
        == expected
    )
