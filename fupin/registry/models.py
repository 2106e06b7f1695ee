"""The registry (建档立卡): households, members, yearly income and assessments,
member changes and the household file (一户一档)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.core.display import ChoiceLabels
from fupin.core.models import EvidenceFile
from fupin.core.scope import RestrictedQuerySet
from fupin.registry import ages
from fupin.registry import choices as c
from fupin.registry import income as income_rule

MONEY: dict[str, Any] = {"max_digits": 12, "decimal_places": 2, "default": Decimal("0")}
AREA_MU: dict[str, Any] = {"max_digits": 10, "decimal_places": 2, "default": Decimal("0")}


class Household(ChoiceLabels, models.Model):
    number = models.CharField(_("household number"), max_length=20, unique=True)
    # Indexed by household_village_idx (village, id), which also serves the area range;
    # a second index on the column alone only slowed bulk imports down.
    village = models.ForeignKey(
        "geo.Division",
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("village"),
        db_index=False,
    )
    group_name = models.CharField(_("group (组)"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    category = models.CharField(
        _("household category"),
        max_length=20,
        choices=c.HouseholdCategory.choices,
        default=c.HouseholdCategory.GENERAL,
    )
    standard = models.CharField(
        _("identification standard"),
        max_length=20,
        choices=c.IdentificationStandard.choices,
        default=c.IdentificationStandard.NATIONAL,
    )
    main_cause = models.CharField(
        _("main poverty cause"), max_length=20, choices=c.PovertyCause.choices
    )
    other_causes = models.JSONField(_("other poverty causes"), default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=c.HouseholdStatus.choices,
        # A household starts as a candidate (待识别); only a case's decisive step changes
        # its status afterwards (registry.services.STATUS_PROCEDURE).
        default=c.HouseholdStatus.CANDIDATE,
        # Indexed by household_status_idx (status, id).
    )
    status_year = models.PositiveSmallIntegerField(
        _("status year"), validators=[MinValueValidator(2013), MaxValueValidator(2100)]
    )
    monitoring_type = models.CharField(
        _("monitoring object type"), max_length=20, choices=c.MonitoringType.choices, blank=True
    )
    # Living conditions.
    housing_safe = models.BooleanField(_("housing safe"), default=True)
    danger_grade = models.CharField(
        _("dangerous-house grade"), max_length=1, choices=c.DangerGrade.choices, blank=True
    )
    renovation_year = models.PositiveSmallIntegerField(
        _("year of house renovation"), null=True, blank=True
    )
    housing_area = models.DecimalField(_("housing area (m²)"), **AREA_MU)
    water_safe = models.BooleanField(_("safe drinking water"), default=True)
    water_difficult = models.BooleanField(_("difficulty getting water"), default=False)
    power_living = models.BooleanField(_("power for living"), default=True)
    power_production = models.BooleanField(_("power for production"), default=True)
    has_tv_radio = models.BooleanField(_("radio and TV"), default=True)
    road_type = models.CharField(
        _("access road"), max_length=10, choices=c.RoadType.choices, blank=True
    )
    distance_to_road_km = models.DecimalField(
        _("distance to the village main road (km)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("0"),
    )
    has_toilet = models.BooleanField(_("sanitary toilet"), default=False)
    fuel_type = models.CharField(
        _("main fuel"), max_length=12, choices=c.FuelType.choices, blank=True
    )
    relocated = models.BooleanField(_("relocation for poverty alleviation"), default=False)
    # Production conditions.
    farmland_mu = models.DecimalField(_("farmland (mu)"), **AREA_MU)
    irrigated_mu = models.DecimalField(_("irrigated farmland (mu)"), **AREA_MU)
    forest_mu = models.DecimalField(_("forest land (mu)"), **AREA_MU)
    returned_farmland_mu = models.DecimalField(_("farmland returned to forest (mu)"), **AREA_MU)
    fruit_mu = models.DecimalField(_("orchard (mu)"), **AREA_MU)
    pasture_mu = models.DecimalField(_("pasture (mu)"), **AREA_MU)
    water_surface_mu = models.DecimalField(_("water surface (mu)"), **AREA_MU)
    in_cooperative = models.BooleanField(_("member of a farmers' cooperative"), default=False)
    led_by_enterprise = models.BooleanField(_("led by a leading enterprise"), default=False)
    # Contact and payment.
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    bank_name = models.CharField(_("bank"), max_length=60, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "village__code"
    HOUSEHOLD_LOOKUP = "pk"  # a paired cadre: its households (core.scope)
    HISTORY_EXCLUDE = ("updated_at",)
    SENSITIVE_FIELDS = ("phone", "bank_account")

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["village", "id"], name="household_village_idx"),
            models.Index(fields=["status", "id"], name="household_status_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def area_code(self) -> str:
        return self.village_id


class MemberQuerySet(RestrictedQuerySet["Member"]):
    def active(self) -> MemberQuerySet:
        return self.filter(is_active=True)


class Member(ChoiceLabels, models.Model):
    # Indexed by member_household_idx (household, is_active).
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("household"),
        db_index=False,
    )
    id_number = models.CharField(_("ID number"), max_length=18, db_index=True)
    name = models.CharField(_("name"), max_length=50, db_index=True)
    sex = models.CharField(_("sex"), max_length=1, choices=c.Sex.choices)
    birth_date = models.DateField(_("birth date"))
    ethnicity = models.CharField(
        _("ethnicity"), max_length=2, choices=c.Ethnicity.choices, default="01"
    )
    relation = models.CharField(_("relation to head"), max_length=20, choices=c.Relation.choices)
    education = models.CharField(
        _("education"), max_length=20, choices=c.Education.choices, blank=True
    )
    school_status = models.CharField(
        _("school status"), max_length=20, choices=c.SchoolStatus.choices, blank=True
    )
    health = models.CharField(
        _("health"), max_length=10, choices=c.Health.choices, default=c.Health.HEALTHY
    )
    disability_grade = models.PositiveSmallIntegerField(
        _("disability grade"), choices=c.DisabilityGrade.choices, null=True, blank=True
    )
    labour = models.CharField(_("labour capacity"), max_length=10, choices=c.LabourCapacity.choices)
    migrant_place = models.CharField(
        _("migrant work place"), max_length=20, choices=c.MigrantPlace.choices, blank=True
    )
    migrant_months = models.PositiveSmallIntegerField(
        _("migrant work months"), default=0, validators=[MaxValueValidator(12)]
    )
    insured_medical = models.BooleanField(_("basic medical insurance"), default=True)
    insured_serious_illness = models.BooleanField(_("serious-illness insurance"), default=True)
    insured_pension = models.BooleanField(_("basic pension insurance"), default=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("in the household"), default=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = MemberQuerySet.as_manager()
    AREA_LOOKUP = "household__village__code"
    HOUSEHOLD_LOOKUP = "household"  # a paired cadre: its households (core.scope)
    HISTORY_EXCLUDE = ("updated_at",)
    SENSITIVE_FIELDS = ("id_number", "phone")

    age: int  # not a column: set by the household page for the day it is shown

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["household_id", "id"]
        constraints = [
            # One person (ID number) belongs to at most one active household.
            models.UniqueConstraint(
                fields=["id_number"],
                condition=models.Q(is_active=True),
                name="member_one_active_household",
            ),
        ]
        indexes = [models.Index(fields=["household", "is_active"], name="member_household_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def area_code(self) -> str:
        return self.household.village_id

    def age_on(self, day: dt.date) -> int:
        return ages.age_on(self.birth_date, day)


class IncomeRecord(models.Model):
    """A household's income and production expenses for one year (收入明白卡).

    net income per person (人均纯收入) = (wages + production and business + property +
    transfers − production expenses) ÷ household size, where the household size is the
    number of people registered for that year.
    """

    # Indexed by the income_one_per_year constraint (household, year).
    household = models.ForeignKey(
        Household,
        on_delete=models.CASCADE,
        related_name="incomes",
        verbose_name=_("household"),
        db_index=False,
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2013), MaxValueValidator(2100)]
    )
    household_size = models.PositiveSmallIntegerField(
        _("household size"), validators=[MinValueValidator(1)]
    )
    wages = models.DecimalField(_("wage income"), **MONEY)
    production = models.DecimalField(_("production and business income"), **MONEY)
    property_income = models.DecimalField(_("property income"), **MONEY)
    subsistence_allowance = models.DecimalField(_("subsistence allowance (低保金)"), **MONEY)
    extreme_poverty_support = models.DecimalField(_("extreme-poverty support"), **MONEY)
    pension = models.DecimalField(_("pension"), **MONEY)
    ecological_compensation = models.DecimalField(_("ecological compensation"), **MONEY)
    family_planning = models.DecimalField(_("family-planning subsidy"), **MONEY)
    other_transfer = models.DecimalField(_("other transfer income"), **MONEY)
    production_expenses = models.DecimalField(_("production expenses"), **MONEY)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "household__village__code"
    HOUSEHOLD_LOOKUP = "household"  # a paired cadre: its households (core.scope)
    HISTORY_EXCLUDE = ("updated_at",)
    # What counts as income: one definition, in fupin.registry.income.
    TRANSFER_FIELDS = income_rule.TRANSFER_FIELDS
    INCOME_FIELDS = income_rule.INCOME_FIELDS

    class Meta:
        verbose_name = _("income record")
        verbose_name_plural = _("income records")
        ordering = ["household_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="income_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}/{self.year}"

    @property
    def transfers(self) -> Decimal:
        return sum((getattr(self, f) for f in self.TRANSFER_FIELDS), Decimal("0"))

    @property
    def total_income(self) -> Decimal:
        return income_rule.total_income(self)

    @property
    def net_income(self) -> Decimal:
        return income_rule.net_income(self)

    @property
    def net_income_per_capita(self) -> Decimal:
        """人均纯收入, rounded to the fen half away from zero (fupin.registry.income)."""
        return income_rule.record_net_per_person(self)


class Assessment(models.Model):
    """The yearly 两不愁三保障 + safe drinking water assessment of a household."""

    # Indexed by the assessment_one_per_year constraint (household, year).
    household = models.ForeignKey(
        Household,
        on_delete=models.CASCADE,
        related_name="assessments",
        verbose_name=_("household"),
        db_index=False,
    )
    year = models.PositiveSmallIntegerField(_("year"))
    food_secure = models.BooleanField(_("no worry about food"))
    clothing_secure = models.BooleanField(_("no worry about clothing"))
    education_secured = models.BooleanField(_("compulsory education guaranteed"))
    medical_secured = models.BooleanField(_("basic medical care guaranteed"))
    housing_secured = models.BooleanField(_("housing safety guaranteed"))
    water_secured = models.BooleanField(_("safe drinking water guaranteed"))
    assessed_on = models.DateField(_("assessed on"))
    assessor = models.CharField(_("assessed by"), max_length=50)
    notes = models.TextField(_("notes"), blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "household__village__code"
    HOUSEHOLD_LOOKUP = "household"  # a paired cadre: its households (core.scope)
    CONDITIONS = (
        "food_secure",
        "clothing_secure",
        "education_secured",
        "medical_secured",
        "housing_secured",
        "water_secured",
    )

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["household_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="assessment_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}/{self.year}"

    @property
    def all_met(self) -> bool:
        return all(getattr(self, f) for f in self.CONDITIONS)

    @property
    def unmet(self) -> list[str]:
        return [f for f in self.CONDITIONS if not getattr(self, f)]


class MemberChange(ChoiceLabels, models.Model):
    """A change in who belongs to a household, with its reason."""

    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="member_changes",
        verbose_name=_("household"),
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="changes", verbose_name=_("member")
    )
    kind = models.CharField(_("change"), max_length=20, choices=c.MemberChangeKind.choices)
    date = models.DateField(_("date"))
    reason = models.TextField(_("reason"), blank=True)
    target_household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("new household"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "household__village__code"
    HOUSEHOLD_LOOKUP = "household"  # a paired cadre: its households (core.scope)

    class Meta:
        verbose_name = _("member change")
        verbose_name_plural = _("member changes")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.date}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"households/{instance.household.village_id}/{instance.household_id}/{filename}"


class Attachment(EvidenceFile):
    """A file in the household's dossier (一户一档): photos, signed scans."""

    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="attachments",
        verbose_name=_("household"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=c.AttachmentKind.choices)
    title = models.CharField(_("title"), max_length=100)
    file = models.FileField(_("file"), upload_to=attachment_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "household__village__code"
    HOUSEHOLD_LOOKUP = "household"  # a paired cadre: its households (core.scope)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.title
