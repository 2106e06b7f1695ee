"""Code lists of village scoring and performance assessment."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Grade(models.TextChoices):
    """The class a village's score puts it in (村级考评等次). See `rules.classify`."""

    CONSOLIDATED = "consolidated", _("Standard met, consolidate (达标巩固)")
    IMPROVE = "improve", _("Rectify and improve (整改提升)")
    YELLOW = "yellow", _("Yellow-card warning (黄牌警告)")
    KEY = "key", _("Key management (重点管理)")


# Grades that put a village on the yellow-card list (below the yellow-card threshold).
CARDED = (Grade.YELLOW, Grade.KEY)


class SubjectKind(models.TextChoices):
    """What a performance scheme compares (考核对象)."""

    TOWNSHIP = "township", _("Townships")
    UNIT = "unit", _("Units")


class Normalisation(models.TextChoices):
    MINMAX = "minmax", _("Min–max across the compared set")
    RANK = "rank", _("Rank across the compared set")


class IndicatorSource(models.TextChoices):
    """Where a performance indicator's value comes from (one function each, in sources.py)."""

    POVERTY_REDUCED = "poverty_reduced", _("Poverty reduced")
    INCOME_GROWTH = "income_growth", _("Income growth")
    VISIT_COMPLIANCE = "visit_compliance", _("Visit compliance")
    FINDINGS_CLOSED = "findings_closed", _("Findings closed")
    FUNDS_EXECUTED = "funds_executed", _("Funds executed")


# Yearly assessment of paired cadres and resident work teams (帮扶干部和驻村工作队年度考核)


class Assessed(models.TextChoices):
    """Who a yearly assessment scheme assesses."""

    CADRE = "cadre", _("Paired cadres")
    TEAM = "team", _("Resident work teams")


class Rating(models.TextChoices):
    """The class of a yearly assessment (考核等次). See `rules.rate`."""

    EXCELLENT = "excellent", _("Excellent (优秀)")
    COMPETENT = "competent", _("Competent (称职)")
    BASIC = "basic", _("Basically competent (基本称职)")
    INCOMPETENT = "incompetent", _("Incompetent (不称职)")


class ItemSource(models.TextChoices):
    """Where an assessment item's points come from: a rate computed from the data
    (`assessment_sources.py`, the points are that share of the item's maximum) or points
    entered by a county user (manual)."""

    VISITS_ON_TIME = "visits_on_time", _("Visits on time")
    MEASURES_DELIVERED = "measures", _("Measures delivered")
    RISK_ELIMINATED = "risk_eliminated", _("Households' risk eliminated")
    SATISFACTION = "satisfaction", _("Satisfaction in assessment surveys")
    ATTENDANCE = "attendance", _("Attendance in the village (work teams)")
    MANUAL = "manual", _("Entered by the county (manual)")
