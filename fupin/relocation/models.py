"""Relocation for poverty alleviation (易地扶贫搬迁): the resettlement sites of a county,
the households relocated to them (the home, its handover, the move-in, the old house
demolished or kept), and the follow-up support after the move (employment, schooling,
community services: 搬得出、稳得住、富得起). Models stay thin: the rules are in `rules.py`,
the writes in `services.py`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.core.display import ChoiceLabels
from fupin.core.scope import RestrictedQuerySet
from fupin.programmes.models import LedgerRow


class SiteKind(models.TextChoices):
    CENTRALISED = "centralised", _("Centralised resettlement")
    SCATTERED = "scattered", _("Scattered resettlement")


class Site(ChoiceLabels, models.Model):
    """A resettlement site (安置点) in a village or community of the county: its homes and
    the people it was built for. A scattered resettlement (分散安置) is registered as a
    site of its own, its homes those bought or built for the purpose."""

    name = models.CharField(_("site name"), max_length=100)
    kind = models.CharField(_("kind of site"), max_length=12, choices=SiteKind.choices)
    village = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    address = models.CharField(_("site address"), max_length=200, blank=True)
    homes = models.PositiveIntegerField(_("homes"))
    capacity = models.PositiveIntegerField(_("capacity (people)"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    # The county's register of sites: its staff read them; a paired cadre reads none.
    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "village__code"

    class Meta:
        verbose_name = _("resettlement site")
        verbose_name_plural = _("resettlement sites")
        ordering = ["village", "name"]
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="site_name_in_village")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def area_code(self) -> str:
        return str(self.village_id)


class OldHouse(models.TextChoices):
    PENDING = "pending", _("To be demolished")
    DEMOLISHED = "demolished", _("Demolished")
    KEPT = "kept", _("Kept")


class Relocation(LedgerRow):
    """A household relocated to a site: how many people, which home, when it was handed
    over and when they moved in, and its old house (拆旧复垦): demolished (then verified
    by a township or county user who did not record it) or kept with a reason."""

    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        related_name="relocations",
        verbose_name=_("resettlement site"),
    )
    people = models.PositiveSmallIntegerField(_("people relocated"))
    home = models.CharField(_("home"), max_length=60)
    home_area = models.DecimalField(_("home area (m²)"), max_digits=6, decimal_places=2)
    handed_over_on = models.DateField(_("home handed over on"), null=True, blank=True)
    moved_in_on = models.DateField(_("moved in on"), null=True, blank=True)
    old_house = models.CharField(
        _("old house"), max_length=12, choices=OldHouse.choices, default=OldHouse.PENDING
    )
    demolished_on = models.DateField(_("old house demolished on"), null=True, blank=True)
    kept_reason = models.CharField(_("why the old house is kept"), max_length=200, blank=True)
    demolition_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("demolition recorded by"),
    )
    demolition_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("demolition verified by"),
    )
    demolition_verified_on = models.DateField(_("demolition verified on"), null=True, blank=True)

    class Meta:
        verbose_name = _("relocated household")
        verbose_name_plural = _("relocated households")
        ordering = ["-moved_in_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["household"], name="relocation_one_per_household")
        ]
        indexes = [models.Index(fields=["village", "moved_in_on"], name="relocation_village_idx")]

    def __str__(self) -> str:
        return f"{self.site_id} {self.home}"


class SupportKind(models.TextChoices):
    EMPLOYMENT = "employment", _("Employment")
    SCHOOLING = "schooling", pgettext_lazy("support", "Schooling")
    COMMUNITY = "community", _("Community services")
    INDUSTRY = "industry", _("Industry")
    TRAINING = "training", _("Skills training")
    MEDICAL = "medical", _("Medical care")


class Support(ChoiceLabels, models.Model):
    """Follow-up support of a relocated household after the move (后续扶持): its kind, the
    day, what was done, for whom; an employment support names the job it found
    (`employment.Placement`)."""

    relocation = models.ForeignKey(
        Relocation,
        on_delete=models.PROTECT,
        related_name="supports",
        verbose_name=_("relocated household"),
    )
    kind = models.CharField(_("kind of support"), max_length=12, choices=SupportKind.choices)
    on = models.DateField(_("support given on"))
    description = models.CharField(_("what was done"), max_length=300)
    member = models.ForeignKey(
        "registry.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("person"),
    )
    placement = models.ForeignKey(
        "employment.Placement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("job found"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "relocation__village__code"
    HOUSEHOLD_LOOKUP = "relocation__household"

    class Meta:
        verbose_name = _("follow-up support")
        verbose_name_plural = _("follow-up support")
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"{self.relocation_id} {self.kind} {self.on}"
