"""Writes of the microcredit ledger. Every write checks the actor's role and area, keeps
the rules of `rules.py`, and records its change (fupin.core.history) in the same
transaction: loans under their household, instalments, repayments and extensions under
their loan.

- `loan_disburse`: staff of the household's area, for an eligible household
  (`rules.refusals`); the schedule is made with the loan.
- `repayment_record`: staff; the loan's status follows (repaid when nothing is owed,
  no longer overdue once caught up).
- `extension_propose` (staff), `extension_decide` (township or county, never the
  proposer: the authority table's "loan.extend").
- `loan_write_off`: the county ("loan.write_off").
- `mark_overdue`: the daily run (`fupin microcredit overdue`): loans overdue on the day
  (`rules.loan_states`) are marked, and each raises one monitoring warning, once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts import authority
from fupin.core.bulk import in_batches
from fupin.core.errors import AlreadyDecided, DomainError, ValidationFailed
from fupin.core.frames import read_frame, update_frame
from fupin.core.history import BulkRecorder, RowRecords, changes_expr, created, recording
from fupin.core.scope import code_range, require_edit, require_household
from fupin.microcredit import rules
from fupin.microcredit.models import (
    OPEN_STATUSES,
    CreditRating,
    Extension,
    ExtensionStatus,
    Loan,
    LoanStatus,
    Repayment,
    ScheduleRow,
)
from fupin.monitoring.models import RiskLevel, RiskType
from fupin.monitoring.services import SystemWarning, warnings_raise_system
from fupin.programmes.frames import dates
from fupin.programmes.values import money, refuse
from fupin.registry.models import Household, Member


class LoanClosed(DomainError):
    code = "loan_closed"
    status = 409


def require_staff(actor: Any, household: Household) -> None:
    """An editing role over the household's village (and, for a household-scoped user,
    a household it serves): who may disburse and record repayments."""
    require_household(actor, household)
    require_edit(actor, household.village_id)


def household_rated(household_id: int) -> bool:
    """Whether a loan of the household records a credit rating (rules.refusals)."""
    return Loan.objects.filter(household_id=household_id).exclude(credit_rating="").exists()


def validate_terms(data: dict[str, Any]) -> dict[str, Any]:
    """The loan's terms checked and cleaned (text stripped, amounts to the fen), or
    ValidationFailed naming each bad field."""
    errors: dict[str, list[str]] = {}
    out = dict(data)
    for name in ("number", "bank", "purpose"):
        out[name] = str(data.get(name) or "").strip()
        if not out[name]:
            errors.setdefault(name, []).append(_("Required."))
    try:
        out["amount"] = money(data.get("amount"), "amount")
        out["annual_rate"] = money(data.get("annual_rate"), "annual_rate", positive=False)
        out["subsidy_rate"] = money(data.get("subsidy_rate") or 0, "subsidy_rate", positive=False)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    term = data.get("term_months")
    if not isinstance(term, int) or not 1 <= term <= 120:
        errors.setdefault("term_months", []).append(_("A term of 1 to 120 months."))
    subsidy, rate = out.get("subsidy_rate"), out.get("annual_rate")
    if isinstance(subsidy, Decimal) and isinstance(rate, Decimal) and subsidy > rate:
        errors.setdefault("subsidy_rate", []).append(
            _("The subsidy cannot exceed the loan's rate.")
        )
    if data.get("credit_rating", "") not in CreditRating.values:
        errors.setdefault("credit_rating", []).append(_("Unknown credit rating."))
    if not isinstance(data.get("disbursed_on"), dt.date):
        errors.setdefault("disbursed_on", []).append(_("Required."))
    if errors:
        raise ValidationFailed(errors)
    return out


def check_disbursement(
    *,
    household: Household,
    borrower: Member | None,
    terms: dict[str, Any],
    household_rated: bool,
    number_taken: bool,
) -> None:
    """Refuse a loan on valid `terms` (ValidationFailed) when the household or borrower
    may not borrow (`rules.refusals`), else when the contract number is in use
    (anywhere: the reason does not say where). The page's and the import's rule."""
    problems = rules.refusals(
        household=household,
        borrower=borrower,
        on=terms["disbursed_on"],
        credit_rating=terms.get("credit_rating", ""),
        household_rated=household_rated,
    )
    refuse(problems, _("The household may not borrow."))
    if number_taken:
        raise ValidationFailed({"number": [_("A loan with this contract number exists.")]})


def loan_disburse(
    *,
    actor: Any,
    household: Household,
    borrower: Member | None,
    data: dict[str, Any],
    reason: str = "",
) -> Loan:
    """Record a loan disbursed to an eligible household, with its schedule."""
    require_staff(actor, household)
    terms = validate_terms(data)
    on: dt.date = terms["disbursed_on"]
    check_disbursement(
        household=household,
        borrower=borrower,
        terms=terms,
        household_rated=household_rated(household.pk),
        number_taken=Loan.objects.filter(number=terms["number"]).exists(),
    )
    schedule = rules.schedule_rows(terms["amount"], terms["term_months"], terms["annual_rate"], on)
    with transaction.atomic():
        loan = Loan.objects.create(
            household=household,
            member=borrower,
            village_id=household.village_id,
            number=terms["number"],
            bank=terms["bank"],
            amount=terms["amount"],
            term_months=terms["term_months"],
            annual_rate=terms["annual_rate"],
            subsidy_rate=terms["subsidy_rate"],
            credit_rating=terms.get("credit_rating", ""),
            purpose=terms["purpose"],
            disbursed_on=on,
            due_on=schedule[-1][0],
        )
        created(actor, loan, related=household, reason=reason or _("Loan disbursed"))
        for due, principal, interest in schedule:
            row = ScheduleRow.objects.create(
                loan=loan, due_on=due, original_due_on=due, principal=principal, interest=interest
            )
            created(actor, row, area_code=loan.village_id, related=loan)
    return loan


def _lock(loan: Loan) -> Loan:
    return Loan.objects.select_for_update().get(pk=loan.pk)


def _schedule(loan: Loan) -> list[ScheduleRow]:
    return list(ScheduleRow.objects.filter(loan=loan).order_by("original_due_on", "id"))


def approved_extensions(loan: Loan) -> list[tuple[dt.date, dt.date]]:
    """The loan's approved extensions as `rules.due_on` takes them."""
    return [
        (approved, new)
        for approved, new in Extension.objects.filter(
            loan=loan, status=ExtensionStatus.APPROVED
        ).values_list("approved_on", "new_due_on")
        if approved is not None
    ]


def _status_now(loan: Loan, today: dt.date) -> str:
    """The status the loan's rows give on `today` (`rules.loan_status`)."""
    if loan.status == LoanStatus.WRITTEN_OFF:
        return loan.status
    extensions = approved_extensions(loan)
    balance, overdue = rules.loan_state(
        loan, _schedule(loan), list(Repayment.objects.filter(loan=loan)), today, extensions
    )
    extended = Extension.objects.filter(loan=loan, status=ExtensionStatus.APPROVED).exists()
    return rules.loan_status(
        loan.status,
        balance=balance,
        overdue=overdue,
        disbursed=loan.disbursed_on <= today,
        extended=extended,
    )


def _set_status(actor: Any, loan: Loan, status: str, reason: str) -> None:
    if loan.status != status:
        with recording(actor, loan, reason=reason):
            loan.status = status
            loan.save(update_fields=["status"])


def repayment_amounts(principal: Any, interest: Any) -> tuple[Decimal, Decimal]:
    """A repayment's principal and interest to the fen, or ValidationFailed: neither may
    be negative, and one of them must be above zero."""
    principal = money(principal, "principal", positive=False)
    interest = money(interest or 0, "interest", positive=False)
    if principal == 0 and interest == 0:
        raise ValidationFailed({"principal": [_("Enter the principal or the interest repaid.")]})
    return principal, interest


def check_repayment(
    *,
    loan: Loan,
    status: str,
    paid_on: dt.date,
    principal: Decimal,
    repaid: Decimal,
    today: dt.date,
) -> None:
    """Refuse a repayment of `loan` when the loan is closed (LoanClosed; `status`: the
    loan's status before this repayment), or (ValidationFailed) when the day is before
    the disbursement or after `today`, or the principal is more than what is owed after
    `repaid`. The page's and the import's rule."""
    if status not in OPEN_STATUSES:
        raise LoanClosed(_("The loan is %(s)s.") % {"s": LoanStatus(status).label})
    if paid_on < loan.disbursed_on or paid_on > today:
        raise ValidationFailed(
            {"paid_on": [_("A repayment is dated between the disbursement and today.")]}
        )
    if repaid + principal > loan.amount:
        raise ValidationFailed(
            {
                "principal": [
                    _("More than the principal outstanding (%(n)s yuan).")
                    % {"n": loan.amount - repaid}
                ]
            }
        )


def same_repayment_refusal(receipt: str) -> tuple[str, str]:
    """(field, reason) refusing a repayment whose natural key finds one recorded: the
    same receipt number, or without one the same day and amounts."""
    if receipt:
        return "receipt", _("A repayment of this loan with this receipt number is recorded.")
    return "paid_on", _(
        "A repayment of this loan with this date and these amounts is recorded already. "
        "If the borrower paid the same again, give each payment its receipt number."
    )


def repayment_record(
    *,
    actor: Any,
    loan: Loan,
    paid_on: dt.date,
    principal: Any,
    interest: Any = 0,
    note: str = "",
    receipt: str = "",
    today: dt.date | None = None,
) -> Repayment:
    """Record a repayment; the loan's status follows. A repayment with a receipt number
    is told apart by it; one without is refused when the loan has a repayment of that
    day and those amounts (`same_repayment_refusal`)."""
    today = today or timezone.localdate()
    receipt = receipt.strip()
    require_staff(actor, loan.household)
    principal, interest = repayment_amounts(principal, interest)
    with transaction.atomic():
        loan = _lock(loan)
        repaid = sum(
            Repayment.objects.filter(loan=loan).values_list("principal", flat=True), Decimal(0)
        )
        check_repayment(
            loan=loan,
            status=loan.status,
            paid_on=paid_on,
            principal=principal,
            repaid=repaid,
            today=today,
        )
        # The natural key keeps an import idempotent; a repayment the key finds recorded
        # is refused with the reason (and how to tell a second payment apart), not a 500.
        same = Repayment.objects.filter(loan=loan)
        same = (
            same.filter(receipt=receipt)
            if receipt
            else same.filter(paid_on=paid_on, principal=principal, interest=interest)
        )
        refusal = same_repayment_refusal(receipt) if same.exists() else None
        if refusal is not None:
            raise ValidationFailed({refusal[0]: [refusal[1]]})
        payment = Repayment.objects.create(
            loan=loan,
            paid_on=paid_on,
            principal=principal,
            interest=interest,
            receipt=receipt,
            note=note.strip(),
            recorded_by=getattr(actor, "pk", None) and actor,
        )
        created(actor, payment, area_code=loan.village_id, related=loan)
        _set_status(actor, loan, _status_now(loan, today), _("Repayment recorded"))
    return payment


def extension_propose(*, actor: Any, loan: Loan, new_due_on: dt.date, reason: str) -> Extension:
    require_staff(actor, loan.household)
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Give the reason for the extension.")]})
    with transaction.atomic():
        loan = _lock(loan)
        if loan.status not in OPEN_STATUSES:
            raise LoanClosed(_("The loan is %(s)s.") % {"s": loan.get_status_display()})
        if new_due_on <= loan.due_on:
            raise ValidationFailed(
                {"new_due_on": [_("The new due date must be after the current one.")]}
            )
        if loan.extensions.filter(status=ExtensionStatus.PROPOSED).exists():
            raise AlreadyDecided(_("An extension of this loan is already waiting for a decision."))
        ext = Extension.objects.create(
            loan=loan,
            old_due_on=loan.due_on,
            new_due_on=new_due_on,
            reason=reason.strip(),
            proposed_by=actor,
        )
        created(actor, ext, area_code=loan.village_id, related=loan, reason=reason.strip())
    return ext


def extension_decide(
    *,
    actor: Any,
    extension: Extension,
    approve: bool,
    reason: str = "",
    today: dt.date | None = None,
) -> Extension:
    """Approve or refuse a proposed extension (township or county, not the proposer).
    Approved: the loan's unpaid principal instalments fall due on the new date."""
    today = today or timezone.localdate()
    loan = extension.loan
    require_household(actor, loan.household)
    note = authority.require(
        actor, "loan.extend", loan.village_id, authors=[extension.proposed_by_id]
    )
    why = authority.with_note(reason.strip(), note)
    with transaction.atomic():
        loan = _lock(loan)
        ext = Extension.objects.select_for_update().get(pk=extension.pk)
        if ext.status != ExtensionStatus.PROPOSED:
            raise AlreadyDecided(_("This extension was decided already."))
        with recording(actor, ext, area_code=loan.village_id, related=loan, reason=why):
            ext.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
            ext.approved_by = actor
            ext.approved_on = today
            ext.save()
        if approve:
            if loan.status not in OPEN_STATUSES:
                raise LoanClosed(_("The loan is %(s)s.") % {"s": loan.get_status_display()})
            repaid = sum(
                Repayment.objects.filter(loan=loan).values_list("principal", flat=True), Decimal(0)
            )
            covered = Decimal(0)
            for row in _schedule(loan):
                covered += row.principal
                if row.principal > 0 and covered > repaid and row.due_on < ext.new_due_on:
                    with recording(actor, row, area_code=loan.village_id, related=loan, reason=why):
                        row.due_on = ext.new_due_on
                        row.extended_on = today
                        row.save()
            with recording(actor, loan, reason=why or _("Extension approved")):
                loan.due_on = ext.new_due_on
                loan.save(update_fields=["due_on"])
            _set_status(actor, loan, _status_now(loan, today), _("Extension approved"))
    return ext


def loan_write_off(*, actor: Any, loan: Loan, reason: str, today: dt.date | None = None) -> Loan:
    """Write a loan off (核销): the county only; its balance no longer counts."""
    today = today or timezone.localdate()
    require_household(actor, loan.household)
    authority.require(actor, "loan.write_off", loan.village_id)
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Give the reason for the write-off.")]})
    with transaction.atomic():
        loan = _lock(loan)
        if loan.status not in OPEN_STATUSES:
            raise LoanClosed(_("The loan is %(s)s.") % {"s": loan.get_status_display()})
        with recording(actor, loan, reason=reason.strip()):
            loan.status = LoanStatus.WRITTEN_OFF
            loan.written_off_on = today
            loan.save(update_fields=["status", "written_off_on"])
    return loan


# ------------------------------------------------------------------ the daily run


def _loans_where(prefix: str, household_ids: Sequence[int] | None) -> tuple[str, list[Any]]:
    """The loans of an area (their village now), or of the given households."""

    if household_ids is not None:
        marks = ", ".join(["%s"] * len(household_ids)) or "NULL"
        return f"l.household_id IN ({marks})", list(household_ids)
    low, high = code_range(prefix)
    return "l.village_id BETWEEN %s AND %s", [low, high]


def read_states(
    *,
    prefix: str = "",
    open_only: bool = False,
    household_ids: Sequence[int] | None = None,
) -> pl.DataFrame:
    """The loans of an area as `rules.loan_states` takes them, read set-based, with each
    loan's village (`village_code`), status and `warned_on`. `household_ids`: instead of
    the area, the loans of these households (wherever they are now)."""
    where, params = _loans_where(prefix, household_ids)
    if open_only:
        where += " AND l.status IN (%s, %s, %s)"
        params += [str(s) for s in OPEN_STATUSES]
    # `where` is built above from constants only.
    loans = read_frame(
        "SELECT l.id AS loan_id, l.household_id, l.village_id AS village_code, l.status, "  # noqa: S608
        "CAST(l.amount AS TEXT) AS amount, CAST(l.disbursed_on AS TEXT) AS disbursed_on, "
        "CAST(l.written_off_on AS TEXT) AS written_off_on, CAST(l.warned_on AS TEXT) AS warned_on "
        f"FROM microcredit_loan l WHERE {where}",
        params,
        schema={
            "loan_id": pl.Int64,
            "household_id": pl.Int64,
            "village_code": pl.String,
            "status": pl.String,
            "amount": pl.String,
            "disbursed_on": pl.String,
            "written_off_on": pl.String,
            "warned_on": pl.String,
        },
    )
    return loans


# Households per read when the loans of listed households are read.
HOUSEHOLD_BATCH = 5000


def states_on(
    day: dt.date,
    *,
    prefix: str = "",
    open_only: bool = False,
    household_ids: Sequence[int] | None = None,
) -> pl.DataFrame:
    """Every loan of the area (or only the open ones) with its state on `day`:
    loan_id, household_id, village_code, status, warned_on, disbursed, balance, overdue.
    `household_ids`: instead of the area, the loans of these households (e.g. those in
    the area on a past day that have moved out since), read in batches."""
    if household_ids is not None and len(household_ids) > HOUSEHOLD_BATCH:
        ids = list(household_ids)
        return pl.concat(
            [
                states_on(day, open_only=open_only, household_ids=ids[i : i + HOUSEHOLD_BATCH])
                for i in range(0, len(ids), HOUSEHOLD_BATCH)
            ]
        )
    loans = dates(
        read_states(prefix=prefix, open_only=open_only, household_ids=household_ids),
        "disbursed_on",
        "written_off_on",
        "warned_on",
    )
    loans = loans.with_columns(pl.col("amount").cast(pl.Float64))
    where, params = _loans_where(prefix, household_ids)
    # `where` holds placeholders only (see _loans_where).
    schedule = read_frame(
        "SELECT s.loan_id, CAST(s.due_on AS TEXT) AS due_on, "  # noqa: S608
        "CAST(s.original_due_on AS TEXT) AS original_due_on, "
        "CAST(s.extended_on AS TEXT) AS extended_on, CAST(s.principal AS TEXT) AS principal "
        "FROM microcredit_schedulerow s JOIN microcredit_loan l ON l.id = s.loan_id "
        f"WHERE {where} AND s.principal > 0",
        params,
        schema={k: pl.Int64 if k == "loan_id" else pl.String for k in rules.SCHEDULE_SCHEMA},
    )
    schedule = dates(schedule, "due_on", "original_due_on", "extended_on").with_columns(
        pl.col("principal").cast(pl.Float64)
    )
    repayments = read_frame(
        "SELECT r.loan_id, CAST(r.paid_on AS TEXT) AS paid_on, "  # noqa: S608
        "CAST(r.principal AS TEXT) AS principal "
        "FROM microcredit_repayment r JOIN microcredit_loan l ON l.id = r.loan_id "
        f"WHERE {where}",
        params,
        schema={k: pl.Int64 if k == "loan_id" else pl.String for k in rules.REPAYMENT_SCHEMA},
    )
    repayments = dates(repayments, "paid_on").with_columns(pl.col("principal").cast(pl.Float64))
    extensions = read_frame(
        "SELECT e.loan_id, CAST(e.approved_on AS TEXT) AS approved_on, "  # noqa: S608
        "CAST(e.new_due_on AS TEXT) AS new_due_on "
        "FROM microcredit_extension e JOIN microcredit_loan l ON l.id = e.loan_id "
        f"WHERE {where} AND e.status = %s AND e.approved_on IS NOT NULL",
        [*params, str(ExtensionStatus.APPROVED)],
        schema={k: pl.Int64 if k == "loan_id" else pl.String for k in rules.EXTENSION_SCHEMA},
    )
    extensions = dates(extensions, "approved_on", "new_due_on")
    states = rules.loan_states(
        loans.select(list(rules.LOAN_SCHEMA)), schedule, repayments, day, extensions
    )
    return loans.select("loan_id", "village_code", "status", "warned_on").join(
        states, on="loan_id", how="left"
    )


# How the change records of loans read when they are written set-based (as
# `recording(actor, loan)` writes them: the loan's text, its village, no parent).
LOAN_RECORDS = RowRecords(Loan, repr_sql="t.number || ' ' || t.bank", area_sql="t.village_id")


def _lock_open(loan_ids: list[int]) -> pl.DataFrame:
    """Lock the loans among `loan_ids` that are still open, in id order and in batches:
    loan_id, household_id, member_id, number, bank."""
    rows = in_batches(
        sorted(loan_ids),
        lambda ids: (
            Loan.objects.filter(pk__in=ids, status__in=OPEN_STATUSES)
            .select_for_update()
            .order_by("pk")
            .values_list("pk", "household_id", "member_id", "number", "bank")
        ),
    )
    return pl.DataFrame(
        rows,
        schema={
            "loan_id": pl.Int64,
            "household_id": pl.Int64,
            "member_id": pl.Int64,
            "number": pl.String,
            "bank": pl.String,
        },
        orient="row",
    )


def extended_loans(loan_ids: Iterable[int]) -> list[int]:
    """The loans among `loan_ids` with an approved extension."""
    return in_batches(
        loan_ids,
        lambda ids: Extension.objects.filter(
            loan_id__in=ids, status=ExtensionStatus.APPROVED
        ).values_list("loan_id", flat=True),
    )


def mark_overdue(*, day: dt.date | None = None, prefix: str = "") -> tuple[int, int, int]:
    """The daily run: open loans overdue on `day` become overdue (and overdue loans caught
    up become current or extended again), each change recorded; every overdue loan not
    yet warned raises one monitoring warning (channel: department data), once per loan
    (`Loan.warned_on`), one per household naming its loans; a household with a warning
    of that cause open already is warned on a later run. Returns (marked overdue, back to
    current, warnings raised). Set-based: the loans' new states are written with one
    statement (`core.frames.update_frame`) and their change records by the database from
    the rows written (`core.history.BulkRecorder`)."""

    day = day or timezone.localdate()
    # A first read outside the transaction finds the candidates; their states are read
    # again once they are locked, since a repayment or a write-off may land in between
    # (both lock the loan): the stale read must not set a repaid or written-off loan
    # back to overdue, nor a loan just caught up.
    first = states_on(day, prefix=prefix, open_only=True)
    candidates = first.filter(
        (pl.col("overdue") & (pl.col("status") != LoanStatus.OVERDUE))
        | (~pl.col("overdue") & (pl.col("status") == LoanStatus.OVERDUE))
        | (pl.col("overdue") & pl.col("warned_on").is_null())
    )
    now = timezone.now()
    reason = _("Daily overdue check of %(day)s") % {"day": day.isoformat()}
    with transaction.atomic():
        locked = _lock_open(candidates["loan_id"].to_list())
        states = states_on(
            day,
            open_only=True,
            household_ids=locked["household_id"].unique().sort().to_list(),
        ).join(locked.drop("household_id"), on="loan_id", how="inner")
        is_overdue = pl.col("overdue") & (pl.col("status") != LoanStatus.OVERDUE)
        is_back = ~pl.col("overdue") & (pl.col("status") == LoanStatus.OVERDUE)
        to_warn = states.filter(pl.col("overdue") & pl.col("warned_on").is_null())
        # One warning per household naming all its loans overdue and not yet warned.
        # `warnings_raise_system` raises none for a household with a warning of the same
        # cause open already (every loan warning is RiskType.OTHER): those loans are not
        # stamped `warned_on`, so the run warns them once that warning is closed.
        raised_for: set[int] = set()
        if to_warn.height:
            by_household = to_warn.sort("loan_id").group_by("household_id", maintain_order=True)
            raised = warnings_raise_system(
                warnings=[
                    SystemWarning(
                        household_id=h,
                        member_id=members[0],
                        cause=RiskType.OTHER,
                        level=RiskLevel.GENERAL,
                        evidence=" ".join(
                            _("Microcredit loan %(number)s (%(bank)s) overdue on %(day)s.")
                            % {"number": number, "bank": bank, "day": day.isoformat()}
                            for number, bank in zip(numbers, banks, strict=True)
                        ),
                    )
                    for h, members, numbers, banks in by_household.agg(
                        "member_id", "number", "bank"
                    )
                    .sort("household_id")
                    .iter_rows()
                ],
                run=reason,
                today=day,
            )
            raised_for = {h for h, _cause in raised.raised}
        extended = extended_loans(states.filter(is_back)["loan_id"].to_list())
        changed = (
            states.with_columns(
                pl.col("status").alias("status__old"),
                pl.col("warned_on").alias("warned_on__old"),
                status=pl.when(is_overdue)
                .then(pl.lit(LoanStatus.OVERDUE.value))
                .when(is_back & pl.col("loan_id").is_in(extended))
                .then(pl.lit(LoanStatus.EXTENDED.value))
                .when(is_back)
                .then(pl.lit(LoanStatus.CURRENT.value))
                .otherwise(pl.col("status")),
                warned_on=pl.when(
                    pl.col("overdue")
                    & pl.col("warned_on").is_null()
                    & pl.col("household_id").is_in(sorted(raised_for))
                )
                .then(pl.lit(day))
                .otherwise(pl.col("warned_on")),
            )
            .filter(
                (pl.col("status") != pl.col("status__old"))
                | pl.col("warned_on").ne_missing(pl.col("warned_on__old"))
            )
            .rename({"loan_id": "id"})
        )
        update_frame(Loan, changed.select("id", "status", "warned_on"))
        BulkRecorder(actor=None, now=now, reason=reason).updated(
            LOAN_RECORDS,
            changed.select(
                "id",
                changes_expr(changed, ["status", "warned_on"], "__old").alias("changes"),
            ),
        )
    return states.filter(is_overdue).height, states.filter(is_back).height, len(raised_for)
