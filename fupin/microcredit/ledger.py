"""The microcredit ledger as the programmes toolkit sees it (registered in
MicrocreditConfig.ready): its household-page panel, its workbook (a loans sheet and a
repayments sheet, natural keys: the loan contract number; the loan and the receipt
number, or without one the loan, date and amounts), its
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
from django.utils.translation import gettext_lazy, pgettext_lazy

from fupin.core.errors import DomainError, NotAllowed, OutsideArea, ValidationFailed
from fupin.core.masking import mask_expr
from fupin.core.models import SensitiveRead
from fupin.core.scope import code_range
from fupin.exchange.layout import CODE, DATE, ID_NUMBER, INFO, INT, MONEY, TEXT, Column, Sheet
from fupin.microcredit import selectors, services
from fupin.microcredit.apps import LEDGER_LABEL
from fupin.microcredit.models import CreditRating, Loan, Repayment
from fupin.programmes.ledgers import Ledger
from fupin.programmes.workbook import LedgerImport
from fupin.registry.models import Household, Member

LOANS = Sheet(
    "loans",
    gettext_lazy("Loans"),
    Loan,
    (
        Column(
            "number",
            gettext_lazy("loan contract number"),
            TEXT,
            field="number",
            required=True,
            width=18,
        ),
        Column("household_number", gettext_lazy("household number"), TEXT, required=True, width=18),
        Column(
            "borrower_id_number",
            gettext_lazy("borrower's ID number"),
            ID_NUMBER,
            required=True,
            width=20,
        ),
        Column("borrower_name", gettext_lazy("borrower"), INFO),
        Column("bank", gettext_lazy("lending bank"), TEXT, field="bank", required=True),
        Column("amount", gettext_lazy("amount (yuan)"), MONEY, field="amount", required=True),
        Column(
            "term_months",
            gettext_lazy("term (months)"),
            INT,
            field="term_months",
            required=True,
            low=1,
            high=120,
        ),
        Column(
            "annual_rate",
            gettext_lazy("annual rate (%)"),
            MONEY,
            field="annual_rate",
            required=True,
        ),
        Column(
            "subsidy_rate", gettext_lazy("interest subsidy rate (%)"), MONEY, field="subsidy_rate"
        ),
        Column(
            "credit_rating",
            gettext_lazy("credit rating"),
            CODE,
            field="credit_rating",
            choices=CreditRating,
        ),
        Column(
            "purpose", gettext_lazy("loan purpose"), TEXT, field="purpose", required=True, width=24
        ),
        Column(
            "disbursed_on", gettext_lazy("disbursed on"), DATE, field="disbursed_on", required=True
        ),
        Column("due_on", gettext_lazy("due on"), INFO),
        Column("status", pgettext_lazy("loan", "status"), INFO),
    ),
)

REPAYMENTS = Sheet(
    "repayments",
    gettext_lazy("Repayments"),
    Repayment,
    (
        Column("loan_number", gettext_lazy("loan contract number"), TEXT, required=True, width=18),
        Column("paid_on", gettext_lazy("repaid on"), DATE, field="paid_on", required=True),
        Column(
            "principal", gettext_lazy("principal (yuan)"), MONEY, field="principal", required=True
        ),
        Column("interest", gettext_lazy("interest (yuan)"), MONEY, field="interest"),
        Column("receipt", gettext_lazy("receipt number"), TEXT, field="receipt", width=18),
        Column("note", gettext_lazy("note"), TEXT, field="note"),
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
    households = {
        h.number: h
        for h in Household.objects.restrict(actor).filter(
            number__in=ok["household_number"].unique().to_list()
        )
    }
    members = {
        (m.household_id, m.id_number): m
        for m in Member.objects.filter(
            household__in=list(households.values()),
            id_number__in=ok["borrower_id_number"].unique().to_list(),
            is_active=True,
        )
    }
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


RECEIPT_TAKEN = gettext_lazy(
    "A repayment of this loan with this receipt number is recorded with another date or "
    "amounts; change it on the loan's page."
)


def _twice_in_file(receipt: str) -> tuple[str, str]:
    """(column, reason) for a repayment whose natural key an earlier row of the file has."""
    if receipt:
        return "receipt", _("This receipt number of the loan is given twice in the file.")
    return "paid_on", _(
        "This repayment (loan, date and amounts) is given twice in the file. If the "
        "borrower paid the same twice, give each payment its receipt number."
    )


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
    stored = list(
        Repayment.objects.filter(loan__in=list(loans.values())).values_list(
            "loan_id", "paid_on", "principal", "interest", "receipt"
        )
    )
    keys = {
        (loan_id, paid, principal, interest) for loan_id, paid, principal, interest, _r in stored
    }
    receipts = {
        (loan_id, receipt): (paid, principal, interest)
        for loan_id, paid, principal, interest, receipt in stored
        if receipt
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
        receipt = row["receipt"] or ""
        facts = (row["paid_on"], principal, interest)
        key: tuple[Any, ...] = (loan.pk, receipt) if receipt else (loan.pk, *facts)
        if key in in_file:
            rejected.append((i, *_twice_in_file(receipt)))
            continue
        in_file.add(key)
        if receipt and (loan.pk, receipt) in receipts:
            if receipts[(loan.pk, receipt)] == facts:
                count.unchanged += 1
            else:
                rejected.append((i, "receipt", str(RECEIPT_TAKEN)))
            continue
        if not receipt and (loan.pk, *facts) in keys:
            count.unchanged += 1  # the same repayment, recorded already
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
                    receipt=receipt,
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
    if not getattr(batch.actor, "may_edit", False):
        raise NotAllowed()
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
    codes = [c.code for c in LOANS.columns]
    loans = pl.DataFrame(
        [[None if v is None else str(v) for v in r] for r in rows],
        schema={c: pl.String for c in codes},
        orient="row",
    )
    if getattr(user, "may_reveal", False):
        if loans.height:
            SensitiveRead.log_bulk(
                user=user,
                object_type="microcredit.loan",
                object_id="export",
                field="id_number",
                area_code=prefix,
                count=loans.height,
                channel="export",
            )
    else:
        loans = loans.with_columns(mask_expr(pl.col("borrower_id_number"), "id_number"))
    pays = list(
        Repayment.objects.filter(loan__in=qs)
        .order_by("loan_id", "paid_on", "id")
        .values_list("loan__number", "paid_on", "principal", "interest", "receipt", "note")
    )
    repayments = pl.DataFrame(
        [[None if v is None else str(v) for v in r] for r in pays],
        schema={c.code: pl.String for c in REPAYMENTS.columns},
        orient="row",
    )
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
