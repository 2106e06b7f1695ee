"""The rules of microcredit, each in one place, with a row form (one loan or household,
for the services and pages) and, where figures need it, a column form (Polars, for the
indicator engine and the daily overdue run). Tests check that the two forms agree.

Who may borrow (扶贫小额信贷的对象), on the day of disbursement:
- the household is registered poor (in poverty, returned to poverty, or exited: 脱贫户
  keep access to the loans) or a monitoring object (监测对象); candidates and removed
  households may not borrow;
- the borrower is a current member of the household, aged 18 to 65 (completed years);
- the credit rating (评级授信): once a loan of the household records the bank's rating,
  every later loan of it must record one too (a rated household is not lent to unrated).

When a loan is overdue on day D (逾期): it is disbursed on or before D, not written off
on or before D, has principal outstanding, and the principal repaid on or before D is
less than the principal of the instalments due BEFORE D (an instalment due on D may
still be paid that day). An instalment's due date on D is the new date of the latest
extension approved on or before D that moved it, its original date otherwise (`due_on`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import polars as pl
from django.utils.translation import gettext as _

from fupin.microcredit.models import LoanStatus
from fupin.registry.choices import HouseholdStatus

S = HouseholdStatus
L = LoanStatus
ELIGIBLE_STATUSES = (S.POOR.value, S.RETURNED.value, S.EXITED.value, S.MONITORED.value)
MIN_AGE, MAX_AGE = 18, 65


def eligible_status_expr(status: pl.Expr) -> pl.Expr:
    """Column form of the household-status part of `refusals`."""
    return status.is_in(list(ELIGIBLE_STATUSES)).fill_null(False)


def borrower_age_expr(age: pl.Expr) -> pl.Expr:
    """Column form of the borrower-age part of `refusals` (completed years on the day)."""
    return age.is_between(MIN_AGE, MAX_AGE).fill_null(False)


def eligible_households(households: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """Column form of 'the household may borrow on day D' (`refusals` without the
    credit-rating part, which concerns how a loan is recorded, not who may borrow):
    household_id, eligible. `households`: household_id, status on D; `people`:
    household_id, age on D of each current member (a household may borrow when one of
    them may be the borrower)."""
    borrowers = (
        people.filter(borrower_age_expr(pl.col("age"))).select("household_id").unique()
    ).with_columns(has_borrower=pl.lit(True))
    return (
        households.select("household_id", "status")
        .join(borrowers, on="household_id", how="left")
        .select(
            "household_id",
            eligible=eligible_status_expr(pl.col("status"))
            & pl.col("has_borrower").fill_null(False),
        )
    )


def refusals(
    *,
    household: Any,
    borrower: Any,
    on: dt.date,
    credit_rating: str,
    household_rated: bool,
) -> list[tuple[str, str]]:
    """Why the household may not borrow on `on`: (field, reason) pairs; empty: it may.
    `household_rated`: an earlier loan of the household records a credit rating."""
    out: list[tuple[str, str]] = []
    if household.status not in ELIGIBLE_STATUSES:
        out.append(
            (
                "household",
                _(
                    "Only registered poor households and monitoring objects may borrow "
                    "(status: %(s)s)."
                )
                % {"s": household.get_status_display()},
            )
        )
    if borrower is None or borrower.household_id != household.pk or not borrower.is_active:
        out.append(("borrower", _("The borrower must be a current member of the household.")))
    else:
        age = borrower.age_on(on)
        if not MIN_AGE <= age <= MAX_AGE:
            out.append(
                (
                    "borrower",
                    _(
                        "The borrower must be %(lo)d to %(hi)d years old on the day of the "
                        "loan (%(age)d)."
                    )
                    % {"lo": MIN_AGE, "hi": MAX_AGE, "age": age},
                )
            )
    if household_rated and not credit_rating:
        out.append(
            (
                "credit_rating",
                _("The household has been rated by a bank: record the credit rating of this loan."),
            )
        )
    return out


# ------------------------------------------------------------------ a loan on a day


def due_on(row: Any, day: dt.date, extensions: Iterable[tuple[dt.date, dt.date]] = ()) -> dt.date:
    """An instalment's due date as it stood on `day` (row: due_on, original_due_on,
    extended_on). `extensions`: the loan's approved extensions, (approved_on,
    new_due_on). An approval moves the row's current date, so after two extensions the
    row keeps only the last one: on a day between them the date is that of the latest
    extension approved by then that moved the row (one approved on or before the row's
    last move, to a date after its original one), else the original date. Without
    `extensions` (a single move), the row's own dates."""
    if row.extended_on is None:
        return row.original_due_on
    moved = [
        new
        for approved, new in extensions
        if approved <= day and approved <= row.extended_on and row.original_due_on < new
    ]
    if moved:
        return max(moved)
    return row.due_on if row.extended_on <= day else row.original_due_on


def loan_state(
    loan: Any,
    schedule: Iterable[Any],
    repayments: Iterable[Any],
    day: dt.date,
    extensions: Iterable[tuple[dt.date, dt.date]] = (),
) -> tuple[Decimal, bool]:
    """(outstanding principal, overdue) of one loan on `day` (row form); `extensions`:
    the loan's approved extensions (approved_on, new_due_on), see `due_on`."""
    if loan.disbursed_on > day or (loan.written_off_on is not None and loan.written_off_on <= day):
        return Decimal("0"), False
    approved = list(extensions)
    repaid = sum((r.principal for r in repayments if r.paid_on <= day), Decimal("0"))
    balance = max(loan.amount - repaid, Decimal("0"))
    owed = sum((s.principal for s in schedule if due_on(s, day, approved) < day), Decimal("0"))
    return balance, balance > 0 and repaid < owed


# ------------------------------------------------------------------ a loan's status


def loan_status(
    status: str, *, balance: Decimal | float, overdue: bool, disbursed: bool, extended: bool
) -> str:
    """The status a loan's rows give (row form): a written-off loan stays so; nothing
    owed once disbursed: repaid; overdue; else extended when an extension was approved,
    current otherwise. `status`: the stored one; `balance`, `overdue`, `disbursed`: its
    state on the day (`loan_state`); `extended`: it has an approved extension."""
    if status == L.WRITTEN_OFF.value:
        return status
    if balance <= 0 and disbursed:
        return L.REPAID.value
    if overdue:
        return L.OVERDUE.value
    return L.EXTENDED.value if extended else L.CURRENT.value


def loan_status_expr(
    status: pl.Expr, balance: pl.Expr, overdue: pl.Expr, disbursed: pl.Expr, extended: pl.Expr
) -> pl.Expr:
    """Column form of `loan_status` (the columns of `loan_states` and the stored status)."""
    return (
        pl.when(status == L.WRITTEN_OFF.value)
        .then(status)
        .when((balance <= 0) & disbursed)
        .then(pl.lit(L.REPAID.value))
        .when(overdue)
        .then(pl.lit(L.OVERDUE.value))
        .when(extended)
        .then(pl.lit(L.EXTENDED.value))
        .otherwise(pl.lit(L.CURRENT.value))
    )


LOAN_SCHEMA = {
    "loan_id": pl.Int64,
    "household_id": pl.Int64,
    "amount": pl.Float64,
    "disbursed_on": pl.Date,
    "written_off_on": pl.Date,
}
SCHEDULE_SCHEMA = {
    "loan_id": pl.Int64,
    "due_on": pl.Date,
    "original_due_on": pl.Date,
    "extended_on": pl.Date,
    "principal": pl.Float64,
}
REPAYMENT_SCHEMA = {"loan_id": pl.Int64, "paid_on": pl.Date, "principal": pl.Float64}
EXTENSION_SCHEMA = {"loan_id": pl.Int64, "approved_on": pl.Date, "new_due_on": pl.Date}


def loan_states(
    loans: pl.DataFrame,
    schedule: pl.DataFrame,
    repayments: pl.DataFrame,
    day: dt.date,
    extensions: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Column form of `loan_state` for many loans: loan_id, household_id, disbursed
    (on or before `day`), balance, overdue. Money in yuan as floats rounded to the fen.
    `extensions`: the approved extensions (EXTENSION_SCHEMA), see `due_on`."""
    own = (
        pl.when(pl.col("extended_on").is_not_null() & (pl.col("extended_on") <= day))
        .then(pl.col("due_on"))
        .otherwise(pl.col("original_due_on"))
    )
    schedule = schedule.with_row_index("_r")
    if extensions is None:
        extensions = pl.DataFrame(schema=EXTENSION_SCHEMA)
    moved = (
        schedule.filter(pl.col("extended_on").is_not_null())
        .join(extensions.filter(pl.col("approved_on") <= day), on="loan_id", how="inner")
        .filter(
            (pl.col("approved_on") <= pl.col("extended_on"))
            & (pl.col("original_due_on") < pl.col("new_due_on"))
        )
        .group_by("_r")
        .agg(extended_due=pl.col("new_due_on").max())
    )
    schedule = schedule.join(moved, on="_r", how="left")
    effective = (
        pl.when(pl.col("extended_on").is_null())
        .then(pl.col("original_due_on"))
        .when(pl.col("extended_due").is_not_null())
        .then(pl.col("extended_due"))
        .otherwise(own)
    )
    owed = schedule.filter(effective < day).group_by("loan_id").agg(owed=pl.col("principal").sum())
    repaid = (
        repayments.filter(pl.col("paid_on") <= day)
        .group_by("loan_id")
        .agg(repaid=pl.col("principal").sum())
    )
    live = (pl.col("disbursed_on") <= day) & (
        pl.col("written_off_on").is_null() | (pl.col("written_off_on") > day)
    )
    out = (
        loans.join(owed, on="loan_id", how="left")
        .join(repaid, on="loan_id", how="left")
        .with_columns(pl.col("owed").fill_null(0.0), pl.col("repaid").fill_null(0.0))
        .with_columns(
            disbursed=pl.col("disbursed_on") <= day,
            balance=pl.when(live)
            .then((pl.col("amount") - pl.col("repaid")).clip(lower_bound=0).round(2))
            .otherwise(0.0),
        )
        .with_columns(
            overdue=(
                live
                & (pl.col("balance") > 0)
                & (pl.col("repaid").round(2) < pl.col("owed").round(2))
            ).fill_null(False)
        )
    )
    return out.select("loan_id", "household_id", "disbursed", "balance", "overdue")


def schedule_rows(
    amount: Decimal, term_months: int, annual_rate: Decimal, disbursed_on: dt.date
) -> list[tuple[dt.date, Decimal, Decimal]]:
    """The schedule a loan gets at disbursement: interest quarterly on the balance
    (按季付息), principal at the end (到期还本), the usual form of these loans; the
    last row's date is the loan's due date. (due date, principal, interest) rows."""
    rows = []
    months = [*range(3, term_months, 3), term_months]
    previous = 0
    rate = annual_rate / Decimal(100)
    for m in months:
        interest = (amount * rate * Decimal(m - previous) / Decimal(12)).quantize(Decimal("0.01"))
        principal = amount if m == term_months else Decimal("0")
        rows.append((add_months(disbursed_on, m), principal, interest))
        previous = m
    return rows


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day if it has fewer days)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)
