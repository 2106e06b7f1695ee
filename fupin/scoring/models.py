"""Village scoring (村级考评, yellow cards below the threshold) and performance assessment
of townships and units (绩效考核).

A scoring sheet (考评细则) is versioned: once a round uses it, it is frozen, and editing
it creates the next version. A village's score in a round is the sum of its item points
(each item's maximum points are its weight in a 100-point sheet); its class (等次) follows
from the total and the sheet's thresholds (see `rules.classify`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.core.models import EvidenceFileMixin
from fupin.core.scope import RestrictedQuerySet
from fupin.scoring import choices as c

POINTS: dict[str, Any] = {"max_digits": 5, "decimal_places": 1}


class ScoringSheet(models.Model):
    """A scoring sheet (考评细则) of a region, one version of it."""

    region = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    name = models.CharField(_("name"), max_length=100)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2013), MaxValueValidator(2100)]
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_version",
        verbose_name=_("previous version"),
    )
    is_current = models.BooleanField(_("current version"), default=True)
    consolidate_threshold = models.DecimalField(
        _("consolidate threshold (达标巩固 at or above)"), **POINTS, default=Decimal("90")
    )
    yellow_threshold = models.DecimalField(
        _("yellow-card threshold (黄牌 below)"), **POINTS, default=Decimal("80")
    )
    key_threshold = models.DecimalField(
        _("key-management threshold (重点管理 below)"), **POINTS, default=Decimal("60")
    )
    key_consecutive_rounds = models.PositiveSmallIntegerField(
        _("consecutive yellow rounds for key management"),
        default=2,
        validators=[MinValueValidator(2), MaxValueValidator(10)],
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "region__code"
    HISTORY_EXCLUDE = ("created_at",)

    class Meta:
        verbose_name = _("scoring sheet")
        verbose_name_plural = _("scoring sheets")
        ordering = ["region_id", "-year", "name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name", "version"], name="scoring_sheet_one_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def area_code(self) -> str:
        return self.region_id


class ScoringItem(models.Model):
    """One line of a sheet: what is checked, its maximum points, whether evidence is due."""

    sheet = models.ForeignKey(
        ScoringSheet, on_delete=models.CASCADE, related_name="items", verbose_name=_("sheet")
    )
    code = models.CharField(_("code"), max_length=20)
    text = models.CharField(_("item"), max_length=300)
    max_points = models.DecimalField(
        _("maximum points"), **POINTS, validators=[MinValueValidator(Decimal("0.1"))]
    )
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("scoring item")
        verbose_name_plural = _("scoring items")
        ordering = ["sheet_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "code"], name="scoring_item_code_once"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class ScoringRound(models.Model):
    """A round of scoring (一轮考评) of the villages of an area with one sheet."""

    sheet = models.ForeignKey(
        ScoringSheet, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("sheet")
    )
    area = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    name = models.CharField(_("name"), max_length=100)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "area__code"
    HISTORY_EXCLUDE = ("created_at",)

    class Meta:
        verbose_name = _("scoring round")
        verbose_name_plural = _("scoring rounds")
        ordering = ["-period_end", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def area_code(self) -> str:
        return self.area_id


class VillageScore(EvidenceFileMixin, models.Model):
    """A village's score in a round: the total of its item points and the class, with an
    evidence file (its sniffed type, no size)."""

    FILE_FIELD, TYPE_FIELD, SIZE_FIELD = "attachment", "attachment_type", None

    round = models.ForeignKey(
        ScoringRound, on_delete=models.PROTECT, related_name="scores", verbose_name=_("round")
    )
    village = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    total = models.DecimalField(_("total"), **POINTS)
    grade = models.CharField(_("class"), max_length=12, choices=c.Grade.choices)
    scorer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("scorer"),
    )
    scorer_name = models.CharField(_("scored by"), max_length=150, blank=True)
    scored_on = models.DateField(_("scored on"))
    notes = models.TextField(_("notes"), blank=True)
    attachment = models.FileField(_("evidence file"), upload_to="scoring/%Y/", blank=True)
    attachment_type = models.CharField(max_length=100, blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "village__code"

    class Meta:
        verbose_name = _("village score")
        verbose_name_plural = _("village scores")
        ordering = ["round_id", "village_id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "village"], name="scoring_one_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.village_id}/{self.round_id}: {self.total}"

    @property
    def area_code(self) -> str:
        return self.village_id

    @property
    def carded(self) -> bool:
        return self.grade in c.CARDED


class ItemScore(models.Model):
    """The points a village got on one item, with the evidence seen."""

    score = models.ForeignKey(
        VillageScore, on_delete=models.CASCADE, related_name="items", verbose_name=_("score")
    )
    item = models.ForeignKey(
        ScoringItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("item")
    )
    points = models.DecimalField(_("points"), **POINTS)
    evidence = models.TextField(_("evidence"), blank=True)

    class Meta:
        verbose_name = _("item score")
        verbose_name_plural = _("item scores")
        ordering = ["score_id", "item__order", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["score", "item"], name="scoring_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.points}"


class YellowCardQuerySet(RestrictedQuerySet["YellowCard"]):
    def open(self) -> YellowCardQuerySet:
        return self.filter(recovered_round__isnull=True)


class YellowCard(models.Model):
    """A yellow card (黄牌): from the round a village fell below the threshold until a
    later round scores it at or above the threshold again (recovered)."""

    village = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    carded_round = models.ForeignKey(
        ScoringRound, on_delete=models.PROTECT, related_name="+", verbose_name=_("carded in")
    )
    rounds_carded = models.PositiveSmallIntegerField(_("rounds carded"), default=1)
    recovered_round = models.ForeignKey(
        ScoringRound,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recovered in"),
    )

    objects = YellowCardQuerySet.as_manager()
    AREA_LOOKUP = "village__code"

    class Meta:
        verbose_name = _("yellow card")
        verbose_name_plural = _("yellow cards")
        ordering = ["village_id", "carded_round_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "carded_round"], name="scoring_card_once_per_round"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village_id}/{self.carded_round_id}"

    @property
    def is_open(self) -> bool:
        return self.recovered_round_id is None


# Performance assessment -------------------------------------------------------------


class PerformanceScheme(models.Model):
    """A performance assessment scheme (绩效考核方案): the indicators and their weights
    by which a region compares its townships or units."""

    region = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    name = models.CharField(_("name"), max_length=100)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2013), MaxValueValidator(2100)]
    )
    subjects = models.CharField(
        _("compared"), max_length=10, choices=c.SubjectKind.choices, default=c.SubjectKind.TOWNSHIP
    )
    normalisation = models.CharField(
        _("normalisation"),
        max_length=10,
        choices=c.Normalisation.choices,
        default=c.Normalisation.MINMAX,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "region__code"
    HISTORY_EXCLUDE = ("created_at",)

    class Meta:
        verbose_name = _("performance scheme")
        verbose_name_plural = _("performance schemes")
        ordering = ["region_id", "-year", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    @property
    def area_code(self) -> str:
        return self.region_id


class PerformanceIndicator(models.Model):
    """One indicator of a scheme: its source, weight and direction."""

    scheme = models.ForeignKey(
        PerformanceScheme,
        on_delete=models.CASCADE,
        related_name="indicators",
        verbose_name=_("scheme"),
    )
    source = models.CharField(_("indicator"), max_length=20, choices=c.IndicatorSource.choices)
    weight = models.DecimalField(
        _("weight"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("performance indicator")
        verbose_name_plural = _("performance indicators")
        ordering = ["scheme_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "source"], name="scoring_indicator_once"),
        ]

    def __str__(self) -> str:
        return self.get_source_display()


class PerformanceRun(models.Model):
    """One computation of a scheme for a period: the compared set, the indicators with
    their weights and direction, and every value as found, kept so that a published
    ranking can be shown and explained later exactly as it was computed."""

    scheme = models.ForeignKey(
        PerformanceScheme, on_delete=models.CASCADE, related_name="runs", verbose_name=_("scheme")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    normalisation = models.CharField(
        _("normalisation"), max_length=10, choices=c.Normalisation.choices
    )
    indicators = models.JSONField(_("indicators"), default=list)  # [[code, weight, higher]]
    subjects = models.JSONField(_("compared"), default=list)  # [[key, name, area code]]
    values = models.JSONField(_("values"), default=dict)  # {key: {code: "12.34" | None}}
    computed_at = models.DateTimeField(_("computed at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("computed by"),
    )

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "scheme__region__code"

    class Meta:
        verbose_name = _("performance run")
        verbose_name_plural = _("performance runs")
        ordering = ["scheme_id", "-computed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.scheme_id}: {self.period_start}–{self.period_end}"


# Yearly assessment of paired cadres and work teams ------------------------------------


class AssessmentScheme(models.Model):
    """A yearly assessment scheme (年度考核办法) of a region for its paired cadres or its
    resident work teams, one version of it: items out of 100 and the class thresholds.
    A scheme a run used is frozen: editing it creates the next version."""

    region = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    name = models.CharField(_("name"), max_length=100)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2013), MaxValueValidator(2100)]
    )
    subjects = models.CharField(_("assessed"), max_length=8, choices=c.Assessed.choices)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_version",
        verbose_name=_("previous version"),
    )
    is_current = models.BooleanField(_("current version"), default=True)
    excellent_threshold = models.DecimalField(
        _("excellent at or above"), **POINTS, default=Decimal("90")
    )
    competent_threshold = models.DecimalField(
        _("competent at or above"), **POINTS, default=Decimal("75")
    )
    basic_threshold = models.DecimalField(
        _("basically competent at or above"), **POINTS, default=Decimal("60")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "region__code"
    HISTORY_EXCLUDE = ("created_at",)

    class Meta:
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        ordering = ["region_id", "-year", "subjects", "name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name", "version"], name="scoring_assessment_one_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def area_code(self) -> str:
        return self.region_id


class AssessmentItem(models.Model):
    """One item of a scheme: computed from the data (its source's rate × maximum points)
    or entered by the county (manual)."""

    scheme = models.ForeignKey(
        AssessmentScheme, on_delete=models.CASCADE, related_name="items", verbose_name=_("scheme")
    )
    code = models.CharField(_("code"), max_length=20)
    text = models.CharField(_("item"), max_length=300)
    source = models.CharField(_("source"), max_length=20, choices=c.ItemSource.choices)
    max_points = models.DecimalField(
        _("maximum points"), **POINTS, validators=[MinValueValidator(Decimal("0.1"))]
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("assessment item")
        verbose_name_plural = _("assessment items")
        ordering = ["scheme_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="scoring_assessment_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class ManualPoints(models.Model):
    """Points a county user entered on a manual item (群众评议, 组织评价 …) for one cadre or
    team in a region's assessment of a year, by item code (they carry over to a new
    version of the scheme with the same code)."""

    region = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    subjects = models.CharField(_("assessed"), max_length=8, choices=c.Assessed.choices)
    item_code = models.CharField(_("item"), max_length=20)
    subject_key = models.CharField(_("assessed"), max_length=20)  # "cadre:<id>", "team:<id>"
    subject_name = models.CharField(_("name"), max_length=150)
    area_code = models.CharField(_("area"), max_length=12)  # the cadre's or team's division
    points = models.DecimalField(_("points"), **POINTS)
    note = models.CharField(_("note"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(_("entered"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "area_code"
    HISTORY_EXCLUDE = ("entered_at",)

    class Meta:
        verbose_name = _("manual assessment points")
        verbose_name_plural = _("manual assessment points")
        ordering = ["region_id", "year", "subject_key", "item_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "subjects", "item_code", "subject_key"],
                name="scoring_manual_points_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_name} {self.item_code}: {self.points}"


class AssessmentRun(models.Model):
    """One computation of a scheme version over a period: the items and thresholds as
    they were, and a result per cadre or team. Runs are kept: a year's history."""

    scheme = models.ForeignKey(
        AssessmentScheme, on_delete=models.PROTECT, related_name="runs", verbose_name=_("scheme")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    items = models.JSONField(_("items"), default=list)  # [[code, source, max points, text]]
    thresholds = models.JSONField(_("thresholds"), default=list)  # [excellent, competent, basic]
    computed_at = models.DateTimeField(_("computed at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("computed by"),
    )

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "scheme__region__code"

    class Meta:
        verbose_name = _("assessment run")
        verbose_name_plural = _("assessment runs")
        ordering = ["scheme_id", "-computed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.scheme_id}: {self.period_start}–{self.period_end}"


class AssessmentResult(models.Model):
    """A cadre's or team's result in a run: each item's rate and points, the total out of
    100, the class and the rank."""

    run = models.ForeignKey(
        AssessmentRun, on_delete=models.CASCADE, related_name="results", verbose_name=_("run")
    )
    subject_key = models.CharField(_("assessed"), max_length=20)
    subject_name = models.CharField(_("name"), max_length=150)
    detail = models.CharField(_("unit"), max_length=200, blank=True)
    area_code = models.CharField(_("area"), max_length=12)
    rates = models.JSONField(_("rates"), default=dict)  # {code: "87.50" | None}
    points = models.JSONField(_("points"), default=dict)  # {code: "8.8" | None}
    total = models.DecimalField(_("total"), **POINTS, null=True, blank=True)
    rating = models.CharField(_("class"), max_length=12, choices=c.Rating.choices, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    tied = models.BooleanField(default=False)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "area_code"

    class Meta:
        verbose_name = _("assessment result")
        verbose_name_plural = _("assessment results")
        ordering = ["run_id", "rank", "subject_key"]
        indexes = [models.Index(fields=["run", "area_code"], name="scoring_result_area_idx")]

    def __str__(self) -> str:
        return f"{self.subject_name}: {self.total}"
