"""Department data comparison (数据比对): runs, findings on households, and people on a
department roll who are not in the registry.

A `ComparisonRun` records one comparison of one department file. Each match that a rule
turns into a problem becomes a `Finding` on a household (and the member it concerns).
People on the subsistence / extreme-poverty rolls who are not registered at all have no
household: they are listed per run as `UnmatchedPerson` rows, in the area the department
row names (or the run's area when the row names none).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.core.scope import RestrictedQuerySet


class DatasetKind(models.TextChoices):
    VEHICLES = "vehicles", _("Vehicle registrations")
    REAL_ESTATE = "real_estate", _("Real-estate registrations")
    BUSINESS = "business", _("Business registry")
    PUBLIC_EMPLOYEES = "public_employees", _("Public employees")
    DEATHS = "deaths", _("Deaths and cremations")
    MEDICAL_SPENDING = "medical_spending", _("Medical spending")
    SUBSISTENCE_ROLLS = "subsistence_rolls", _("Subsistence and extreme-poverty rolls")
    DISABILITY = "disability", _("Disability certificates")


class Rule(models.TextChoices):
    """What a match means. Codes are stable; labels are translated."""

    EXCL_VEHICLE = "EXCL_VEHICLE", _("Family owns a car")
    EXCL_TOWN_HOUSING = "EXCL_TOWN_HOUSING", _("Family owns commercial housing in town")
    EXCL_PUBLIC_EMPLOYEE = "EXCL_PUBLIC_EMPLOYEE", _("Family member is a public employee")
    EXCL_BUSINESS = "EXCL_BUSINESS", _("Family member has a registered business")
    DEATH_ACTIVE = "DEATH_ACTIVE", _("Deceased person still active in the registry")
    MEDICAL_HIGH = "MEDICAL_HIGH", _("High out-of-pocket medical spending")
    DISABILITY_NEW = "DISABILITY_NEW", _("Disability certificate not reflected in the registry")
    SUBSISTENCE_UNREGISTERED = (
        "SUBSISTENCE_UNREGISTERED",
        _("On a subsistence or extreme-poverty roll but not in the registry"),
    )


EXCLUSION_RULES = {
    Rule.EXCL_VEHICLE,
    Rule.EXCL_TOWN_HOUSING,
    Rule.EXCL_PUBLIC_EMPLOYEE,
    Rule.EXCL_BUSINESS,
}

# The department list whose comparison raises each exclusion rule's findings: a run of
# that list over a household's area that found nothing is the evidence that the rule
# does not apply (fupin.policy.evaluation).
EXCLUSION_DATASET = {
    Rule.EXCL_VEHICLE: DatasetKind.VEHICLES,
    Rule.EXCL_TOWN_HOUSING: DatasetKind.REAL_ESTATE,
    Rule.EXCL_PUBLIC_EMPLOYEE: DatasetKind.PUBLIC_EMPLOYEES,
    Rule.EXCL_BUSINESS: DatasetKind.BUSINESS,
}


class FindingStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("finding status", "Open")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class ComparisonRun(models.Model):
    kind = models.CharField(_("dataset"), max_length=20, choices=DatasetKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("run by"),
    )
    user_name = models.CharField(_("run by"), max_length=150, blank=True)
    # The division compared (12-digit code); "" = the whole registry.
    area_code = models.CharField(_("area"), max_length=12, blank=True, db_index=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    matches = models.PositiveIntegerField(_("matches"), default=0)
    findings_created = models.PositiveIntegerField(_("findings created"), default=0)
    findings_existing = models.PositiveIntegerField(_("findings already known"), default=0)
    unmatched = models.PositiveIntegerField(_("people not in the registry"), default=0)
    options = models.JSONField(_("options"), default=dict, blank=True)
    # The first rejected rows: [{"row", "column", "value", "reason"}].
    errors = models.JSONField(_("rejected rows"), default=list, blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "area_code"
    MAX_STORED_ERRORS = 1000

    class Meta:
        verbose_name = _("comparison run")
        verbose_name_plural = _("comparison runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M} {self.file_name}"


class Finding(models.Model):
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="findings",
        verbose_name=_("household"),
    )
    member = models.ForeignKey(
        "registry.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
        verbose_name=_("member"),
    )
    run = models.ForeignKey(
        ComparisonRun, on_delete=models.PROTECT, related_name="findings", verbose_name=_("run")
    )
    kind = models.CharField(_("dataset"), max_length=20, choices=DatasetKind.choices)
    rule = models.CharField(_("rule"), max_length=30, choices=Rule.choices)
    # What distinguishes two findings of one rule on one member (plate, address, year …).
    key = models.CharField(_("key"), max_length=200, blank=True)
    # sha256(rule|person's ID number, or household|key): one finding per fact, whatever
    # its status (`services.fingerprint`).
    fingerprint = models.CharField(max_length=64, unique=True)
    summary = models.CharField(_("summary"), max_length=300)
    details = models.JSONField(_("department record"), default=dict)
    status = models.CharField(
        pgettext_lazy("finding", "status"),
        max_length=10,
        choices=FindingStatus.choices,
        default=FindingStatus.OPEN,
    )
    reason = models.TextField(_("reason"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "household__village__code"
    HOUSEHOLD_LOOKUP = "household"  # a paired cadre: its households (core.scope)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["household", "status"], name="finding_household_idx"),
            models.Index(fields=["status", "kind", "id"], name="finding_status_kind_idx"),
            models.Index(fields=["run"], name="finding_run_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}: {self.summary}"[:200]

    @property
    def area_code(self) -> str:
        return self.household.village_id


class UnmatchedPerson(models.Model):
    """A person on a department roll (subsistence / extreme poverty) not in the registry."""

    run = models.ForeignKey(
        ComparisonRun,
        on_delete=models.CASCADE,
        related_name="unmatched_people",
        verbose_name=_("run"),
    )
    rule = models.CharField(_("rule"), max_length=30, choices=Rule.choices)
    id_number = models.CharField(_("ID number"), max_length=18)
    name = models.CharField(_("name"), max_length=50, blank=True)
    area_code = models.CharField(_("area"), max_length=12, blank=True)
    summary = models.CharField(_("summary"), max_length=300)
    details = models.JSONField(_("department record"), default=dict)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "area_code"
    SENSITIVE_FIELDS = ("id_number",)

    class Meta:
        verbose_name = _("person not in the registry")
        verbose_name_plural = _("people not in the registry")
        ordering = ["run", "id"]
        indexes = [models.Index(fields=["run", "area_code"], name="unmatched_run_area_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.run_id})"
