"""The project library (项目库): projects with their villages, expected beneficiaries
(households of the registry, linked) and the steps of their lifecycle, each signed by
who did it, when, with what evidence. The rules are in `services.py`; budget lines and
disbursements live in `fupin.funds`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.core.models import EvidenceStep
from fupin.core.scope import RestrictedQuerySet
from fupin.funds.choices import ProjectType  # a project's type is one of the uses of money


class ProjectState(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("project state", "Proposed")
    REVIEWED = "reviewed", pgettext_lazy("project state", "Reviewed")
    APPROVED = "approved", pgettext_lazy("project state", "Approved")
    IN_PROGRESS = "in_progress", pgettext_lazy("project state", "In progress")
    ACCEPTED = "accepted", pgettext_lazy("project state", "Accepted")
    DISCLOSED = "disclosed", pgettext_lazy("project state", "Disclosed")
    REJECTED = "rejected", pgettext_lazy("project state", "Rejected")


class StepAction(models.TextChoices):
    PROPOSE = "propose", _("Proposed")
    REVIEW = "review", _("Reviewed by the township")
    APPROVE = "approve", _("Approved by the county")
    RETURN = "return", _("Returned for revision")
    START = "start", _("Work started")
    ACCEPT = "accept", _("Accepted (验收)")
    DISCLOSE = "disclose", _("Disclosed to the public")
    REJECT = "reject", _("Rejected")


# States in which a project is still being carried out (may be overdue).
OPEN_STATES = (
    ProjectState.PROPOSED,
    ProjectState.REVIEWED,
    ProjectState.APPROVED,
    ProjectState.IN_PROGRESS,
)
# States whose budget counts (a rejected project's lines are released).
LIVE_STATES = (*OPEN_STATES, ProjectState.ACCEPTED, ProjectState.DISCLOSED)


class Project(models.Model):
    """A project of the library. `area` is the smallest division holding all its villages
    (the village itself, their township or the county): scope and per-area rates use it."""

    name = models.CharField(_("project name"), max_length=200)
    type = models.CharField(
        pgettext_lazy("project", "type"), max_length=20, choices=ProjectType.choices
    )
    area = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    villages = models.ManyToManyField(
        "geo.Division", related_name="projects", verbose_name=_("villages")
    )
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    description = models.TextField(_("description"), blank=True)
    responsible_unit = models.CharField(_("responsible unit"), max_length=200)
    budget_requested = models.DecimalField(
        _("budget requested (yuan)"), max_digits=14, decimal_places=2
    )
    starts_on = models.DateField(_("scheduled start"))
    ends_on = models.DateField(_("scheduled end"))
    state = models.CharField(
        pgettext_lazy("project", "state"),
        max_length=20,
        choices=ProjectState.choices,
        default=ProjectState.PROPOSED,
        db_index=True,
    )
    state_changed_at = models.DateTimeField(_("state changed"), default=timezone.now)
    beneficiaries = models.ManyToManyField(
        "registry.Household",
        through="Beneficiary",
        related_name="projects",
        verbose_name=_("expected beneficiary households"),
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "area__code"

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-year", "area_id", "id"]
        indexes = [models.Index(fields=["state", "ends_on"], name="project_state_end_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="project_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(budget_requested__gte=0), name="project_budget_nonneg"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def budget_open(self) -> bool:
        """Whether its budget lines may still change: until it is carried out
        (fupin.funds asks before committing money)."""
        return self.state in OPEN_STATES

    @property
    def payable(self) -> bool:
        """Whether money may be paid to it: in progress or accepted (fupin.funds asks)."""
        return self.state in (ProjectState.IN_PROGRESS, ProjectState.ACCEPTED)


class Beneficiary(models.Model):
    """An expected beneficiary household; the link to the registry is kept (PROTECT)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, verbose_name=_("project"))
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, verbose_name=_("household")
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "project__area__code"

    class Meta:
        verbose_name = _("expected beneficiary")
        verbose_name_plural = _("expected beneficiaries")
        constraints = [
            models.UniqueConstraint(fields=["project", "household"], name="project_one_household")
        ]

    def __str__(self) -> str:
        return f"{self.project_id}/{self.household_id}"


def evidence_path(instance: ProjectStep, filename: str) -> str:
    return f"projects/{instance.project.area_id}/{instance.project_id}/{filename}"


class ProjectStep(EvidenceStep):
    """One lifecycle step done on a project: who, when, evidence, reason (the signature,
    evidence and file are `core.models.EvidenceStep`'s)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="steps", verbose_name=_("project")
    )
    action = models.CharField(_("action"), max_length=20, choices=StepAction.choices)
    from_state = models.CharField(_("from"), max_length=20, choices=ProjectState.choices)
    to_state = models.CharField(_("to"), max_length=20, choices=ProjectState.choices)
    file = models.FileField(_("file"), upload_to=evidence_path, blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "project__area__code"

    class Meta:
        verbose_name = _("project step")
        verbose_name_plural = _("project steps")
        ordering = ["project_id", "done_at", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.from_state}→{self.to_state}"
