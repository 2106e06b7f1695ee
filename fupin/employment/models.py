"""Public-welfare posts and employment (公益性岗位与就业帮扶): the register of posts, who
holds each post month by month and what they were paid, job placements and migrant work
(外出务工), and the transport subsidies paid to migrant workers. Models stay thin: the
rules are in `rules.py`, the writes in `services.py`.

A post (`Post`) is one seat in a village: at most one holder at a time. A holder is
proposed by staff and appointed by a township or county user who did not propose them
(four eyes, the authority table's "post.appoint"); an appointment holds from its start
(or its approval, if later) until its end. Dates are the records' own: figures as of a
past day read them, never today's state."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.core.display import ChoiceLabels
from fupin.core.scope import RestrictedQuerySet
from fupin.funds.models import SourceKind
from fupin.programmes.models import LedgerRow
from fupin.registry.choices import MigrantPlace


class PostKind(models.TextChoices):
    FOREST_RANGER = "forest_ranger", _("Forest ranger")
    CLEANER = "cleaner", _("Cleaner")
    ROAD_KEEPER = "road_keeper", _("Road keeper")
    WATER_KEEPER = "water_keeper", _("Water keeper")
    CARER = "carer", _("Carer of the elderly")
    WARDEN = "warden", _("Village warden")
    OTHER = "other", pgettext_lazy("post kind", "Other")


class Post(ChoiceLabels, models.Model):
    """A public-welfare post (公益性岗位) of a village: its kind, the unit that employs the
    holder, the monthly pay and where the money comes from (`funds.SourceKind`)."""

    code = models.CharField(_("post number"), max_length=40, unique=True)
    kind = models.CharField(_("post kind"), max_length=20, choices=PostKind.choices)
    unit = models.CharField(_("employing unit"), max_length=100)
    village = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    monthly_pay = models.DecimalField(_("monthly pay (yuan)"), max_digits=10, decimal_places=2)
    funding = models.CharField(_("funding source"), max_length=20, choices=SourceKind.choices)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    # Posts are the village's register: its staff and those above read them; a paired
    # cadre (no HOUSEHOLD_LOOKUP) reads none, its households' holdings only.
    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "village__code"

    class Meta:
        verbose_name = _("public-welfare post")
        verbose_name_plural = _("public-welfare posts")
        ordering = ["village", "code"]
        indexes = [models.Index(fields=["village", "kind"], name="post_village_kind_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.get_kind_display()}"

    @property
    def area_code(self) -> str:
        return str(self.village_id)


class HoldingStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("holding", "Proposed")
    APPROVED = "approved", pgettext_lazy("holding", "Appointed")
    REFUSED = "refused", pgettext_lazy("holding", "Refused")


class EndReason(models.TextChoices):
    RESIGNED = "resigned", _("Resigned")
    DISMISSED = "dismissed", _("Dismissed for failing the duties")
    TERM_ENDED = "term_ended", _("Term ended")
    POST_CLOSED = "post_closed", _("Post closed")
    MOVED = "moved", _("Moved away")
    DIED = "died", _("Died")
    OTHER = "other", pgettext_lazy("end reason", "Other")


class Holding(LedgerRow):
    """A person on a post (岗位聘用): proposed from `start_on`, held once appointed until
    `end_on` (the first day it is no longer held; empty while held)."""

    post = models.ForeignKey(
        Post,
        on_delete=models.PROTECT,
        related_name="holdings",
        verbose_name=_("public-welfare post"),
    )
    status = models.CharField(
        pgettext_lazy("holding", "status"),
        max_length=10,
        choices=HoldingStatus.choices,
        default=HoldingStatus.PROPOSED,
        db_index=True,
    )
    start_on = models.DateField(_("appointed from"))
    end_on = models.DateField(_("appointment ended on"), null=True, blank=True)
    end_reason = models.CharField(
        _("reason it ended"), max_length=12, choices=EndReason.choices, blank=True
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)

    class Meta:
        verbose_name = _("post holding")
        verbose_name_plural = _("post holdings")
        ordering = ["-start_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "member", "start_on"], name="holding_natural_key"
            )
        ]
        indexes = [models.Index(fields=["village", "start_on"], name="holding_village_idx")]

    def __str__(self) -> str:
        return f"{self.post_id} {self.member_id} {self.start_on}"

    @property
    def held_from(self):
        """The first day held: the start, or the appointment if that came later."""
        if self.decided_on is None:
            return self.start_on
        return max(self.start_on, self.decided_on)


class Payment(models.Model):
    """A month's pay of a holding (工资发放): the month (its first day), the amount and the
    day it was paid. One payment per holding and month."""

    holding = models.ForeignKey(
        Holding, on_delete=models.PROTECT, related_name="payments", verbose_name=_("post holding")
    )
    month = models.DateField(_("month paid for"))
    amount = models.DecimalField(_("pay (yuan)"), max_digits=10, decimal_places=2)
    paid_on = models.DateField(_("pay day"))
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
    AREA_LOOKUP = "holding__village__code"
    HOUSEHOLD_LOOKUP = "holding__household"

    class Meta:
        verbose_name = _("post pay")
        verbose_name_plural = _("post pay")
        ordering = ["holding", "month"]
        constraints = [
            models.UniqueConstraint(fields=["holding", "month"], name="payment_natural_key")
        ]

    def __str__(self) -> str:
        return f"{self.holding_id} {self.month:%Y-%m} {self.amount}"


class PlacementKind(models.TextChoices):
    MIGRANT = "migrant", pgettext_lazy("placement kind", "Migrant work")
    LOCAL = "local", _("Local job")
    WORKSHOP = "workshop", _("Poverty-alleviation workshop")
    SELF_EMPLOYED = "self_employed", _("Self-employed")


class Placement(LedgerRow):
    """A job of a person (就业帮扶, 外出务工): the employer, the place (and how far from
    home: `registry.choices.MigrantPlace`), from `start_on` until `end_on` (the first day
    no longer worked; empty while working), and the monthly income."""

    kind = models.CharField(_("kind of work"), max_length=16, choices=PlacementKind.choices)
    employer = models.CharField(_("employer"), max_length=100)
    place = models.CharField(_("place of work"), max_length=100)
    place_scope = models.CharField(
        _("how far from home"), max_length=20, choices=MigrantPlace.choices
    )
    start_on = models.DateField(_("working from"))
    end_on = models.DateField(_("job ended on"), null=True, blank=True)
    monthly_income = models.DecimalField(
        _("monthly income (yuan)"), max_digits=10, decimal_places=2
    )

    class Meta:
        verbose_name = _("job placement")
        verbose_name_plural = _("job placements")
        ordering = ["-start_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "employer", "start_on"], name="placement_natural_key"
            )
        ]
        indexes = [models.Index(fields=["village", "start_on"], name="placement_village_idx")]

    def __str__(self) -> str:
        return f"{self.employer} {self.start_on}"


class TransportSubsidy(LedgerRow):
    """A one-off transport subsidy (交通补助) of a migrant worker for a placement away
    from the county: at most one per person and year."""

    placement = models.ForeignKey(
        Placement,
        on_delete=models.PROTECT,
        related_name="subsidies",
        verbose_name=_("job placement"),
    )
    year = models.PositiveSmallIntegerField(_("subsidy year"))
    amount = models.DecimalField(_("subsidy (yuan)"), max_digits=10, decimal_places=2)
    paid_on = models.DateField(_("subsidy paid on"))

    class Meta:
        verbose_name = _("transport subsidy")
        verbose_name_plural = _("transport subsidies")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="subsidy_one_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year} {self.amount}"
