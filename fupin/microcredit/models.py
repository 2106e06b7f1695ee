"""Poverty-alleviation microcredit (扶贫小额信贷): loans to registered households, their
repayment schedules, repayments and extensions. Models stay thin: the rules (who may
borrow, when a loan is overdue) are in `rules.py`, the writes in `services.py`."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.core.display import ChoiceLabels
from fupin.core.scope import RestrictedQuerySet
from fupin.programmes.models import LedgerRow


class LoanStatus(models.TextChoices):
    CURRENT = "current", pgettext_lazy("loan status", "Current")
    OVERDUE = "overdue", _("Overdue")
    REPAID = "repaid", _("Repaid")
    EXTENDED = "extended", _("Extended")
    WRITTEN_OFF = "written_off", _("Written off")


# Loans with principal still owed (an extended loan is still owed).
OPEN_STATUSES = (LoanStatus.CURRENT, LoanStatus.OVERDUE, LoanStatus.EXTENDED)


class CreditRating(models.TextChoices):
    """The bank's rating of the household at the loan (评级授信)."""

    AAA = "AAA", "AAA"
    AA = "AA", "AA"
    A = "A", "A"
    NONE = "", _("Not rated")


class Loan(LedgerRow):
    number = models.CharField(_("loan contract number"), max_length=40, unique=True)
    bank = models.CharField(_("lending bank"), max_length=60, db_index=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    annual_rate = models.DecimalField(_("annual rate (%)"), max_digits=5, decimal_places=2)
    subsidy_rate = models.DecimalField(
        _("interest subsidy rate (%)"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    credit_rating = models.CharField(
        _("credit rating"), max_length=3, choices=CreditRating.choices, blank=True
    )
    purpose = models.CharField(_("loan purpose"), max_length=200)
    disbursed_on = models.DateField(_("disbursed on"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        pgettext_lazy("loan", "status"),
        max_length=12,
        choices=LoanStatus.choices,
        default=LoanStatus.CURRENT,
        db_index=True,
    )
    written_off_on = models.DateField(_("written off on"), null=True, blank=True)
    # The day the loan was first found overdue and a monitoring warning raised (once).
    warned_on = models.DateField(_("overdue warning raised on"), null=True, blank=True)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-disbursed_on", "-id"]
        indexes = [models.Index(fields=["village", "disbursed_on"], name="loan_village_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.bank}"


class ScheduleRow(models.Model):
    """One instalment of a loan's repayment schedule. An approved extension moves the
    unpaid instalments: `due_on` is the current date, `original_due_on` the first one,
    `extended_on` the day the extension was approved (as-of reads take the original date
    before it)."""

    loan = models.ForeignKey(
        Loan, on_delete=models.CASCADE, related_name="schedule", verbose_name=_("loan")
    )
    due_on = models.DateField(_("due on"))
    original_due_on = models.DateField(_("originally due on"))
    extended_on = models.DateField(_("extended on"), null=True, blank=True)
    principal = models.DecimalField(_("principal (yuan)"), max_digits=12, decimal_places=2)
    interest = models.DecimalField(_("interest (yuan)"), max_digits=12, decimal_places=2)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "loan__village__code"
    HOUSEHOLD_LOOKUP = "loan__household"

    class Meta:
        verbose_name = _("scheduled instalment")
        verbose_name_plural = _("repayment schedule")
        ordering = ["loan", "original_due_on", "id"]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.due_on}"


class Repayment(models.Model):
    """A repayment of a loan. Its natural key: the receipt number (还款凭证号) when it
    has one, which tells apart two payments of the same loan, day and amounts; without
    one, the loan, day and amounts (a row of a re-imported file equal to a recorded
    repayment is that repayment)."""

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="repayments", verbose_name=_("loan")
    )
    paid_on = models.DateField(_("repaid on"))
    principal = models.DecimalField(_("principal (yuan)"), max_digits=12, decimal_places=2)
    interest = models.DecimalField(
        _("interest (yuan)"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    receipt = models.CharField(_("receipt number"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "loan__village__code"
    HOUSEHOLD_LOOKUP = "loan__household"

    class Meta:
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        ordering = ["loan", "paid_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan", "receipt"],
                condition=~models.Q(receipt=""),
                name="repayment_receipt_key",
            ),
            models.UniqueConstraint(
                fields=["loan", "paid_on", "principal", "interest"],
                condition=models.Q(receipt=""),
                name="repayment_natural_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.paid_on} {self.principal}"


class ExtensionStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("extension", "Proposed")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class Extension(ChoiceLabels, models.Model):
    """A loan's extension (展期): proposed with a new due date and a reason, approved by a
    township or county user who did not propose it."""

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="extensions", verbose_name=_("loan")
    )
    old_due_on = models.DateField(_("due on before"))
    new_due_on = models.DateField(_("new due date"))
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(
        pgettext_lazy("extension", "status"),
        max_length=10,
        choices=ExtensionStatus.choices,
        default=ExtensionStatus.PROPOSED,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    approved_on = models.DateField(_("decided on"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "loan__village__code"
    HOUSEHOLD_LOOKUP = "loan__household"

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["-proposed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.loan_id} → {self.new_due_on}"
