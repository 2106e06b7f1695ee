"""Code lists of assistance (帮扶): cadre ranks, pairing types, visit purposes, measures."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Rank(models.TextChoices):
    COUNTY = "county", _("County-level cadre")
    SECTION = "section", _("Section-level cadre")
    ORDINARY = "ordinary", _("Ordinary cadre")
    VILLAGE = "village", _("Village cadre")
    TEACHER = "teacher", _("Teacher")
    MEDICAL = "medical", _("Medical worker")
    OTHER = "other", pgettext_lazy("cadre rank", "Other")


class PairingKind(models.TextChoices):
    KEY = "key", _("Key household")
    CONTACT = "contact", _("Contact household")


class VisitPurpose(models.TextChoices):
    PLAN = "plan", _("Making the plan")
    FOLLOW_UP = "follow_up", _("Follow-up")
    SELLING = "selling", _("Selling produce")
    ACCOUNTS = "accounts", _("Year-end accounts")
    OTHER = "other", pgettext_lazy("visit purpose", "Other")


class MeasureKind(models.TextChoices):
    INDUSTRY = "industry", _("Industry support")
    EMPLOYMENT = "employment", _("Employment")
    WELFARE_JOB = "welfare_job", _("Public-welfare job")
    EDUCATION = "education", _("Education aid")
    MEDICAL = "medical", _("Medical aid")
    HOUSING = "housing", _("Housing renovation")
    RELOCATION = "relocation", _("Relocation")
    MICRO_CREDIT = "micro_credit", _("Micro-credit")
    INSURANCE = "insurance", pgettext_lazy("assistance measure", "Insurance")
    SOLAR = "solar", _("Solar income")
    FOREST_RANGER = "forest_ranger", _("Forest ranger")
    SUBSISTENCE = "subsistence", _("Subsistence allowance")
    TRAINING = "training", _("Training")
    DONATION = "donation", _("Donation")


class UnitLevel(models.TextChoices):
    """The sending unit's affiliation (单位隶属关系, GB/T 12404)."""

    CENTRAL = "central", _("Central")
    PROVINCE = "province", _("Provincial")
    PREFECTURE = "prefecture", _("Prefectural")
    COUNTY = "county", _("County-level")
    TOWNSHIP = "township", _("Township-level")
