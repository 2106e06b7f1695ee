"""Health and insurance (健康扶贫): each registered person's cover by year (basic medical
insurance 基本医保, serious-illness insurance 大病保险, commercial supplementary insurance
商业补充保险, poverty-prevention insurance 防贫保) with the premium and the part the
government paid (参保资助), and the reimbursements of medical costs layer by layer
(basic, serious illness, medical assistance 医疗救助, commercial, 防贫保, other top-ups)
with what the patient paid out of pocket.

Models stay thin: the rules (which layer needs which cover, the out-of-pocket amount, the
serious-illness signal) are in `rules.py`, the writes in `services.py`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.programmes.models import LedgerRow, RecordedBy


class CoverKind(models.TextChoices):
    BASIC = "basic", _("Basic medical insurance (基本医保)")
    SERIOUS = "serious", _("Serious-illness insurance (大病保险)")
    COMMERCIAL = "commercial", _("Commercial supplementary insurance (商业补充保险)")
    PREVENTION = "prevention", _("Poverty-prevention insurance (防贫保)")


class Cover(LedgerRow, RecordedBy):
    """One person's cover of one kind for one calendar year."""

    member = models.ForeignKey(
        "registry.Member",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("insured person"),
    )
    year = models.PositiveSmallIntegerField(_("year covered"))
    kind = models.CharField(_("cover"), max_length=12, choices=CoverKind.choices, db_index=True)
    insured_on = models.DateField(_("enrolled on"))
    insurer = models.CharField(_("insurer"), max_length=60, blank=True)
    premium = models.DecimalField(_("premium (yuan)"), max_digits=10, decimal_places=2)
    subsidy = models.DecimalField(
        _("premium paid by the government (yuan)"), max_digits=10, decimal_places=2
    )

    class Meta:
        verbose_name = _("insurance cover")
        verbose_name_plural = _("insurance cover")
        ordering = ["-year", "member_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["member", "kind", "year"], name="cover_natural_key")
        ]
        # The figures read an area's cover of a year; the list pages by keyset: an
        # area's newest (village, date), a county's (date, id).
        indexes = [
            models.Index(fields=["village", "year"], name="cover_village_idx"),
            models.Index(fields=["village", "insured_on"], name="cover_village_day_idx"),
            models.Index(fields=["insured_on", "id"], name="cover_insured_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.year}"


class Reimbursement(LedgerRow, RecordedBy):
    """One settlement of medical costs (结算): the total, what each layer paid, and what
    the patient paid out of pocket (the total less the layers, kept with the row)."""

    member = models.ForeignKey(
        "registry.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("patient")
    )
    number = models.CharField(_("settlement number"), max_length=40, unique=True)
    hospital = models.CharField(_("hospital"), max_length=100)
    admitted_on = models.DateField(_("admitted on"))
    settled_on = models.DateField(_("settled on"))
    diagnosis = models.CharField(_("diagnosis"), max_length=200, blank=True)
    total_cost = models.DecimalField(_("total cost (yuan)"), max_digits=12, decimal_places=2)
    basic_paid = models.DecimalField(
        _("paid by basic medical insurance (yuan)"), max_digits=12, decimal_places=2
    )
    serious_paid = models.DecimalField(
        _("paid by serious-illness insurance (yuan)"), max_digits=12, decimal_places=2
    )
    assistance_paid = models.DecimalField(
        _("paid by medical assistance (yuan)"), max_digits=12, decimal_places=2
    )
    commercial_paid = models.DecimalField(
        _("paid by commercial insurance (yuan)"), max_digits=12, decimal_places=2
    )
    prevention_paid = models.DecimalField(
        _("paid by poverty-prevention insurance (yuan)"), max_digits=12, decimal_places=2
    )
    other_paid = models.DecimalField(_("other top-ups (yuan)"), max_digits=12, decimal_places=2)
    out_of_pocket = models.DecimalField(
        _("paid out of pocket (yuan)"), max_digits=12, decimal_places=2
    )

    class Meta:
        verbose_name = _("reimbursement")
        verbose_name_plural = _("reimbursements")
        ordering = ["-settled_on", "-id"]
        indexes = [
            models.Index(fields=["village", "settled_on"], name="reimb_village_idx"),
            models.Index(fields=["household", "settled_on"], name="reimb_household_idx"),
            models.Index(fields=["settled_on", "id"], name="reimb_settled_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(out_of_pocket__gte=0), name="reimb_out_of_pocket_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.hospital}"

    @property
    def reimbursed(self) -> Decimal:
        """What the layers paid together."""
        return self.total_cost - self.out_of_pocket

    def layers(self) -> list[tuple[Any, Decimal]]:
        """(label, amount) of each layer, in order."""
        fields = {f.name: f for f in self._meta.concrete_fields}
        return [
            (fields[name].verbose_name, getattr(self, name))
            for name in (
                "basic_paid",
                "serious_paid",
                "assistance_paid",
                "commercial_paid",
                "prevention_paid",
                "other_paid",
            )
        ]
