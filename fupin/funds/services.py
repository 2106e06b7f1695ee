"""Writes of funds: sources, allocations, budget lines (commitments) and disbursements.

Rules (each enforced here, inside one transaction, and again by CHECK constraints):

- Only users with `manage_funds` write, inside their area (outside: 404; else 403).
- An allocation's committed total never exceeds its amount ("committed ≤ allocated");
  a budget line's disbursed total never exceeds its amount ("disbursed ≤ budget").
  Both are checked with the allocation row, then the budget-line row, locked by
  `select_for_update()` (always in that order, so two writers cannot deadlock); a second
  disbursement that no longer fits is refused with `InsufficientFunds`.
- An allocation keeps its source and its allowed uses: a budget line may draw on it only
  for a project of an allowed type, of the same year, inside the allocation's area.
- Money moves only through a project: disbursements are against a budget line, and only
  while the project is in progress or accepted (final payments after acceptance).
- Recording a payment is "payment.record" in the authority table (fupin.accounts.authority).
  A payment over the county's countersign threshold (`authority.setting_for(area)
  .countersign_above`, policy data) is recorded as pending: its amount is reserved on the
  line and the allocation at once (`pending`, under the same locks and CHECK constraints),
  and it is paid only when another county user countersigns it ("payment.countersign",
  four eyes against the recorder); a refusal releases the reservation.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts import authority
from fupin.accounts.models import User
from fupin.accounts.roles import Capability, has_capability
from fupin.core.errors import AlreadyDecided, DomainError, NotAllowed, OutsideArea, ValidationFailed
from fupin.core.history import created, recording
from fupin.core.models import actor_account, actor_name
from fupin.core.scope import code_in_area, user_covers
from fupin.funds.choices import ProjectType
from fupin.funds.models import (
    ZERO,
    Allocation,
    BudgetLine,
    Disbursement,
    FundSource,
    PaymentStatus,
    SourceKind,
)
from fupin.funds.selectors import FundedProject
from fupin.geo.models import Division, Level

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")


class InsufficientFunds(DomainError):
    code = "insufficient_funds"
    status = 409


class WrongProjectState(DomainError):
    code = "wrong_project_state"
    status = 409


def require_funds(actor: User, area_code: str) -> None:
    """`manage_funds` inside the area: outside the area looks like 'not found'."""
    if not user_covers(actor, area_code):
        raise OutsideArea()
    if not has_capability(actor, Capability.MANAGE_FUNDS):
        raise NotAllowed()


def money(value: object, field: str = "amount", *, positive: bool = True) -> Decimal:
    """A yuan amount with at most 2 decimals (never a float)."""
    if isinstance(value, float):
        raise ValidationFailed({field: [_("Amounts are given as decimals, not floats.")]})
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationFailed({field: [_("Enter an amount in yuan.")]}) from None
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise ValidationFailed({field: [_("Enter an amount in yuan with at most 2 decimals.")]})
    if amount < 0 or (positive and amount == 0) or amount > MAX_AMOUNT:
        raise ValidationFailed({field: [_("Enter an amount greater than zero.")]})
    return amount.quantize(CENT)


def source_create(*, actor: User, kind: str, name: str, note: str = "") -> FundSource:
    if not has_capability(actor, Capability.MANAGE_FUNDS):
        raise NotAllowed()
    name = (name or "").strip()
    errors: dict[str, list[Any]] = {}
    if kind not in SourceKind.values:
        errors["kind"] = [_("Choose a kind of source.")]
    if not name:
        errors["name"] = [_("Give the fund's name.")]
    elif FundSource.objects.filter(name=name).exists():
        errors["name"] = [_("A fund source with this name exists already.")]
    if errors:
        raise ValidationFailed(errors)
    area = actor.area_id or ""
    with transaction.atomic():
        source = FundSource.objects.create(kind=kind, name=name, note=note)
        created(actor, source, area_code=area)
    return source


def allocation_create(
    *,
    actor: User,
    source: FundSource,
    area_code: str,
    year: int,
    amount: object,
    allowed_uses: list[str] | None = None,
    document: str = "",
    reason: str = "",
) -> Allocation:
    """Allocate one year's money from a source to a county or township."""
    area = Division.objects.filter(code=area_code).first()
    if area is None:
        raise ValidationFailed({"area": [_("Choose an area.")]})
    require_funds(actor, area.code)
    errors: dict[str, list[Any]] = {}
    if area.level not in (Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP):
        errors["area"] = [_("Funds are allocated to a county or a township.")]
    if not (2013 <= int(year) <= 2100):
        errors["year"] = [_("Enter a year between 2013 and 2100.")]
    uses = list(dict.fromkeys(allowed_uses or []))
    if any(u not in ProjectType.values for u in uses):
        errors["allowed_uses"] = [_("Choose uses from the list of project types.")]
    if not source.active:
        errors["source"] = [_("This fund source is no longer active.")]
    if errors:
        raise ValidationFailed(errors)
    value = money(amount)
    with transaction.atomic():
        alloc = Allocation.objects.create(
            source=source,
            area=area,
            year=int(year),
            amount=value,
            allowed_uses=uses,
            document=document.strip(),
            created_by=actor_account(actor),
        )
        created(actor, alloc, area_code=area.code, reason=reason)
    return alloc


def allocation_adjust(
    *, actor: User, allocation: Allocation, amount: object, reason: str
) -> Allocation:
    """Change an allocation's amount (e.g. a supplementary or reduced grant); never below
    what is already committed to projects."""
    require_funds(actor, allocation.area_id)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [_("Give the reason.")]})
    value = money(amount)
    with transaction.atomic():
        alloc = Allocation.objects.select_for_update().get(pk=allocation.pk)
        if value < alloc.committed:
            raise InsufficientFunds(
                _(
                    "%(committed)s yuan are already committed to projects; "
                    "the amount cannot be lower."
                )
                % {"committed": alloc.committed}
            )
        with recording(actor, alloc, area_code=alloc.area_id, reason=reason):
            alloc.amount = value
            alloc.save(update_fields=["amount"])
    return alloc


# ---------------------------------------------------------------- budget lines


def budget_line_set(
    *,
    actor: User,
    # A fupin.projects Project: funds cannot import projects, and a Protocol cannot say
    # "a model" (the line's foreign key and its change record take the project itself).
    project: Any,
    allocation: Allocation,
    amount: object,
    reason: str = "",
) -> BudgetLine | None:
    """Set how much of a project's budget comes from an allocation (commit it).

    Zero removes a line that has no disbursement. Returns the line (None if removed).
    """
    require_funds(actor, project.area_id)
    value = money(amount, positive=False)
    with transaction.atomic():
        # Lock order: allocation, then budget line (as in `disburse`).
        alloc = Allocation.objects.select_for_update().get(pk=allocation.pk)
        project = type(project).objects.select_for_update().get(pk=project.pk)
        if not project.budget_open:
            raise WrongProjectState(
                _("The budget of a project in state “%(state)s” cannot be changed.")
                % {"state": project.get_state_display()}
            )
        errors: dict[str, list[Any]] = {}
        if not code_in_area(project.area_id, alloc.area.prefix):
            errors["allocation"] = [_("The allocation is for another area.")]
        elif alloc.year != project.year:
            errors["allocation"] = [_("The allocation is for another year than the project.")]
        elif not alloc.allows(project.type):
            errors["allocation"] = [
                _("This allocation may not be used for projects of type “%(type)s”.")
                % {"type": project.get_type_display()}
            ]
        if errors:
            raise ValidationFailed(errors)
        line = (
            BudgetLine.objects.select_for_update().filter(project=project, allocation=alloc).first()
        )
        old = line.amount if line else ZERO
        if line is not None and value < line.disbursed + line.pending:
            raise InsufficientFunds(
                _("%(disbursed)s yuan have already been paid from this line.")
                % {"disbursed": line.disbursed + line.pending}
            )
        new_committed = alloc.committed - old + value
        if new_committed > alloc.amount:
            raise InsufficientFunds(
                _("Only %(balance)s yuan of this allocation are not yet committed.")
                % {"balance": alloc.amount - alloc.committed + old}
            )
        with recording(actor, alloc, area_code=alloc.area_id, reason=reason):
            alloc.committed = new_committed
            alloc.save(update_fields=["committed"])
        if line is None:
            if value == 0:
                return None
            line = BudgetLine.objects.create(project=project, allocation=alloc, amount=value)
            created(actor, line, area_code=project.area_id, reason=reason, related=project)
            return line
        if value == 0 and line.disbursed == 0 and line.pending == 0:
            with recording(actor, line, area_code=project.area_id, reason=reason, related=project):
                line.delete()
            return None
        with recording(actor, line, area_code=project.area_id, reason=reason, related=project):
            line.amount = value
            line.save(update_fields=["amount"])
        return line


def release_budget(
    *,
    actor: User,
    project: Any,  # a fupin.projects Project (see budget_line_set)
    reason: str,
) -> None:
    """Give back the undisbursed budget of a project that will not go on (rejected).
    Called by the projects service inside its transaction, with the project locked."""
    lines = list(BudgetLine.objects.filter(project=project).order_by("allocation_id"))
    for line in lines:
        alloc = Allocation.objects.select_for_update().get(pk=line.allocation_id)
        line = BudgetLine.objects.select_for_update().get(pk=line.pk)
        freed = line.amount - line.disbursed - line.pending  # a pending payment stays reserved
        if freed == 0:
            continue
        with recording(actor, alloc, area_code=alloc.area_id, reason=reason):
            alloc.committed -= freed
            alloc.save(update_fields=["committed"])
        with recording(actor, line, area_code=project.area_id, reason=reason, related=project):
            line.amount = line.disbursed + line.pending
            line.save(update_fields=["amount"])


# ---------------------------------------------------------------- disbursements


def countersign_threshold(area_code: str) -> Decimal:
    return authority.setting_for(area_code).countersign_above


def needs_countersign(amount: Decimal, area_code: str) -> bool:
    return amount > countersign_threshold(area_code)


def may_record(user: User, project: FundedProject) -> bool:
    return authority.may(user, "payment.record", project.area_id)


def disburse(
    *,
    actor: User,
    line: BudgetLine,
    amount: object,
    paid_on: dt.date,
    voucher: str = "",
    note: str = "",
) -> Disbursement:
    """Pay out against a budget line. Refused (InsufficientFunds) when the line's budget
    would be exceeded — also when another disbursement got there first: both lock the
    allocation and the line before they read the balance. Over the countersign threshold
    the payment is recorded as pending (reserved, not yet paid)."""
    project = line.project
    authority.require(actor, "payment.record", project.area_id)
    value = money(amount)
    if not isinstance(paid_on, dt.date):
        raise ValidationFailed({"paid_on": [_("Enter the date of payment.")]})
    pending = needs_countersign(value, project.area_id)
    with transaction.atomic():
        alloc = Allocation.objects.select_for_update().get(pk=line.allocation_id)
        line = BudgetLine.objects.select_for_update().get(pk=line.pk)
        project = line.project
        if not project.payable:
            raise WrongProjectState(
                _("Money is paid only to projects in progress or accepted (now: “%(state)s”).")
                % {"state": project.get_state_display()}
            )
        if paid_on < project.starts_on - dt.timedelta(days=366):
            raise ValidationFailed({"paid_on": [_("The date is long before the project.")]})
        if line.disbursed + line.pending + value > line.amount:
            raise InsufficientFunds(
                _("Only %(remaining)s yuan of this budget line remain to be paid.")
                % {"remaining": line.remaining}
            )
        d = Disbursement.objects.create(
            line=line,
            paid_on=paid_on,
            amount=value,
            voucher=voucher.strip(),
            note=note.strip(),
            recorded_by=actor_account(actor),
            status=PaymentStatus.PENDING if pending else PaymentStatus.PAID,
        )
        created(actor, d, area_code=project.area_id, reason=note, related=project)
        column = "pending" if pending else "disbursed"
        with recording(actor, line, area_code=project.area_id, reason=note, related=project):
            setattr(line, column, getattr(line, column) + value)
            line.save(update_fields=[column])
        with recording(actor, alloc, area_code=alloc.area_id, reason=note):
            setattr(alloc, column, getattr(alloc, column) + value)
            alloc.save(update_fields=[column])
    return d


def _recorder(disbursement: Disbursement) -> list[Any]:
    return [disbursement.recorded_by_id] if disbursement.recorded_by_id else []


def may_countersign(user: User, disbursement: Disbursement, area_code: str) -> bool:
    return disbursement.status == PaymentStatus.PENDING and authority.may(
        user, "payment.countersign", area_code, authors=_recorder(disbursement)
    )


def payment_countersign(
    *, actor: User, disbursement: Disbursement, approve: bool, reason: str = ""
) -> Disbursement:
    """A second county user countersigns a pending payment (it is paid) or refuses it
    (the reservation is released; the reason is required). The recorder may not."""
    line = BudgetLine.objects.get(pk=disbursement.line_id)
    project = line.project
    reason = (reason or "").strip()
    note = authority.require(
        actor, "payment.countersign", project.area_id, authors=_recorder(disbursement)
    )
    if not approve and not reason:
        raise ValidationFailed({"reason": [_("Say why the payment is refused.")]})
    reason = authority.with_note(reason, note)
    with transaction.atomic():
        # Lock order as in `disburse`: allocation, budget line, then the payment.
        alloc = Allocation.objects.select_for_update().get(pk=line.allocation_id)
        line = BudgetLine.objects.select_for_update().get(pk=line.pk)
        d = Disbursement.objects.select_for_update().get(pk=disbursement.pk)
        if d.status != PaymentStatus.PENDING:
            raise AlreadyDecided(_("This payment is not awaiting a countersignature."))
        with recording(actor, d, area_code=project.area_id, reason=reason, related=project):
            d.status = PaymentStatus.PAID if approve else PaymentStatus.REFUSED
            d.countersigned_by = actor_account(actor)
            d.countersigned_by_name = actor_name(actor)
            d.countersigned_at = timezone.now()
            d.countersign_reason = reason[:300]
            d.save()
        for row, area in ((line, project.area_id), (alloc, alloc.area_id)):
            related = project if row is line else None
            with recording(actor, row, area_code=area, reason=reason, related=related):
                row.pending -= d.amount
                fields = ["pending"]
                if approve:
                    row.disbursed += d.amount
                    fields.append("disbursed")
                row.save(update_fields=fields)
    disbursement.refresh_from_db()
    return d
