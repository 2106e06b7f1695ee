"""What money may be used for. An allocation names its allowed uses from this list and a
project's type is one of them (fupin.projects imports it; funds never imports projects)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProjectType(models.TextChoices):
    INDUSTRY = "industry", _("Industry")
    ROAD = "road", _("Infrastructure: road")
    WATER = "water", _("Infrastructure: water")
    POWER = "power", _("Infrastructure: power")
    BROADBAND = "broadband", _("Infrastructure: broadband")
    HOUSING = "housing", _("Housing")
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Health")
    EMPLOYMENT = "employment", _("Employment")
    RELOCATION = "relocation", _("Relocation")
    SOLAR = "solar", _("Solar power")
    OTHER = "other", pgettext_lazy("project type", "Other")
