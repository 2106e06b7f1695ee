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
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts import authority
from fupin.core.errors import AlreadyDecided, DomainError, ValidationFailed
from fupin.core.frames import read_frame
from fupin.core.history import build_change, bulk_record, created, recording, snapshot
from fupin.core.models import ChangeAction
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


def _require_staff(actor: Any, household: Household) -> None:
    require_household(actor, household)
    require_edit(actor, household.village_id)


def household_rated(household_id: int, exclude: int | None = None) -> bool:
    """Whether a loan of the household records a credit rating (rules.refusals)."""
    qs = Loan.objects.filter(household_id=household_id).exclude(credit_rating="")
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


def _validate_terms(data: dict[str, Any]) -> dict[str, Any]:
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


def loan_disburse(
    *,
    actor: Any,
    household: Household,
    borrower: Member | None,
    data: dict[str, Any],
    reason: str = "",
) -> Loan:
    """Record a loan disbursed to an eligible household, with its schedule."""
    _require_staff(actor, household)
    terms = _validate_terms(data)
    on: dt.date = terms["disbursed_on"]
    problems = rules.refusals(
        household=household,
        borrower=borrower,
        on=on,
        credit_rating=terms.get("credit_rating", ""),
        household_rated=household_rated(household.pk),
    )
    refuse(problems, _("The household may not borrow."))
    if Loan.objects.filter(number=terms["number"]).exists():
        raise ValidationFailed({"number": [_("A loan with this contract number exists.")]})
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
    """The status the loan's rows give on `today` (a written-off loan stays so)."""
    if loan.status == LoanStatus.WRITTEN_OFF:
        return loan.status
    balance, overdue = rules.loan_state(
        loan,
        _schedule(loan),
        list(Repayment.objects.filter(loan=loan)),
        today,
        approved_extensions(loan),
    )
    if balance <= 0 and loan.disbursed_on <= today:
        return LoanStatus.REPAID
    if overdue:
        return LoanStatus.OVERDUE
    extended = Extension.objects.filter(loan=loan, status=ExtensionStatus.APPROVED).exists()
    return LoanStatus.EXTENDED if extended else LoanStatus.CURRENT


def _set_status(actor: Any, loan: Loan, status: str, reason: str) -> None:
    if loan.status != status:
        with recording(actor, loan, reason=reason):
            loan.status = status
            loan.save(update_fields=["status"])


def repayment_record(
    *,
    actor: Any,
    loan: Loan,
    paid_on: dt.date,
    principal: Any,
    interest: Any = 0,
    note: str = "",
    today: dt.date | None = None,
) -> Repayment:
    """Record a repayment; the loan's status follows."""
    today = today or timezone.localdate()
    _require_staff(actor, loan.household)
    principal = money(principal, "principal", positive=False)
    interest = money(interest, "interest", positive=False)
    if principal == 0 and interest == 0:
        raise ValidationFailed({"principal": [_("Enter the principal or the interest repaid.")]})
    with transaction.atomic():
        loan = _lock(loan)
        if loan.status not in OPEN_STATUSES:
            raise LoanClosed(_("The loan is %(s)s.") % {"s": loan.get_status_display()})
        if paid_on < loan.disbursed_on or paid_on > today:
            raise ValidationFailed(
                {"paid_on": [_("A repayment is dated between the disbursement and today.")]}
            )
        repaid = sum(
            Repayment.objects.filter(loan=loan).values_list("principal", flat=True), Decimal(0)
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
        # The natural key (loan, day, amounts) keeps an import idempotent; a second
        # repayment equal to a recorded one is refused with the reason, not a 500.
        if Repayment.objects.filter(
            loan=loan, paid_on=paid_on, principal=principal, interest=interest
        ).exists():
            raise ValidationFailed(
                {
                    "paid_on": [
                        _(
                            "A repayment of this loan with this date and these amounts is "
                            "recorded already."
                        )
                    ]
                }
            )
        payment = Repayment.objects.create(
            loan=loan,
            paid_on=paid_on,
            principal=principal,
            interest=interest,
            note=note.strip(),
            recorded_by=getattr(actor, "pk", None) and actor,
        )
        created(actor, payment, area_code=loan.village_id, related=loan)
        _set_status(actor, loan, _status_now(loan, today), _("Repayment recorded"))
    return payment


def extension_propose(*, actor: Any, loan: Loan, new_due_on: dt.date, reason: str) -> Extension:
    _require_staff(actor, loan.household)
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
    day: dt.date,
    *,
    prefix: str = "",
    open_only: bool = False,
    household_ids: Sequence[int] | None = None,
) -> pl.DataFrame:
    """`rules.loan_states` of the loans of an area on `day`, read set-based, with each
    loan's village (`village_code`) and status. `household_ids`: instead of the area,
    the loans of these households (wherever they are now)."""
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
        read_states(day, prefix=prefix, open_only=open_only, household_ids=household_ids),
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


OVERDUE_EVIDENCE = "microcredit"


def mark_overdue(*, day: dt.date | None = None, prefix: str = "") -> tuple[int, int, int]:
    """The daily run: open loans overdue on `day` become overdue (and overdue loans caught
    up become current or extended again), each change recorded; every overdue loan not
    yet warned raises one monitoring warning (channel: department data), once per loan
    (`Loan.warned_on`), one per household naming its loans; a household with a warning
    of that cause open already is warned on a later run. Returns (marked overdue, back to
    current, warnings raised)."""

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
        locked = {
            loan.pk: loan
            for loan in Loan.objects.filter(
                pk__in=candidates["loan_id"].to_list(), status__in=OPEN_STATUSES
            )
            .select_for_update()
            .order_by("pk")
        }
        states = states_on(
            day,
            open_only=True,
            household_ids=sorted({loan.household_id for loan in locked.values()}),
        ).filter(pl.col("loan_id").is_in(list(locked)))
        to_overdue = states.filter(pl.col("overdue") & (pl.col("status") != LoanStatus.OVERDUE))
        back = states.filter(~pl.col("overdue") & (pl.col("status") == LoanStatus.OVERDUE))
        to_warn = states.filter(pl.col("overdue") & pl.col("warned_on").is_null())
        records = []
        overdue_ids = set(to_overdue["loan_id"].to_list())
        back_ids = set(back["loan_id"].to_list())
        extended = set(
            Extension.objects.filter(
                loan_id__in=back_ids, status=ExtensionStatus.APPROVED
            ).values_list("loan_id", flat=True)
        )
        warn_ids = set(to_warn["loan_id"].to_list())
        # One warning per household naming all its loans overdue and not yet warned.
        # `warnings_raise_system` raises none for a household with a warning of the same
        # cause open already (every loan warning is RiskType.OTHER): those loans are not
        # stamped `warned_on`, so the run warns them once that warning is closed.
        by_household: dict[int, list[Loan]] = {}
        for pk in sorted(warn_ids):
            by_household.setdefault(locked[pk].household_id, []).append(locked[pk])
        raised_for: set[int] = set()
        if by_household:
            raised = warnings_raise_system(
                warnings=[
                    SystemWarning(
                        household_id=h,
                        member_id=loans[0].member_id,
                        cause=RiskType.OTHER,
                        level=RiskLevel.GENERAL,
                        evidence=" ".join(
                            _("Microcredit loan %(number)s (%(bank)s) overdue on %(day)s.")
                            % {"number": x.number, "bank": x.bank, "day": day.isoformat()}
                            for x in loans
                        ),
                    )
                    for h, loans in sorted(by_household.items())
                ],
                run=reason,
                today=day,
            )
            raised_for = {h for h, _cause in raised.raised}
        for pk in sorted(overdue_ids | back_ids | warn_ids):
            loan = locked[pk]
            before = snapshot(loan)
            if loan.pk in overdue_ids:
                loan.status = LoanStatus.OVERDUE
            elif loan.pk in back_ids:
                loan.status = LoanStatus.EXTENDED if loan.pk in extended else LoanStatus.CURRENT
            if loan.pk in warn_ids and loan.household_id in raised_for:
                loan.warned_on = day
            if snapshot(loan) == before:
                continue
            loan.save(update_fields=["status", "warned_on"])
            records.append(
                build_change(
                    actor=None,
                    instance=loan,
                    action=ChangeAction.UPDATE,
                    before=before,
                    area_code=loan.village_id,
                    reason=reason,
                    time=now,
                )
            )
        bulk_record(r for r in records if r.changes)
    return to_overdue.height, back.height, len(raised_for)
