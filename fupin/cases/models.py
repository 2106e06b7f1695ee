"""Cases (纳入, 退出, 清退, 返贫, 成员变更), the steps done on them, batches, public notices
(公示) with their objections, and appeals. Models stay thin: the rules are in
`services.py` and the procedures in `procedures.py`."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.cases.procedures import AreaKind, CaseKind, Step, area_step_of, step_of
from fupin.core.display import ChoiceLabels
from fupin.core.models import EvidenceStep
from fupin.core.scope import RestrictedQuerySet
from fupin.registry.choices import HouseholdStatus

if TYPE_CHECKING:  # a name of django-stubs only
    from django.utils.functional import _StrOrPromise as StrOrPromise


class CaseStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("case status", "Open")
    IN_PROGRESS = "in_progress", _("In progress")
    PASSED = "passed", _("Passed")
    RETURNED = "returned", pgettext_lazy("case status", "Returned")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")


ACTIVE_STATUSES = (CaseStatus.OPEN, CaseStatus.IN_PROGRESS, CaseStatus.RETURNED)


class StepDecision(models.TextChoices):
    DONE = "done", _("Done")
    APPROVE = "approve", _("Approve")
    RETURN = "return", _("Return to the previous step")
    REJECT = "reject", _("Reject")
    NOTICE_ENDED = "notice_ended", _("Notice period ended")


class CaseBatch(models.Model):
    """Cases opened together, e.g. a village's annual exit list."""

    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices)
    village = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "village__code"

    class Meta:
        verbose_name = _("case batch")
        verbose_name_plural = _("case batches")
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.village_id} {self.year}"


class Case(ChoiceLabels, models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices, db_index=True)
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("household"),
    )
    # The household's village, kept with the case so that an area's cases are found and
    # ordered from the cases' own table (the lists' indexes below) rather than by joining
    # every case to its household: set at opening, moved with the household
    # (`services.follow_households`, through registry.hooks). A copy, not a fact of the
    # case: left out of its history (the household's move is recorded on the household).
    village = models.ForeignKey(
        "geo.Division",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        editable=False,
        verbose_name=_("village"),
    )
    status = models.CharField(
        pgettext_lazy("case", "status"),
        max_length=20,
        choices=CaseStatus.choices,
        default=CaseStatus.OPEN,
        db_index=True,
    )
    # The procedure's step codes, copied at opening; `step_index` points into it.
    steps = models.JSONField(_("steps"), default=list)
    step_index = models.PositiveSmallIntegerField(_("current step"), default=0)
    step_started_on = models.DateField(_("step started"), default=timezone.localdate)
    step_due_on = models.DateField(_("step due"), null=True, blank=True, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    reason = models.TextField(_("reason"), blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    batch = models.ForeignKey(
        CaseBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("batch"),
    )
    # The policy decision when the case was opened (Decision as JSON): a later change of
    # policy does not alter a decided case.
    decision = models.JSONField(_("decision at opening"), null=True, blank=True)
    status_before = models.CharField(_("household status before"), max_length=20, blank=True)
    # The written notice (告知书) to the household: its date, and the appeal deadline.
    written_notice_on = models.DateField(_("written notice date"), null=True, blank=True)
    appeal_until = models.DateField(_("appeal until"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "village__code"
    HOUSEHOLD_LOOKUP = "household"  # a paired cadre: its households (core.scope)
    HISTORY_EXCLUDE = ("village_id",)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["status", "step_due_on"], name="case_due_idx"),
            # The lists' order, newest first (`selectors.case_list`). PostgreSQL takes the
            # one that reads least: a large area reads the newest cases of everywhere until
            # it has its page; a small one reads its own cases by village and sorts them.
            models.Index(fields=["opened_at", "id"], name="case_opened_idx"),
            models.Index(fields=["village", "opened_at"], name="case_village_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def save(self, *args, **kwargs) -> None:
        if self.village_id is None and self.household_id is not None:
            self.village_id = self.household.village_id
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def current_step(self) -> Step | None:
        if not self.is_active or self.step_index >= len(self.steps):
            return None
        return step_of(self.kind, self.steps[self.step_index])

    @property
    def step_list(self) -> list[Step]:
        return [step_of(self.kind, code) for code in self.steps]

    @property
    def status_before_label(self) -> StrOrPromise:
        """The household's status before the case in words (as stored when not a status)."""
        if self.status_before in HouseholdStatus.values:
            return HouseholdStatus(self.status_before).label
        return self.status_before

    @property
    def failed_clauses(self) -> list[dict]:
        return [c for c in (self.decision or {}).get("clauses", []) if c["outcome"] == "not_met"]


def evidence_path(instance: CaseStep, filename: str) -> str:
    h = instance.case.household
    return f"cases/{h.village_id}/{instance.case_id}/{filename}"


class CaseStep(ChoiceLabels, EvidenceStep):
    """One step done on a case (谁调查谁签字): who, when, the evidence, the decision
    (the signature, evidence and file are `core.models.EvidenceStep`'s)."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="records", verbose_name=_("case")
    )
    step = models.CharField(_("step"), max_length=30)
    index = models.PositiveSmallIntegerField()
    decision = models.CharField(_("decision"), max_length=20, choices=StepDecision.choices)
    file = models.FileField(_("file"), upload_to=evidence_path, blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "case__village__code"
    HOUSEHOLD_LOOKUP = "case__household"  # a paired cadre: its households (core.scope)

    class Meta:
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")
        ordering = ["case_id", "done_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.step} {self.decision}"

    @property
    def label(self):
        return step_of(self.case.kind, self.step).label


def new_notice_slug() -> str:
    """The public address of a notice: 128 random bits, so notices cannot be enumerated."""
    return secrets.token_urlsafe(16)


class Notice(models.Model):
    """A public notice (公示) of the cases of one village at the notice step."""

    village = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    cases = models.ManyToManyField(Case, related_name="notices", verbose_name=_("cases"))
    posted_on = models.DateField(_("posted on"))
    days = models.PositiveSmallIntegerField(_("notice period (days)"))
    # The last day of the period; the cases move on from the day after.
    ends_on = models.DateField(_("ends on"), db_index=True)
    phone = models.CharField(_("reporting phone"), max_length=30)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("posted by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # The public page is reached by this, never by the id (fupin.cases.views.notice_public).
    slug = models.CharField(
        _("public link"), max_length=32, unique=True, default=new_notice_slug, editable=False
    )

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "village__code"

    class Meta:
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        ordering = ["-posted_on", "-id"]

    def __str__(self) -> str:
        return f"{self.village_id} {self.posted_on}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("objection status", "Open")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class Objection(ChoiceLabels, models.Model):
    """An objection to a notice (异议): while open it blocks the cases it names."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="objections", verbose_name=_("notice")
    )
    cases = models.ManyToManyField(Case, related_name="objections", verbose_name=_("cases"))
    text = models.TextField(_("objection"))
    reporter = models.CharField(_("reported by"), max_length=100, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=30, blank=True)
    received_on = models.DateField(_("received on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    status = models.CharField(
        pgettext_lazy("objection", "status"),
        max_length=10,
        choices=ObjectionStatus.choices,
        default=ObjectionStatus.OPEN,
    )
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "notice__village__code"
    SENSITIVE_FIELDS = ("reporter_phone",)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return f"{self.notice_id}/{self.pk}"


class AppealStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("appeal status", "Open")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class Appeal(ChoiceLabels, models.Model):
    """A household's appeal (申诉) against a removal or a refused inclusion, reviewed by
    the next level up, with its own deadline and outcome."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("case")
    )
    level = models.CharField(_("reviewed by"), max_length=20)
    filed_on = models.DateField(_("filed on"))
    appellant = models.CharField(_("appellant"), max_length=100)
    grounds = models.TextField(_("grounds"))
    due_on = models.DateField(_("due"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    status = models.CharField(
        pgettext_lazy("appeal", "status"),
        max_length=10,
        choices=AppealStatus.choices,
        default=AppealStatus.OPEN,
    )
    outcome = models.TextField(_("outcome"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "case__village__code"
    HOUSEHOLD_LOOKUP = "case__household"  # a paired cadre: its households (core.scope)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-filed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.pk}"


# ---------------------------------------------------------------- area exits


class AreaCase(ChoiceLabels, models.Model):
    """A poor village's or a poor county's exit case (贫困村退出, 贫困县退出): the steps of
    its procedure (`procedures.AREA_PROCEDURES`), done by the roles and levels they name,
    with the exit checklist recorded when it is checked and again when approved."""

    kind = models.CharField(_("kind"), max_length=20, choices=AreaKind.choices, db_index=True)
    # The village or the county.
    area = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    status = models.CharField(
        pgettext_lazy("case", "status"),
        max_length=20,
        choices=CaseStatus.choices,
        default=CaseStatus.OPEN,
        db_index=True,
    )
    steps = models.JSONField(_("steps"), default=list)
    step_index = models.PositiveSmallIntegerField(_("current step"), default=0)
    step_started_on = models.DateField(_("step started"), default=timezone.localdate)
    step_due_on = models.DateField(_("step due"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    reason = models.TextField(_("reason"), blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The exit checklist as checked (the township's verification, the province's check) and
    # as approved (the last step): {"on", "items": [...], "criteria", "assessment"} as JSON,
    # so a later change of the data or of the criteria does not alter a decided case.
    checklist = models.JSONField(_("checklist when checked"), null=True, blank=True)
    approved_checklist = models.JSONField(_("checklist when approved"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "area__code"

    class Meta:
        verbose_name = _("area exit case")
        verbose_name_plural = _("area exit cases")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["area", "kind"], name="areacase_area_idx")]

    def __str__(self) -> str:
        return str(_("%(kind)s case #%(id)s")) % {"kind": self.get_kind_display(), "id": self.pk}

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def current_step(self) -> Step | None:
        if not self.is_active or self.step_index >= len(self.steps):
            return None
        return area_step_of(self.kind, self.steps[self.step_index])

    @property
    def step_list(self) -> list[Step]:
        return [area_step_of(self.kind, code) for code in self.steps]


def area_evidence_path(instance: AreaCaseStep, filename: str) -> str:
    return f"area-cases/{instance.case.area_id}/{instance.case_id}/{filename}"


class AreaCaseStep(ChoiceLabels, EvidenceStep):
    """One step done on an area exit case: who, when, the evidence, the decision."""

    case = models.ForeignKey(
        AreaCase, on_delete=models.CASCADE, related_name="records", verbose_name=_("case")
    )
    step = models.CharField(_("step"), max_length=30)
    index = models.PositiveSmallIntegerField()
    decision = models.CharField(_("decision"), max_length=20, choices=StepDecision.choices)
    file = models.FileField(_("file"), upload_to=area_evidence_path, blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "case__area__code"

    class Meta:
        verbose_name = _("area case step")
        verbose_name_plural = _("area case steps")
        ordering = ["case_id", "done_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.step} {self.decision}"

    @property
    def label(self) -> Promise:
        return area_step_of(self.case.kind, self.step).label


class AreaNotice(models.Model):
    """The public notice (公示) of an area exit case: the village's at township level, the
    county's by the province. Objections received in its period block the case until
    resolved; the case moves on the day after the period ends
    (`area.services.advance_area_notices`, run with `fupin cases advance-notices`)."""

    case = models.ForeignKey(
        AreaCase, on_delete=models.CASCADE, related_name="notices", verbose_name=_("case")
    )
    posted_on = models.DateField(_("posted on"))
    days = models.PositiveSmallIntegerField(_("notice period (days)"))
    ends_on = models.DateField(_("ends on"), db_index=True)
    phone = models.CharField(_("reporting phone"), max_length=30)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("posted by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "case__area__code"

    class Meta:
        verbose_name = _("area exit notice")
        verbose_name_plural = _("area exit notices")
        ordering = ["-posted_on", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.posted_on}"


class AreaObjection(ChoiceLabels, models.Model):
    """An objection (异议) to an area exit notice: while open it blocks the case."""

    notice = models.ForeignKey(
        AreaNotice, on_delete=models.CASCADE, related_name="objections", verbose_name=_("notice")
    )
    text = models.TextField(_("objection"))
    reporter = models.CharField(_("reported by"), max_length=100, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=30, blank=True)
    received_on = models.DateField(_("received on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    status = models.CharField(
        pgettext_lazy("objection", "status"),
        max_length=10,
        choices=ObjectionStatus.choices,
        default=ObjectionStatus.OPEN,
    )
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "notice__case__area__code"
    SENSITIVE_FIELDS = ("reporter_phone",)

    class Meta:
        verbose_name = _("area exit objection")
        verbose_name_plural = _("area exit objections")
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return f"{self.notice_id}/{self.pk}"
