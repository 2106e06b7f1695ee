"""The administrative division tree and village profiles."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.core.scope import RestrictedQuerySet


class Level(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    PREFECTURE = 2, _("Prefecture")
    COUNTY = 3, _("County")
    TOWNSHIP = 4, _("Township")
    VILLAGE = 5, _("Village")


# Significant digits of a 12-digit statistical division code at each level.
PREFIX_LENGTH: dict[int, int] = {
    Level.PROVINCE: 2,
    Level.PREFECTURE: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}


class Division(models.Model):
    """A node of province → prefecture → county → township → village (统计用区划代码)."""

    code = models.CharField(_("division code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "code"
    CADRE_VISIBLE = True  # a paired cadre reads its village's rows (core.scope)

    # Not columns: set by registry.queries.division_tree on the children it lists.
    household_count: int
    member_count: int

    class Meta:
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[self.level]]

    @property
    def is_village(self) -> bool:
        return self.level == Level.VILLAGE


class VillageProfile(models.Model):
    """A village's profile (村情): poor-village status, population, income, infrastructure.

    The rural registered population is the denominator of poverty incidence.
    """

    village = models.OneToOneField(
        Division,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("village"),
    )
    is_poor_village = models.BooleanField(_("poor village (贫困村)"), default=False)
    exit_year = models.PositiveSmallIntegerField(_("year exited"), null=True, blank=True)
    rural_population = models.PositiveIntegerField(_("rural registered population"), default=0)
    rural_households = models.PositiveIntegerField(_("rural registered households"), default=0)
    collective_income = models.DecimalField(
        _("collective income (yuan/year)"), max_digits=12, decimal_places=2, default=0
    )
    has_hardened_road = models.BooleanField(_("hardened road"), default=False)
    has_bus = models.BooleanField(_("bus service"), default=False)
    has_safe_water = models.BooleanField(_("safe drinking water"), default=False)
    has_power = models.BooleanField(_("power grid"), default=False)
    has_broadband = models.BooleanField(_("broadband"), default=False)
    has_clinic = models.BooleanField(_("clinic"), default=False)
    has_cultural_room = models.BooleanField(_("cultural room"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "village__code"
    CADRE_VISIBLE = True  # a paired cadre reads its village's rows (core.scope)
    HISTORY_EXCLUDE = ("updated_at",)

    class Meta:
        verbose_name = _("village profile")
        verbose_name_plural = _("village profiles")

    def __str__(self) -> str:
        return str(self.village)


class PoorCountyKind(models.TextChoices):
    """Why a county is a poor county (贫困县): a national key county for poverty
    alleviation (国家扶贫开发工作重点县), a county of a contiguous destitute area
    (集中连片特困地区县, 片区县), or both."""

    KEY = "key", _("National key county (重点县)")
    AREA = "area", _("Contiguous destitute area county (片区县)")
    BOTH = "both", _("Key county and area county")


class CountyProfile(models.Model):
    """A county's poor-county status (贫困县) and the year it exited (摘帽). The status is
    designated from the national lists; the year of exit is written only by the county
    exit procedure (`fupin.cases.area.services`), when the province approves."""

    county = models.OneToOneField(
        Division,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="county_profile",
        verbose_name=_("county"),
    )
    poor_county = models.CharField(
        _("poor county (贫困县)"), max_length=10, choices=PoorCountyKind.choices, blank=True
    )
    exit_year = models.PositiveSmallIntegerField(_("year exited"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "county__code"
    HISTORY_EXCLUDE = ("updated_at",)

    class Meta:
        verbose_name = _("county profile")
        verbose_name_plural = _("county profiles")

    def __str__(self) -> str:
        return str(self.county)

    @property
    def is_poor_county(self) -> bool:
        return bool(self.poor_county)
