"""Locked data snapshots (数据锁定) and the configurable exit criteria."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.core.scope import RestrictedQuerySet


class Snapshot(models.Model):
    """The registry frozen as of a date into Parquet files under
    VAR_DIR/snapshots/<id>-<as-of>-<random>/, with a manifest holding each file's
    SHA-256. The files are written once and never overwritten; every read checks the
    hashes."""

    area = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    as_of = models.DateField(_("as of"))
    label = models.CharField(_("label"), max_length=100, blank=True)
    directory = models.CharField(_("directory"), max_length=300)
    manifest_sha256 = models.CharField(_("manifest SHA-256"), max_length=64)
    people = models.PositiveIntegerField(_("people"), default=0)
    households = models.PositiveIntegerField(_("households"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_by_name = models.CharField(_("created by"), max_length=150, blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "area__code"

    class Meta:
        verbose_name = _("data snapshot")
        verbose_name_plural = _("data snapshots")
        ordering = ["-as_of", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.area_id} {self.as_of:%Y-%m-%d}"

    @property
    def area_code(self) -> str:
        return self.area_id


PCT: dict[str, Any] = {"max_digits": 5, "decimal_places": 2}

# Village infrastructure and services required for a poor village's exit (the village
# profile's flags): hardened road, safe drinking water, power, broadband, clinic and
# cultural room.
DEFAULT_VILLAGE_CONDITIONS = [
    "has_hardened_road",
    "has_safe_water",
    "has_power",
    "has_broadband",
    "has_clinic",
    "has_cultural_room",
]


def default_village_conditions() -> list[str]:
    return list(DEFAULT_VILLAGE_CONDITIONS)


class ExitCriteria(models.Model):
    """The thresholds of the village and county exit tests for a region (the policy set
    has no place for them). The most specific region wins; without any row the national
    defaults below apply. Changes are recorded in history."""

    region = models.OneToOneField(
        "geo.Division",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("region"),
    )
    village_incidence_max = models.DecimalField(
        _("village poverty incidence under (%)"), default=Decimal("2"), **PCT
    )
    county_incidence_max = models.DecimalField(
        _("county poverty incidence under (%)"), default=Decimal("2"), **PCT
    )
    missed_poor_max = models.DecimalField(
        _("missed-poor rate under (%)"), default=Decimal("2"), **PCT
    )
    wrong_exit_max = models.DecimalField(
        _("wrong-exit rate under (%)"), default=Decimal("2"), **PCT
    )
    approval_min = models.DecimalField(
        _("public approval at least (%)"), default=Decimal("90"), **PCT
    )
    # Village profile conditions a poor village must meet to exit.
    village_conditions = models.JSONField(
        _("village conditions"),
        default=default_village_conditions,
        blank=True,
        help_text=_("Village profile fields that must be true, e.g. has_hardened_road."),
    )
    village_collective_income_min = models.DecimalField(
        _("village collective income at least (yuan/year)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "region__code"
    HISTORY_EXCLUDE = ("updated_at",)

    class Meta:
        verbose_name = _("exit criteria")
        verbose_name_plural = _("exit criteria")

    def __str__(self) -> str:
        return str(self.region_id or _("National"))

    @property
    def area_code(self) -> str:
        return self.region_id or ""


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class ExitCriteriaProposal(models.Model):
    """A proposed change of a region's exit criteria. It takes effect (is written to
    `ExitCriteria`) only when another county user approves it (four eyes); readiness reads
    `ExitCriteria` alone, so only approved criteria count. At most one waits per region."""

    region = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    values = models.JSONField(_("proposed values"), default=dict)
    reason = models.TextField(_("reason"))
    status = models.CharField(
        pgettext_lazy("proposal", "status"),
        max_length=10,
        choices=ProposalStatus.choices,
        default=ProposalStatus.PENDING,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_by_name = models.CharField(_("proposed by"), max_length=150)
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_by_name = models.CharField(_("decided by"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "region__code"

    class Meta:
        verbose_name = _("exit criteria proposal")
        verbose_name_plural = _("exit criteria proposals")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region"],
                condition=models.Q(status="pending"),
                name="exit_criteria_one_pending_proposal",
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_id} #{self.pk}"

    @property
    def area_code(self) -> str:
        return self.region_id
