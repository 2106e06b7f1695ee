"""Third-party-style assessment (第三方评估): a stratified random sample of a county's
households, the survey of each sampled household, and from them the missed-poor rate
(漏评率), wrong-inclusion rate (错评率), wrong-exit rate (错退率) and approval (群众认可度)
with 95% intervals. Models stay thin: drawing lives in `sampling.py`, estimation in
`estimators.py`, writes in `services.py`.

The sampling frame. Registered households are in the registry: "in poverty" are those
with status poor or returned-to-poverty, "exited" those with status exited. Households
that are not registered are not in the registry, so their frame is the village's count:
N = rural households of the village profile (村情) − registered households of the village.
A sampled non-registered household is a roster position k: the surveyor takes the
village's household roster (户籍花名册) in its order, skips the registered households and
surveys the k-th one left, and writes down who that was.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.assessment import sampling as S
from fupin.core.scope import RestrictedQuerySet

RATE: dict[str, Any] = {"max_digits": 5, "decimal_places": 4}


class Stratum(models.TextChoices):
    IN_POVERTY = S.IN_POVERTY, _("Registered, in poverty")
    EXITED = S.EXITED, _("Registered, exited")
    NON_REGISTERED = S.NON_REGISTERED, _("Not registered")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Created, sample not drawn")
    SURVEYING = "surveying", _("Sample drawn, survey under way")
    FINISHED = "finished", _("Finished")


class Assessment(models.Model):
    county = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("county")
    )
    name = models.CharField(pgettext_lazy("assessment", "name"), max_length=100)
    as_of = models.DateField(_("frame as of"))
    # A locked indicators snapshot the assessment refers to, if any (free text: the
    # assessment does not depend on the indicators app).
    snapshot_ref = models.CharField(_("indicators snapshot"), max_length=40, blank=True)
    seed = models.PositiveBigIntegerField(_("random seed"))
    # Households wanted per village in each stratum: {"in_poverty": 3, ...}.
    sizes = models.JSONField(_("households per village and stratum"), default=dict)
    target_missed_poor = models.DecimalField(
        _("target: missed-poor rate below"), default=Decimal("0.02"), **RATE
    )
    target_wrong_inclusion = models.DecimalField(
        _("target: wrong-inclusion rate below"), default=Decimal("0.02"), **RATE
    )
    target_wrong_exit = models.DecimalField(
        _("target: wrong-exit rate below"), default=Decimal("0.02"), **RATE
    )
    target_approval = models.DecimalField(
        _("target: approval at least"), default=Decimal("0.90"), **RATE
    )
    status = models.CharField(
        pgettext_lazy("assessment", "status"),
        max_length=10,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.DRAFT,
        db_index=True,
    )
    drawn_at = models.DateTimeField(_("sample drawn"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
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
    AREA_LOOKUP = "county__code"

    class Meta:
        verbose_name = _("third-party assessment")
        verbose_name_plural = _("third-party assessments")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def area_code(self) -> str:
        return self.county_id


class StratumSize(models.Model):
    """One stratum (village × registration stratum): its frame size N and sample size n,
    stored at the draw so the estimates do not move when the registry changes later."""

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="strata",
        verbose_name=_("third-party assessment"),
    )
    village = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    stratum = models.CharField(_("stratum"), max_length=20, choices=Stratum.choices)
    population = models.PositiveIntegerField(_("households in the frame"))
    sample_size = models.PositiveIntegerField(_("households drawn"))

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "village__code"

    class Meta:
        verbose_name = _("stratum")
        verbose_name_plural = _("strata")
        ordering = ["assessment_id", "village_id", "stratum"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "village", "stratum"], name="assessment_stratum_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.village_id}/{self.stratum}"

    @property
    def area_code(self) -> str:
        return self.village_id


class SampleUnit(models.Model):
    """A sampled household: a registry household, or a roster position of a village's
    non-registered households."""

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="units",
        verbose_name=_("third-party assessment"),
    )
    village = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    stratum = models.CharField(_("stratum"), max_length=20, choices=Stratum.choices)
    household = models.ForeignKey(
        "registry.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("household"),
    )
    # 1-based position among the village's non-registered households on the roster.
    roster_position = models.PositiveIntegerField(_("roster position"), null=True, blank=True)
    # Design weight N_h / n_h: the households of the frame this one stands for.
    weight = models.FloatField(_("weight"))
    order = models.PositiveIntegerField(_("order drawn"))

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "village__code"

    class Meta:
        verbose_name = _("sampled household")
        verbose_name_plural = _("sampled households")
        ordering = ["assessment_id", "village_id", "stratum", "order"]
        indexes = [models.Index(fields=["assessment", "village"], name="assessment_unit_idx")]

    def __str__(self) -> str:
        where = self.household_id if self.household_id else f"#{self.roster_position}"
        return f"{self.village_id}/{self.stratum}/{where}"

    @property
    def area_code(self) -> str:
        return self.village_id


class Contact(models.TextChoices):
    SURVEYED = "surveyed", _("Surveyed")
    NOT_REACHED = "not_reached", _("Not reached (away, refused)")


class SurveyResponse(models.Model):
    """What the surveyor found at a sampled household."""

    unit = models.OneToOneField(
        SampleUnit,
        on_delete=models.CASCADE,
        related_name="response",
        verbose_name=_("sampled household"),
    )
    contact = models.CharField(
        _("contact"), max_length=12, choices=Contact.choices, default=Contact.SURVEYED
    )
    # Name of the head found at a roster position (non-registered households).
    head_name = models.CharField(_("head of household found"), max_length=50, blank=True)
    # Poor by the policy test: income per person below the line, or 两不愁三保障 not met.
    # Asked of households in poverty and of non-registered households.
    is_poor = models.BooleanField(_("poor by the policy test"), null=True, blank=True)
    # Exit correct: income stably above the line and 两不愁三保障 met. Asked of exited ones.
    exit_correct = models.BooleanField(_("exit correct"), null=True, blank=True)
    approves = models.BooleanField(_("approves of the work"), null=True, blank=True)
    surveyor = models.CharField(_("surveyor"), max_length=50)
    surveyed_on = models.DateField(_("surveyed on"))
    notes = models.TextField(_("notes"), blank=True)
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
    AREA_LOOKUP = "unit__village__code"
    HISTORY_EXCLUDE = ("recorded_at",)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.contact}"

    @property
    def area_code(self) -> str:
        return self.unit.village_id
