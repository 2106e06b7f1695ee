"""The microcredit ledger as the programmes toolkit sees it (registered in
MicrocreditConfig.ready): its household-page panel, its workbook (a loans sheet and a
repayments sheet, natural keys: the loan contract number; loan + date + amounts), its
export and its API router.

The import calls the same services as the pages, row by row, so that every rule
(eligibility, amounts, dates) is the services' own and every row gets its history; a
refusal becomes the row's reason in the report."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from fupin.core.errors import DomainError, NotAllowed, OutsideArea, ValidationFailed
from fupin.core.scope import code_range
from fupin.exchange.layout import CODE, DATE, ID_NUMBER, INFO, INT, MONEY, TEXT, Column, Sheet
from fupin.microcredit import selectors, services
from fupin.microcredit.apps import LEDGER_LABEL
from fupin.microcredit.models import CreditRating, Loan, Repayment
from fupin.programmes.ledgers import Ledger
from fupin.programmes.workbook import (
    LedgerImport,
    households_of,
    masked_for,
    members_of,
    text_frame,
)

LOANS = Sheet(
    "loans",
    _l("Loans"),
    Loan,
    (
        Column("number", _l("loan contract number"), TEXT, field="number", required=True, width=18),
        Column("household_number", _l("household number"), TEXT, required=True, width=18),
        Column(
            "borrower_id_number", _l("borrower's ID number"), ID_NUMBER, required=True, width=20
        ),
        Column("borrower_name", _l("borrower"), INFO),
        Column("bank", _l("lending bank"), TEXT, field="bank", required=True),
        Column("amount", _l("amount (yuan)"), MONEY, field="amount", required=True),
        Column(
            "term_months",
            _l("term (months)"),
            INT,
            field="term_months",
            required=True,
            low=1,
            high=120,
        ),
        Column("annual_rate", _l("annual rate (%)"), MONEY, field="annual_rate", required=True),
        Column("subsidy_rate", _l("interest subsidy rate (%)"), MONEY, field="subsidy_rate"),
        Column(
            "credit_rating", _l("credit rating"), CODE, field="credit_rating", choices=CreditRating
        ),
        Column("purpose", _l("loan purpose"), TEXT, field="purpose", required=True, width=24),
        Column("disbursed_on", _l("disbursed on"), DATE, field="disbursed_on", required=True),
        Column("due_on", _l("due on"), INFO),
        Column("status", _l("status"), INFO),
    ),
)

REPAYMENTS = Sheet(
    "repayments",
    _l("Repayments"),
    Repayment,
    (
        Column("loan_number", _l("loan contract number"), TEXT, required=True, width=18),
        Column("paid_on", _l("repaid on"), DATE, field="paid_on", required=True),
        Column("principal", _l("principal (yuan)"), MONEY, field="principal", required=True),
        Column("interest", _l("interest (yuan)"), MONEY, field="interest"),
        Column("note", _l("note"), TEXT, field="note"),
    ),
)

# A service's field → the column its refusal is shown on.
FIELD_COLUMNS = {"household": "household_number", "borrower": "borrower_id_number"}


def _reasons(exc: DomainError, default: str) -> list[tuple[str, str]]:
    if isinstance(exc, ValidationFailed):
        return [
            (FIELD_COLUMNS.get(name, name), str(msg))
            for name, msgs in exc.errors.items()
            for msg in msgs
        ]
    return [(exc.field or default, str(exc.message))]


def _loan_same(loan: Loan, row: dict[str, Any], household_id: int, member_id: int | None) -> bool:
    return (
        loan.household_id == household_id
        and loan.member_id == member_id
        and loan.bank == row["bank"]
        and loan.amount == Decimal(str(row["amount"]))
        and loan.term_months == row["term_months"]
        and loan.annual_rate == Decimal(str(row["annual_rate"]))
        and loan.subsidy_rate == Decimal(str(row["subsidy_rate"] or 0))
        and loan.credit_rating == (row["credit_rating"] or "")
        and loan.purpose == row["purpose"]
        and loan.disbursed_on == row["disbursed_on"]
    )


def _write_loans(batch: LedgerImport) -> None:
    frame = batch.frame("loans").with_row_index("_i")
    ok = frame.filter(pl.col("_ok"))
    if ok.is_empty():
        return
    actor = batch.actor
    households = households_of(actor, ok["household_number"])
    members = members_of(households.values(), ok["borrower_id_number"])
    # Only the user's area: a contract number of another area is not told apart here (the
    # disbursement refuses a number in use, without saying where).
    existing = {
        loan.number: loan
        for loan in selectors.loans(actor).filter(number__in=ok["number"].unique().to_list())
    }
    rejected: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    count = batch.count("loans")
    for row in ok.iter_rows(named=True):
        i = row["_i"]
        if row["number"] in seen:
            rejected.append((i, "number", _("This contract number is given twice in the file.")))
            continue
        seen.add(row["number"])
        household = households.get(row["household_number"])
        if household is None:
            rejected.append(
                (i, "household_number", _("No household with this number in your area."))
            )
            continue
        member = members.get((household.pk, row["borrower_id_number"]))
        if member is None:
            rejected.append(
                (
                    i,
                    "borrower_id_number",
                    _("The borrower is not a current member of this household."),
                )
            )
            continue
        loan = existing.get(row["number"])
        if loan is not None:
            if _loan_same(loan, row, household.pk, member.pk):
                count.unchanged += 1
            else:
                rejected.append(
                    (
                        i,
                        "number",
                        _(
                            "A loan with this contract number exists with other terms; "
                            "change it on its page."
                        ),
                    )
                )
            continue
        data = {
            k: row[k]
            for k in (
                "number",
                "bank",
                "amount",
                "term_months",
                "annual_rate",
                "subsidy_rate",
                "purpose",
                "disbursed_on",
            )
        }
        data["credit_rating"] = row["credit_rating"] or ""
        try:
            with transaction.atomic():
                services.loan_disburse(
                    actor=actor,
                    household=household,
                    borrower=member,
                    data=data,
                    reason=batch.reason,
                )
        except (OutsideArea, NotAllowed) as exc:
            rejected.append((i, "household_number", str(exc.message)))
            continue
        except DomainError as exc:
            rejected.extend((i, col, text) for col, text in _reasons(exc, "number"))
            continue
        count.created += 1
    batch.reject_rows("loans", rejected)


def _write_repayments(batch: LedgerImport) -> None:
    frame = batch.frame("repayments").with_row_index("_i")
    ok = frame.filter(pl.col("_ok")).sort(["loan_number", "paid_on", "_i"])
    if ok.is_empty():
        return
    actor = batch.actor
    loans = {
        loan.number: loan
        for loan in selectors.loans(actor)
        .select_related("household")
        .filter(number__in=ok["loan_number"].unique().to_list())
    }
    keys = {
        (loan_id, paid, principal, interest)
        for loan_id, paid, principal, interest in Repayment.objects.filter(
            loan__in=list(loans.values())
        ).values_list("loan_id", "paid_on", "principal", "interest")
    }
    rejected: list[tuple[int, str, str]] = []
    in_file: set[tuple[Any, ...]] = set()
    count = batch.count("repayments")
    for row in ok.iter_rows(named=True):
        i = row["_i"]
        loan = loans.get(row["loan_number"])
        if loan is None:
            rejected.append(
                (i, "loan_number", _("No loan with this contract number in your area."))
            )
            continue
        principal = Decimal(str(row["principal"])).quantize(Decimal("0.01"))
        interest = Decimal(str(row["interest"] or 0)).quantize(Decimal("0.01"))
        key = (loan.pk, row["paid_on"], principal, interest)
        if key in in_file:
            rejected.append(
                (
                    i,
                    "paid_on",
                    _("This repayment (loan, date and amounts) is given twice in the file."),
                )
            )
            continue
        in_file.add(key)
        if key in keys:
            count.unchanged += 1
            continue
        try:
            with transaction.atomic():
                services.repayment_record(
                    actor=actor,
                    loan=loan,
                    paid_on=row["paid_on"],
                    principal=principal,
                    interest=interest,
                    note=row["note"] or "",
                    # The import's day in the county (Asia/Shanghai), not UTC's: before
                    # 08:00 a repayment of today was refused as in the future.
                    today=timezone.localdate(batch.now),
                )
        except DomainError as exc:
            rejected.extend((i, col, text) for col, text in _reasons(exc, "loan_number"))
            continue
        keys.add(key)
        count.created += 1
    batch.reject_rows("repayments", rejected)


def write(batch: LedgerImport) -> None:
    """Loans first (a repayment of a loan of the same file finds it)."""
    _write_loans(batch)
    _write_repayments(batch)


def export(user: Any, prefix: str) -> dict[str, pl.DataFrame]:
    """The loans and repayments of the user's area under `prefix`, in the sheets' codes.
    ID numbers are masked unless the role may reveal them (then one logged read)."""
    qs = selectors.loans(user).filter(village__code__range=code_range(prefix))
    rows = list(
        qs.order_by("id").values_list(
            "number",
            "household__number",
            "member__id_number",
            "member__name",
            "bank",
            "amount",
            "term_months",
            "annual_rate",
            "subsidy_rate",
            "credit_rating",
            "purpose",
            "disbursed_on",
            "due_on",
            "status",
        )
    )
    loans = masked_for(
        user,
        text_frame(rows, LOANS),
        "borrower_id_number",
        kind="id_number",
        object_type="microcredit.loan",
        prefix=prefix,
    )
    pays = list(
        Repayment.objects.filter(loan__in=qs)
        .order_by("loan_id", "paid_on", "id")
        .values_list("loan__number", "paid_on", "principal", "interest", "note")
    )
    repayments = text_frame(pays, REPAYMENTS)
    return {"loans": loans, "repayments": repayments}


def ledger() -> Ledger:
    return Ledger(
        key="microcredit",
        label=LEDGER_LABEL,
        models=(Loan,),
        panel_flag=selectors.PANEL_LOANS,
        panel_template="microcredit/_household_loans.html",
        panel_rows=selectors.household_loans,
        actions=selectors.household_actions,
        sheets=(LOANS, REPAYMENTS),
        write=write,
        export=export,
    )
