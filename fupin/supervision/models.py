"""Supervision (督查): units, inspections and their findings with rectification,
escalation per unit (通报 → 约谈 → 问责), responsibility lists (责任清单) and task
lists (任务清单) by year, quarter, month or week.

Every model is scoped by a 12-digit division code (`AREA_LOOKUP`) like the rest of
fupin; writes go through `fupin.supervision.services`, which record them in history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.core.models import EvidenceFile
from fupin.core.scope import RestrictedQuerySet
from fupin.supervision import choices as c
from fupin.supervision.periods import period_end

USER = settings.AUTH_USER_MODEL


class Unit(models.Model):
    """A body that can be inspected and held to account: a township government, a
    village committee, a county department, or another unit. `area_code` is the
    division it belongs to (scope); `division` the township or village it stands for."""

    name = models.CharField(pgettext_lazy("supervision", "name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=c.UnitKind.choices)
    area_code = models.CharField(_("area"), max_length=12, db_index=True)
    division = models.OneToOneField(
        "geo.Division",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_unit",
        verbose_name=_("division it stands for"),
    )
    active = models.BooleanField(pgettext_lazy("supervision", "active"), default=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "area_code"

    class Meta:
        verbose_name = pgettext_lazy("supervision", "unit")
        verbose_name_plural = _("units")
        ordering = ["area_code", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area_code", "name"], name="supervision_unit_name")
        ]

    def __str__(self) -> str:
        return self.name


def _file_path(instance, filename: str) -> str:
    return f"supervision/{instance.area_code_for_files}/{filename}"


class Inspection(models.Model):
    """An inspection (督查): who inspected which area, when, of which kind."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=c.InspectionKind.choices)
    area = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,  # spelt out: django-stubs types the relation from it
        related_name="supervision_inspections",
        verbose_name=_("inspectors"),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "area__code"

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return self.title


class Finding(EvidenceFile):
    """A problem an inspection found against a unit, with a deadline for rectification."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="findings", verbose_name=_("inspection")
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="findings",
        verbose_name=pgettext_lazy("supervision", "unit"),
    )
    description = models.TextField(_("description"))
    category = models.CharField(_("category"), max_length=20, choices=c.FindingCategory.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=c.Severity.choices)
    found_on = models.DateField(_("found on"))
    deadline = models.DateField(_("rectification deadline"))
    status = models.CharField(
        pgettext_lazy("supervision", "status"),
        max_length=10,
        choices=c.FindingStatus.choices,
        default=c.FindingStatus.OPEN,
    )
    # Set when a rectification report is accepted: the day that report was submitted.
    rectified_on = models.DateField(_("rectified on"), null=True, blank=True)
    # Set when the inspector marks the finding failed.
    failed_on = models.DateField(_("failed on"), null=True, blank=True)
    failed_reason = models.TextField(_("why it failed"), blank=True)
    file = models.FileField(_("evidence file"), upload_to=_file_path, blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "unit__area_code"

    class Meta:
        verbose_name = pgettext_lazy("supervision", "finding")
        verbose_name_plural = pgettext_lazy("supervision", "findings")
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["unit", "deadline"], name="supervision_finding_unit")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.description[:40]}"

    @property
    def area_code_for_files(self) -> str:
        return self.unit.area_code

    @property
    def rectified_in_time(self) -> bool:
        return self.rectified_on is not None and self.rectified_on <= self.deadline


class Rectification(EvidenceFile):
    """A unit's rectification report (整改报告) on a finding and its verification."""

    finding = models.ForeignKey(
        Finding,
        on_delete=models.CASCADE,
        related_name="rectifications",
        verbose_name=pgettext_lazy("supervision", "finding"),
    )
    report = models.TextField(_("rectification report"))
    submitted_on = models.DateField(_("submitted on"))
    submitted_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by_name = models.CharField(_("submitted by"), max_length=150)
    file = models.FileField(_("evidence file"), upload_to=_file_path, blank=True)
    verdict = models.CharField(
        _("verification"), max_length=10, choices=c.Verdict.choices, default=c.Verdict.PENDING
    )
    verified_on = models.DateField(_("verified on"), null=True, blank=True)
    verified_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_by_name = models.CharField(_("verified by"), max_length=150, blank=True)
    verify_notes = models.TextField(_("verification notes"), blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "finding__unit__area_code"

    class Meta:
        verbose_name = _("rectification report")
        verbose_name_plural = _("rectification reports")
        ordering = ["finding_id", "submitted_on", "id"]

    def __str__(self) -> str:
        return f"{self.finding_id} · {self.submitted_on:%Y-%m-%d}"

    @property
    def area_code_for_files(self) -> str:
        return self.finding.unit.area_code


class Escalation(models.Model):
    """One step of a unit's escalation ledger: a failure (one finding) and the step it
    earned, being the n-th failure of the unit within the period. Created by
    `services.escalate`; the decision (who, when, document) is recorded afterwards."""

    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="escalations",
        verbose_name=pgettext_lazy("supervision", "unit"),
    )
    finding = models.OneToOneField(
        Finding,
        on_delete=models.PROTECT,
        related_name="escalation",
        verbose_name=pgettext_lazy("supervision", "finding"),
    )
    failure_kind = models.CharField(_("failure"), max_length=10, choices=c.FailureKind.choices)
    failed_on = models.DateField(_("failure date"))
    period_start = models.DateField(pgettext_lazy("supervision", "period start"))
    period_end = models.DateField(pgettext_lazy("supervision", "period end"))
    sequence = models.PositiveSmallIntegerField(_("failure number in the period"))
    step = models.CharField(
        pgettext_lazy("supervision", "step"), max_length=20, choices=c.EscalationStep.choices
    )
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=c.EscalationState.choices,
        default=c.EscalationState.PROPOSED,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_name = models.CharField(
        pgettext_lazy("supervision", "decided by"), max_length=150, blank=True
    )
    document = models.CharField(_("document number"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "unit__area_code"

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = pgettext_lazy("supervision", "escalations")
        ordering = ["unit_id", "period_start", "sequence"]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_step_display()} #{self.sequence}"


class ResponsibilityItem(models.Model):
    """One line of a responsibility list (责任清单): who is accountable for what."""

    level = models.CharField(_("level"), max_length=12, choices=c.Level.choices)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="responsibilities",
        verbose_name=pgettext_lazy("supervision", "unit"),
    )
    person_name = models.CharField(_("responsible person"), max_length=50)
    post = models.CharField(_("post"), max_length=60)
    duty = models.TextField(_("duty"))
    basis = models.CharField(_("basis"), max_length=200, blank=True)
    active = models.BooleanField(pgettext_lazy("supervision", "active"), default=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "unit__area_code"

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibility list")
        ordering = ["level", "unit_id", "id"]

    def __str__(self) -> str:
        return f"{self.unit} · {self.person_name}"


class TaskList(models.Model):
    """A task list (任务清单) for one year, quarter, month or week, issued for an area."""

    title = models.CharField(_("title"), max_length=200)
    area = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    period_kind = models.CharField(_("period"), max_length=10, choices=c.PeriodKind.choices)
    period_start = models.DateField(pgettext_lazy("supervision", "period start"))
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "area__code"

    class Meta:
        verbose_name = _("task list")
        verbose_name_plural = _("task lists")
        ordering = ["-period_start", "period_kind", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def period_end(self):
        return period_end(self.period_kind, self.period_start)


class Task(EvidenceFile):
    """A task of a list, assigned to a unit with a due date, and its completion."""

    task_list = models.ForeignKey(
        TaskList, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("task list")
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=pgettext_lazy("supervision", "unit"),
    )
    title = models.CharField(_("task"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    due_date = models.DateField(_("due date"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    completed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_by_name = models.CharField(_("completed by"), max_length=150, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    file = models.FileField(_("evidence file"), upload_to=_file_path, blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "unit__area_code"

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["unit", "due_date"], name="supervision_task_unit")]

    def __str__(self) -> str:
        return self.title

    @property
    def area_code_for_files(self) -> str:
        return self.unit.area_code

    @property
    def done(self) -> bool:
        return self.completed_on is not None

    @property
    def on_time(self) -> bool:
        return self.completed_on is not None and self.completed_on <= self.due_date
