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
