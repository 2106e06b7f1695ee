"""Return-to-poverty monitoring (防返贫监测): monitoring objects with their risk level and
risk types, warnings from three channels, the measures departments take, and the rule
settings per region and year. Models stay thin: rules live in `services.py`."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.core.display import ChoiceLabels
from fupin.core.scope import RestrictedQuerySet
from fupin.registry.choices import MonitoringType


class RiskLevel(models.TextChoices):
    """Four levels, shown red / orange / yellow / blue."""

    MAJOR = "major", _("Major risk (重大)")
    SERIOUS = "serious", _("Serious risk (较大)")
    GENERAL = "general", _("General risk (一般)")
    LOW = "low", _("Low risk (低)")


LEVEL_RANK: dict[str, int] = {
    RiskLevel.LOW: 1,
    RiskLevel.GENERAL: 2,
    RiskLevel.SERIOUS: 3,
    RiskLevel.MAJOR: 4,
}
LEVEL_COLOUR: dict[str, str] = {
    RiskLevel.MAJOR: "red",
    RiskLevel.SERIOUS: "orange",
    RiskLevel.GENERAL: "yellow",
    RiskLevel.LOW: "blue",
}


def level_above(level: str) -> str:
    """The next level up (major stays major)."""
    rank = min(LEVEL_RANK[level] + 1, 4)
    return next(k for k, v in LEVEL_RANK.items() if v == rank)


class RiskType(models.TextChoices):
    ILLNESS = "illness", _("Illness (因病)")
    DISABILITY = "disability", _("Disability (因残)")
    SCHOOLING = "schooling", _("Schooling costs (因学)")
    DISASTER = "disaster", _("Natural disaster (因灾)")
    ACCIDENT = "accident", _("Accident (因意外事故)")
    BUSINESS_FAILURE = "business_failure", _("Business failure (因产业失败)")
    UNSTABLE_WORK = "unstable_work", _("Unstable employment (因务工就业不稳)")
    LACK_LABOUR = "lack_labour", _("Lack of labour (因缺劳动力)")
    HOUSING = "housing", _("Housing safety (因住房安全)")
    WATER = "water", _("Drinking water safety (因饮水安全)")
    FAMILY_CHANGE = "family_change", _("Change in the family (因家庭变故)")
    OTHER = "other", _("Other risk (其他)")


class Department(models.TextChoices):
    """The departments warnings are routed to. A department user's `unit` holds the code
    (e.g. "health_insurance") or the Chinese name (e.g. "医保局")."""

    HEALTH_INSURANCE = "health_insurance", _("Healthcare security bureau (医保局)")
    DISABLED_FEDERATION = "disabled_federation", _("Disabled persons' federation (残联)")
    EDUCATION = "education", _("Education bureau (教育局)")
    EMERGENCY = "emergency", _("Emergency management bureau (应急管理局)")
    HUMAN_RESOURCES = "human_resources", _("Human resources bureau (人社局)")
    HOUSING = "housing", _("Housing bureau (住建局)")
    WATER = "water", _("Water resources bureau (水利局)")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs bureau (民政局)")


class MonitoringStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed (case running)")
    ACTIVE = "active", _("Under monitoring")
    ENDED = "ended", _("Monitoring ended")


class MonitoringObject(ChoiceLabels, models.Model):
    """A household under (or proposed for) monitoring, with its current risk level."""

    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="monitoring_objects",
        verbose_name=_("household"),
    )
    case = models.OneToOneField(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="monitoring_object",
        verbose_name=_("case"),
    )
    monitoring_type = models.CharField(
        _("monitoring object type"), max_length=20, choices=MonitoringType.choices
    )
    status = models.CharField(
        pgettext_lazy("monitoring", "status"),
        max_length=10,
        choices=MonitoringStatus.choices,
        default=MonitoringStatus.PROPOSED,
        db_index=True,
    )
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    previous_level = models.CharField(
        _("previous risk level"), max_length=10, choices=RiskLevel.choices, blank=True
    )
    level_changed_on = models.DateField(_("risk level changed on"), null=True, blank=True)
    risk_types = models.JSONField(_("risk types"), default=list, blank=True)
    started_on = models.DateField(_("monitored since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "household__village__code"
    HOUSEHOLD_LOOKUP = "household"  # a paired cadre: its households (core.scope)

    class Meta:
        verbose_name = _("monitoring object")
        verbose_name_plural = _("monitoring objects")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.get_risk_level_display()}"

    @property
    def colour(self) -> str:
        return LEVEL_COLOUR.get(self.risk_level, "")

    @property
    def is_rising(self) -> bool:
        return bool(self.previous_level) and LEVEL_RANK.get(self.risk_level, 0) > LEVEL_RANK.get(
            self.previous_level, 0
        )

    def risk_type_labels(self) -> list[str]:
        return [str(RiskType(t).label) for t in self.risk_types if t in RiskType.values]


class Channel(models.TextChoices):
    SELF_REPORT = "self_report", _("Self-report by the household")
    VISIT = "visit", _("Cadre's visit")
    DATA = "data", _("Rule over department data")


class Source(models.TextChoices):
    """Which rule made a data warning."""

    MEDICAL_HIGH = "MEDICAL_HIGH", _("High medical spending (comparison)")
    DISABILITY_NEW = "DISABILITY_NEW", _("New disability (comparison)")
    DEATH_ACTIVE = "DEATH_ACTIVE", _("Death of the main earner (comparison)")
    INCOME_LOW = "INCOME_LOW", _("Income under the monitoring threshold")
    DISASTER_LIST = "DISASTER_LIST", _("Disaster list for an area")


class WarningStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("warning status", "Open")
    ESCALATED = "escalated", _("Escalated")
    ELIMINATED = "eliminated", _("Risk eliminated")


OPEN_STATUSES = (WarningStatus.OPEN, WarningStatus.ESCALATED)


class RiskWarning(ChoiceLabels, models.Model):
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="monitoring_warnings",
        verbose_name=_("household"),
    )
    member = models.ForeignKey(
        "registry.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("member"),
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    source = models.CharField(_("rule"), max_length=20, choices=Source.choices, blank=True)
    public = models.BooleanField(_("sent through the public page"), default=False)
    cause = models.CharField(_("cause"), max_length=20, choices=RiskType.choices)
    evidence = models.TextField(_("evidence"))
    proposed_level = models.CharField(_("proposed level"), max_length=10, choices=RiskLevel.choices)
    level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    department = models.CharField(_("department"), max_length=24, choices=Department.choices)
    deadline = models.DateField(_("response deadline"), db_index=True)
    status = models.CharField(
        pgettext_lazy("warning", "status"),
        max_length=10,
        choices=WarningStatus.choices,
        default=WarningStatus.OPEN,
        db_index=True,
    )
    escalations = models.PositiveSmallIntegerField(_("escalations"), default=0)
    # "household_id:cause" while the warning is open, null once closed: one open warning
    # per household and cause, enforced by the database (the rule scan relies on it).
    open_key = models.CharField(max_length=40, null=True, blank=True, unique=True)
    reporter_name = models.CharField(_("reporter's name"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=20, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)
    review_worked = models.TextField(_("what worked"), blank=True)
    review_not_worked = models.TextField(_("what did not work"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "household__village__code"
    HOUSEHOLD_LOOKUP = "household"  # a paired cadre: its households (core.scope)
    SENSITIVE_FIELDS = ("reporter_phone",)

    class Meta:
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        ordering = ["deadline", "-id"]
        indexes = [models.Index(fields=["status", "deadline"], name="warning_due_idx")]

    def __str__(self) -> str:
        return f"{self.household_id} {RiskType(self.cause).label if self.cause else ''}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue_on(self, day: dt.date) -> bool:
        return self.is_open and self.deadline < day

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())

    @property
    def colour(self) -> str:
        return LEVEL_COLOUR.get(self.level, "")


class Measure(ChoiceLabels, models.Model):
    """What the responsible department did about a warning."""

    warning = models.ForeignKey(
        RiskWarning, on_delete=models.CASCADE, related_name="measures", verbose_name=_("warning")
    )
    department = models.CharField(_("department"), max_length=24, choices=Department.choices)
    description = models.TextField(_("measure"))
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    taken_on = models.DateField(_("date"))
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
    AREA_LOOKUP = "warning__household__village__code"
    HOUSEHOLD_LOOKUP = "warning__household"  # a paired cadre: its households (core.scope)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["taken_on", "id"]

    def __str__(self) -> str:
        return f"{self.warning_id} {self.description[:60]}"


class RuleConfig(models.Model):
    """Monitoring rule settings for a region and year (null region: national default).

    The income threshold itself is the policy set's `monitoring_threshold` (fupin.policy);
    what is specific to warnings lives here, so the policy tables stay untouched."""

    region = models.ForeignKey(
        "geo.Division",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("region"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    response_days = models.PositiveSmallIntegerField(_("response deadline (days)"), default=10)
    escalation_days = models.PositiveSmallIntegerField(
        _("deadline after escalation (days)"), default=5
    )
    income_rule = models.BooleanField(_("warn on income under the threshold"), default=True)
    require_guarantees = models.BooleanField(
        _("risk elimination needs all guarantees met"), default=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("monitoring rule settings")
        verbose_name_plural = _("monitoring rule settings")
        ordering = ["region_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="ruleconfig_region_year"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id or '-'} {self.year}"


# ---------------------------------------------------------------- grading rounds


class GradeColour(models.TextChoices):
    """The four grades of an exited (or monitored) household in a grading round (Loudi's
    red / orange / yellow / blue), most urgent first."""

    RED = "red", _("Red (红)")
    ORANGE = "orange", _("Orange (橙)")
    YELLOW = "yellow", _("Yellow (黄)")
    BLUE = "blue", _("Blue (蓝)")


COLOUR_RANK: dict[str, int] = {
    GradeColour.BLUE: 1,
    GradeColour.YELLOW: 2,
    GradeColour.ORANGE: 3,
    GradeColour.RED: 4,
}


class GradingRules(models.Model):
    """The grading rules of a region (null region: the national default), as data; the
    most specific region's rules win, the code's `grading.DEFAULT_RULES` when none is
    set. Changed only through `grading.rules_set` (recorded)."""

    region = models.OneToOneField(
        "geo.Division",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("region"),
    )
    rules = models.JSONField(_("rules"))
    note = models.TextField(_("note"), blank=True)
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("grading rules")
        verbose_name_plural = _("grading rules")
        ordering = ["region_id"]

    def __str__(self) -> str:
        return f"{self.region_id or '-'}"

    @property
    def area_code(self) -> str:
        return self.region_id or ""


class GradingRound(models.Model):
    """One round of grading every exited (and monitored) household of an area, with a
    copy of the rules it used, who ran it and when. Its grades are `HouseholdGrade`."""

    area = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    name = models.CharField(_("round"), max_length=40)
    as_of = models.DateField(_("as of"))
    rules = models.JSONField(_("rules used"))
    rules_source = models.CharField(_("rules of"), max_length=12, blank=True)
    households = models.PositiveIntegerField(_("households graded"), default=0)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("run by"),
    )
    run_by_name = models.CharField(_("run by"), max_length=150, blank=True)
    run_at = models.DateTimeField(_("run at"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "area__code"

    class Meta:
        verbose_name = _("grading round")
        verbose_name_plural = _("grading rounds")
        ordering = ["-as_of", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="gradinground_area_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.area_id})"

    @property
    def area_code(self) -> str:
        return self.area_id


class HouseholdGrade(ChoiceLabels, models.Model):
    """A household's grade in a round: the colour the rules computed, the reasons (the
    ids of the rules that fired, described by the round's rules copy), the colour of the
    previous round of the area, and the township's adjustment (colour, who, why)."""

    round = models.ForeignKey(
        GradingRound, on_delete=models.CASCADE, related_name="grades", verbose_name=_("round")
    )
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="grades",
        verbose_name=_("household"),
    )
    # The household's village when it was graded (the round's record, not moved later).
    village = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    computed_colour = models.CharField(
        _("computed colour"), max_length=6, choices=GradeColour.choices
    )
    colour = models.CharField(_("colour"), max_length=6, choices=GradeColour.choices)
    previous_colour = models.CharField(
        _("colour in the previous round"), max_length=6, choices=GradeColour.choices, blank=True
    )
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    adjusted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("adjusted by"),
    )
    adjusted_at = models.DateTimeField(_("adjusted"), null=True, blank=True)
    adjustment_reason = models.TextField(_("reason of the adjustment"), blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "village__code"  # the grade's own column (no join: code is the key)
    HOUSEHOLD_LOOKUP = "household"  # a paired cadre: its households (core.scope)

    class Meta:
        verbose_name = _("household grade")
        verbose_name_plural = _("household grades")
        ordering = ["round_id", "village_id", "household_id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "household"], name="grade_round_household"),
        ]
        indexes = [
            models.Index(fields=["round", "village"], name="grade_round_village_idx"),
            models.Index(fields=["household", "round"], name="grade_household_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.household_id} {self.colour}"

    @property
    def adjusted(self) -> bool:
        return self.colour != self.computed_colour

    @property
    def movement(self) -> int:
        """+1 moved up (more urgent) since the previous round, -1 down, 0 same or new."""
        if not self.previous_colour:
            return 0
        a, b = COLOUR_RANK[self.colour], COLOUR_RANK[self.previous_colour]
        return (a > b) - (a < b)
