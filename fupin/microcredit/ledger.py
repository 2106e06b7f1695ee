"""The microcredit ledger as the programmes toolkit sees it (registered in
MicrocreditConfig.ready): its household-page panel, its workbook (a loans sheet and a
repayments sheet, natural keys: the loan contract number; the loan and the receipt
number, or without one the loan, date and amounts), its export and its API router.

The import is set-based: what it needs of the database is read with a few queries for
the whole file, each row is checked by the services' own rule functions (the terms, who
may borrow, the contract number, the repayment's amounts, dates and balance, the natural
keys), in the order the services would have taken them one by one, and the good rows
are written in bulk (`core.frames`) with their change records written by the database
(`core.history.BulkRecorder`); a refusal becomes the row's reason (column and text) in
the report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from fupin.core.bulk import in_batches
from fupin.core.errors import DomainError, ValidationFailed
from fupin.core.frames import (
    db_ready,
    db_types,
    full_frame,
    reserve_ids,
    update_frame,
    write_frame,
)
from fupin.core.history import BulkRecorder, RowRecords, changes_expr
from fupin.core.scope import code_range
from fupin.exchange.layout import CODE, DATE, ID_NUMBER, INFO, INT, MONEY, TEXT, Column, Sheet
from fupin.microcredit import rules, selectors, services
from fupin.microcredit.apps import LEDGER_LABEL
from fupin.microcredit.models import (
    CreditRating,
    Loan,
    LoanStatus,
    Repayment,
    ScheduleRow,
)
from fupin.programmes.ledgers import Ledger, dated_benefits
from fupin.programmes.workbook import (
    LedgerImport,
    households_of,
    masked_for,
    members_of,
    text_frame,
)
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


# How the change records of the import's rows read (as the services' `created` and
# `recording` write them): a loan under its household, its instalments and repayments
# under the loan, in the loan's village.
LOAN_CREATED = RowRecords(
    Loan,
    repr_sql=services.LOAN_RECORDS.repr_sql,
    area_sql="t.village_id",
    related=(Household, "t.household_id"),
)


def _under_loan(model: type[Model], repr_sql: str) -> RowRecords:
    return RowRecords(
        model,
        repr_sql,
        area_sql="l.village_id",
        joins="JOIN microcredit_loan l ON l.id = t.loan_id",
        related=(Loan, "t.loan_id"),
    )


SCHEDULE_CREATED = _under_loan(
    ScheduleRow, "CAST(t.loan_id AS TEXT) || ' ' || CAST(t.due_on AS TEXT)"
)
REPAYMENT_CREATED = _under_loan(
    Repayment,
    "CAST(t.loan_id AS TEXT) || ' ' || CAST(t.paid_on AS TEXT) || ' ' || CAST(t.principal AS TEXT)",
)


class _Staff:
    """`services.require_staff` once per household of the file."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.seen: dict[int, DomainError | None] = {}

    def check(self, household: Household) -> None:
        if household.pk not in self.seen:
            try:
                services.require_staff(self.actor, household)
                self.seen[household.pk] = None
            except DomainError as exc:
                self.seen[household.pk] = exc
        refusal = self.seen[household.pk]
        if refusal is not None:
            raise refusal


def _write_loans(batch: LedgerImport) -> None:
    """The loans sheet, set-based: the file's households, borrowers and loans are read
    with one query each, every row is checked by the disbursement's own rules
    (`services.validate_terms`, `services.check_disbursement`, in file order, as if
    disbursed one after the other), and the good rows are written with their schedules
    (`rules.schedule_rows`) and change records in bulk."""
    frame = batch.frame("loans").with_row_index("_i")
    ok = frame.filter(pl.col("_ok"))
    if ok.is_empty():
        return
    actor = batch.actor
    numbers = ok["number"].unique().to_list()
    households = households_of(actor, ok["household_number"])
    household_ids = [h.pk for h in households.values()]
    members = members_of(households.values(), ok["borrower_id_number"])
    # Only the user's area: a contract number of another area is not told apart here (the
    # disbursement refuses a number in use, without saying where).
    existing = {
        loan.number: loan
        for loan in in_batches(
            numbers, lambda chunk: selectors.loans(actor).filter(number__in=chunk)
        )
    }
    taken = set(
        in_batches(
            numbers,
            lambda chunk: Loan.objects.filter(number__in=chunk).values_list("number", flat=True),
        )
    )
    rated = set(
        in_batches(
            household_ids,
            lambda chunk: (
                Loan.objects.filter(household_id__in=chunk)
                .exclude(credit_rating="")
                .values_list("household_id", flat=True)
            ),
        )
    )
    staff = _Staff(actor)
    rejected: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    loans: list[dict[str, Any]] = []
    schedules: list[list[tuple[dt.date, Decimal, Decimal]]] = []
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
        try:
            staff.check(household)
        except DomainError as exc:
            rejected.append((i, "household_number", str(exc.message)))
            continue
        data = {k: row[k] for k in TERMS}
        data["credit_rating"] = row["credit_rating"] or ""
        try:
            terms = services.validate_terms(data)
            services.check_disbursement(
                household=household,
                borrower=member,
                terms=terms,
                household_rated=household.pk in rated,
                number_taken=terms["number"] in taken,
            )
        except ValidationFailed as exc:
            rejected.extend((i, col, text) for col, text in _reasons(exc, "number"))
            continue
        if terms["credit_rating"]:
            rated.add(household.pk)  # a later row of the household must be rated too
        taken.add(terms["number"])
        schedule = rules.schedule_rows(
            terms["amount"], terms["term_months"], terms["annual_rate"], terms["disbursed_on"]
        )
        loans.append(_new_loan(terms, household, member, schedule, batch))
        schedules.append(schedule)
    batch.reject_rows("loans", rejected)
    ids = batch.insert("loans", [Loan(**row) for row in loans], LOAN_CREATED)
    _write_schedules(batch, ids, schedules)


def _write_schedules(
    batch: LedgerImport,
    loan_ids: list[int],
    schedules: list[list[tuple[dt.date, Decimal, Decimal]]],
) -> None:
    """The new loans' instalments (about twelve a loan: no model instances for them, a
    frame written in bulk), each with its creation record under its loan. No sheet of
    their own: not counted in the import's summary."""
    rows = [
        (pk, due, principal, interest)
        for pk, schedule in zip(loan_ids, schedules, strict=True)
        for due, principal, interest in schedule
    ]
    if not rows:
        return
    types = db_types(ScheduleRow)
    frame = pl.DataFrame(
        rows,
        schema={
            "loan_id": pl.Int64,
            "due_on": pl.Date,
            "principal": types["principal"],
            "interest": types["interest"],
        },
        orient="row",
    ).with_columns(
        pl.Series("id", reserve_ids(ScheduleRow, len(rows)), dtype=pl.Int64),
        pl.col("due_on").alias("original_due_on"),
    )
    full = full_frame(frame, ScheduleRow)
    write_frame(ScheduleRow, db_ready(full, ScheduleRow))
    BulkRecorder(actor=batch.actor, now=batch.now, reason=batch.reason).created(
        SCHEDULE_CREATED, full["id"]
    )


# The loans sheet's columns that are the loan's terms (services.validate_terms).
TERMS = (
    "number",
    "bank",
    "amount",
    "term_months",
    "annual_rate",
    "subsidy_rate",
    "purpose",
    "disbursed_on",
)


def _new_loan(
    terms: dict[str, Any],
    household: Household,
    member: Member,
    schedule: list[tuple[dt.date, Decimal, Decimal]],
    batch: LedgerImport,
) -> dict[str, Any]:
    """A loan's row as `services.loan_disburse` creates it (due with its schedule)."""
    return {
        "household_id": household.pk,
        "member_id": member.pk,
        "village_id": household.village_id,
        "number": terms["number"],
        "bank": terms["bank"],
        "amount": terms["amount"],
        "term_months": terms["term_months"],
        "annual_rate": terms["annual_rate"],
        "subsidy_rate": terms["subsidy_rate"],
        "credit_rating": terms["credit_rating"],
        "purpose": terms["purpose"],
        "disbursed_on": terms["disbursed_on"],
        "due_on": schedule[-1][0],
        "created_at": batch.now,
    }


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
    """The repayments sheet, set-based: the file's loans and their repayments are read
    with one query each, every row is checked by the recording's own rules
    (`services.repayment_amounts`, `services.check_repayment`, the natural key), in
    the order of the loan and day, as if recorded one after the other; the good rows are
    written in bulk with their records, then the status of each loan paid (as
    `rules.loan_status` gives it on the import's day) with its records."""
    frame = batch.frame("repayments").with_row_index("_i")
    ok = frame.filter(pl.col("_ok")).sort(["loan_number", "paid_on", "_i"])
    if ok.is_empty():
        return
    actor = batch.actor
    # The import's day in the county (Asia/Shanghai), not UTC's: before 08:00 a
    # repayment of today was refused as in the future.
    today = timezone.localdate(batch.now)
    loans = {
        loan.number: loan
        for loan in in_batches(
            ok["loan_number"].unique().to_list(),
            lambda chunk: (
                selectors.loans(actor).select_related("household").filter(number__in=chunk)
            ),
        )
    }
    stored = in_batches(
        [loan.pk for loan in loans.values()],
        lambda chunk: Repayment.objects.filter(loan_id__in=chunk).values_list(
            "loan_id", "paid_on", "principal", "interest", "receipt"
        ),
    )
    keys = {
        (loan_id, paid, principal, interest) for loan_id, paid, principal, interest, _r in stored
    }
    receipts = {
        (loan_id, receipt): (paid, principal, interest)
        for loan_id, paid, principal, interest, receipt in stored
        if receipt
    }
    repaid: dict[int, Decimal] = {}
    for loan_id, _paid, principal, _interest, _receipt in stored:
        repaid[loan_id] = repaid.get(loan_id, Decimal(0)) + principal
    staff = _Staff(actor)
    rejected: list[tuple[int, str, str]] = []
    in_file: set[tuple[Any, ...]] = set()
    pays: list[dict[str, Any]] = []
    count = batch.count("repayments")
    for row in ok.iter_rows(named=True):
        i = row["_i"]
        loan = loans.get(row["loan_number"])
        if loan is None:
            rejected.append(
                (i, "loan_number", _("No loan with this contract number in your area."))
            )
            continue
        try:
            principal, interest = services.repayment_amounts(row["principal"], row["interest"])
        except ValidationFailed as exc:
            rejected.extend((i, col, text) for col, text in _reasons(exc, "loan_number"))
            continue
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
        paid = repaid.get(loan.pk, Decimal(0))
        try:
            staff.check(loan.household)
            services.check_repayment(
                loan=loan,
                # Repaid in full by an earlier row of the file: closed, as the recording
                # of that row left it.
                status=LoanStatus.REPAID if paid >= loan.amount else loan.status,
                paid_on=row["paid_on"],
                principal=principal,
                repaid=paid,
                today=today,
            )
        except DomainError as exc:
            rejected.extend((i, col, text) for col, text in _reasons(exc, "loan_number"))
            continue
        repaid[loan.pk] = paid + principal
        pays.append(
            {
                "loan_id": loan.pk,
                "paid_on": row["paid_on"],
                "principal": principal,
                "interest": interest,
                "receipt": receipt,
                "note": (row["note"] or "").strip(),
                "recorded_by_id": getattr(actor, "pk", None),
                "recorded_at": batch.now,
            }
        )
    batch.reject_rows("repayments", rejected)
    batch.insert("repayments", [Repayment(**row) for row in pays], REPAYMENT_CREATED)
    _follow_status(batch, sorted({p["loan_id"] for p in pays}), today)


def _follow_status(batch: LedgerImport, loan_ids: list[int], today: dt.date) -> None:
    """The loans just paid take the status their rows give on `today` (repaid, no
    longer overdue …: `rules.loan_status_expr`), written and recorded set-based."""
    if not loan_ids:
        return
    households = in_batches(
        loan_ids,
        lambda chunk: Loan.objects.filter(pk__in=chunk).values_list("household_id", flat=True),
    )
    states = services.states_on(today, household_ids=sorted(set(households))).filter(
        pl.col("loan_id").is_in(loan_ids)
    )
    extended = services.extended_loans(loan_ids)
    changed = (
        states.with_columns(
            pl.col("status").alias("status__old"),
            status=rules.loan_status_expr(
                pl.col("status"),
                pl.col("balance"),
                pl.col("overdue"),
                pl.col("disbursed"),
                pl.col("loan_id").is_in(sorted(set(extended))),
            ),
        )
        .filter(pl.col("status") != pl.col("status__old"))
        .rename({"loan_id": "id"})
    )
    update_frame(Loan, changed.select("id", "status"))
    BulkRecorder(actor=batch.actor, now=batch.now, reason=_("Repayment recorded")).updated(
        services.LOAN_RECORDS,
        changed.select("id", changes_expr(changed, ["status"], "__old").alias("changes")),
    )


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
        .values_list("loan__number", "paid_on", "principal", "interest", "receipt", "note")
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
        benefits=dated_benefits(
            Loan,
            date="disbursed_on",
            amount="amount",
            label=lambda r: f"{r._meta.verbose_name} · {r.bank}",
        ),
    )
