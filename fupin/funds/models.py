"""Funds (扶贫资金): sources, yearly allocations per area, and the two places money moves —
budget lines that commit an allocation to a project, and disbursements against a budget
line. A yuan is spent only through a project.

Balances are kept on the rows (allocation: committed, disbursed, pending; budget line:
disbursed, pending) and changed only by `fupin.funds.services` under
`select_for_update()`; CHECK constraints below are the last line of defence: no
balance can go negative in the database.
Money is Decimal yuan with 2 places, never floats.

A payment over the county's countersign threshold (policy data, see
`fupin.accounts.authority.setting_for`) is recorded as *pending*: its amount is reserved
on the budget line and the allocation at once (`pending`, so no second payment can spend
it), but it is paid (`disbursed`) only when a second county user countersigns it; a
refusal releases the reservation.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.core.scope import RestrictedQuerySet

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


class SourceKind(models.TextChoices):
    """Where the money comes from. Integrated funds (统筹整合使用财政涉农资金) keep their
    channel and use: "渠道不变、用途不变"."""

    CENTRAL = "central", _("Central budget")
    PROVINCIAL = "provincial", _("Provincial budget")
    PREFECTURE = "prefecture", _("Prefecture budget")
    COUNTY = "county", _("County budget")
    INTEGRATED = "integrated", _("Integrated agriculture-related funds")
    CREDIT = "credit", _("Credit")
    DEPARTMENT = "department", _("Department funds")
    DONATION = "donation", _("Social donations")


class FundSource(models.Model):
    """A named fund, e.g. 中央财政专项扶贫资金 (kind: central budget)."""

    kind = models.CharField(_("kind of source"), max_length=20, choices=SourceKind.choices)
    name = models.CharField(_("name"), max_length=100, unique=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("fund source")
        verbose_name_plural = _("fund sources")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Allocation(models.Model):
    """One year's money from one source for one area (county or township), with the uses
    it may go to (project types; empty = any use). `committed` is the sum of the budget
    lines drawn on it, `disbursed` the sum of their disbursements."""

    source = models.ForeignKey(
        FundSource, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("source")
    )
    area = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount allocated (yuan)"), **MONEY)
    allowed_uses = models.JSONField(_("allowed uses"), default=list, blank=True)
    document = models.CharField(_("document number"), max_length=100, blank=True)
    committed = models.DecimalField(_("committed (yuan)"), default=ZERO, **MONEY)
    disbursed = models.DecimalField(_("disbursed (yuan)"), default=ZERO, **MONEY)
    pending = models.DecimalField(_("awaiting countersignature (yuan)"), default=ZERO, **MONEY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "area__code"

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["-year", "area_id", "source__kind", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="funds_alloc_amount_positive"),
            models.CheckConstraint(
                condition=Q(committed__gte=0) & Q(committed__lte=F("amount")),
                name="funds_alloc_committed_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(disbursed__gte=0) & Q(disbursed__lte=F("committed") - F("pending")),
                name="funds_alloc_disbursed_within_committed",
            ),
            models.CheckConstraint(condition=Q(pending__gte=0), name="funds_alloc_pending_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.source} · {self.area}"

    @property
    def balance(self) -> Decimal:
        """Not yet committed to any project."""
        return self.amount - self.committed

    @property
    def undisbursed(self) -> Decimal:
        return self.amount - self.disbursed

    def allows(self, use: str) -> bool:
        return not self.allowed_uses or use in self.allowed_uses


class BudgetLine(models.Model):
    """Part of a project's budget drawn from one allocation (the project's budget by
    source). Committing it reduces the allocation's balance."""

    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        related_name="budget_lines",
        verbose_name=_("project"),
    )
    allocation = models.ForeignKey(
        Allocation,
        on_delete=models.PROTECT,
        related_name="budget_lines",
        verbose_name=_("allocation"),
    )
    amount = models.DecimalField(_("budget (yuan)"), **MONEY)
    disbursed = models.DecimalField(_("disbursed (yuan)"), default=ZERO, **MONEY)
    pending = models.DecimalField(_("awaiting countersignature (yuan)"), default=ZERO, **MONEY)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "project__area__code"

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["project_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "allocation"], name="funds_line_one_per_allocation"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="funds_line_amount_nonneg"),
            models.CheckConstraint(
                condition=Q(disbursed__gte=0) & Q(disbursed__lte=F("amount") - F("pending")),
                name="funds_line_disbursed_within_budget",
            ),
            models.CheckConstraint(condition=Q(pending__gte=0), name="funds_line_pending_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} · {self.allocation_id}: {self.amount}"

    @property
    def remaining(self) -> Decimal:
        """Neither paid nor reserved by a payment awaiting countersignature."""
        return self.amount - self.disbursed - self.pending


class PaymentStatus(models.TextChoices):
    PAID = "paid", _("Paid")
    PENDING = "pending", _("Awaiting countersignature")
    REFUSED = "refused", _("Countersignature refused")


class Disbursement(models.Model):
    """Money paid out (拨付) against a budget line: date, amount, voucher. Over the
    countersign threshold it waits (pending) for a second county user's signature."""

    line = models.ForeignKey(
        BudgetLine,
        on_delete=models.PROTECT,
        related_name="disbursements",
        verbose_name=_("budget line"),
    )
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    voucher = models.CharField(_("voucher number"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    status = models.CharField(
        pgettext_lazy("payment", "status"),
        max_length=10,
        choices=PaymentStatus.choices,
        default=PaymentStatus.PAID,
        db_index=True,
    )
    countersigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("countersigned by"),
    )
    countersigned_by_name = models.CharField(_("countersigned by"), max_length=150, blank=True)
    countersigned_at = models.DateTimeField(_("countersigned"), null=True, blank=True)
    countersign_reason = models.CharField(_("countersignature note"), max_length=300, blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "line__project__area__code"

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="funds_disb_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.paid_on} {self.amount}"
