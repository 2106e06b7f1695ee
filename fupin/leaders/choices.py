"""Code lists of the leaders' contact system (领导干部联系点制度)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Period(models.TextChoices):
    """The period over which a number of visits is required (calendar periods)."""

    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    HALF = "half", _("Half-year")
    YEAR = "year", _("Year")


class Target(models.IntegerChoices):
    """What a leader is linked to: a township or a village (the division level)."""

    TOWNSHIP = 4, _("Township")
    VILLAGE = 5, _("Village")
