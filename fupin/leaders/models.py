"""The leaders' contact system (领导干部联系点, "三层联系"): a leader (a cadre of
fupin.assistance with a rank) linked to a township or a village for a period, the visits
required per calendar period (rules kept as data per region), and the leader's visit
reports (走访报告) with an optional photo or scan as evidence.

The rule of what is required of a link on a day lives in `rules.py` (pure) and
`selectors.required_for` (which rule applies); writes in `services.py`, every change
recorded in core.ChangeRecord.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.assistance.choices import Rank
from fupin.core.models import EvidenceFileMixin
from fupin.core.scope import RestrictedQuerySet
from fupin.leaders import choices as c


class ContactRule(models.Model):
    """How many visits a leader linked to a township (or a village) owes per period, in a
    region (the most specific region's rule applies, then a national rule, then the code
    default of one visit a quarter); a rule may name a rank (county-level leaders)."""

    region = models.ForeignKey(
        "geo.Division",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("region"),
    )
    target = models.PositiveSmallIntegerField(_("linked to"), choices=c.Target.choices)
    rank = models.CharField(_("leader's rank"), max_length=12, choices=Rank.choices, blank=True)
    period = models.CharField(_("period"), max_length=8, choices=c.Period.choices)
    visits_required = models.PositiveSmallIntegerField(
        _("visits required per period"), validators=[MinValueValidator(1), MaxValueValidator(31)]
    )

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "region__code"

    class Meta:
        verbose_name = _("contact rule")
        verbose_name_plural = _("contact rules")
        ordering = ["region_id", "target", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "target", "rank"],
                condition=models.Q(region__isnull=False),
                name="leaders_rule_once",
            ),
            models.UniqueConstraint(
                fields=["target", "rank"],
                condition=models.Q(region__isnull=True),
                name="leaders_national_rule_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_target_display()} {self.visits_required}/{self.get_period_display()}"

    @property
    def area_code(self) -> str:
        return self.region_id or ""


class ContactLinkQuerySet(RestrictedQuerySet["ContactLink"]):
    def current(self, day) -> ContactLinkQuerySet:
        """Links in force on `day` (started on or before it, not ended before it)."""
        return self.filter(start_date__lte=day).exclude(end_date__lt=day)


class ContactLink(models.Model):
    """A leader's contact point (联系点): a township or a village, from a start date to
    an end date (open while in force)."""

    leader = models.ForeignKey(
        "assistance.Cadre",
        on_delete=models.PROTECT,
        related_name="contact_links",
        verbose_name=_("leader"),
    )
    area = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("contact point")
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    duties = models.CharField(_("duties"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ContactLinkQuerySet.as_manager()
    AREA_LOOKUP = "area__code"
    OWNER_LOOKUP = "leader__user"  # a leader signed in as a paired cadre: its own links
    HISTORY_EXCLUDE = ("created_at",)

    class Meta:
        verbose_name = _("contact link")
        verbose_name_plural = _("contact links")
        ordering = ["area_id", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="leaders_link_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.leader_id} → {self.area_id}"

    @property
    def area_code(self) -> str:
        return self.area_id


def report_photo_path(instance: ContactReport, filename: str) -> str:
    return f"leaders/{instance.link.area_id}/{instance.link_id}/{filename}"


class ContactReport(EvidenceFileMixin, models.Model):
    """A leader's visit to the contact point (走访报告): date, place, what was done, the
    problems found and those solved, and an optional photo or scan."""

    FILE_FIELD, TYPE_FIELD, SIZE_FIELD = "photo", "photo_type", None

    link = models.ForeignKey(
        ContactLink,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("contact link"),
    )
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    content = models.TextField(_("what was done"))
    problems_found = models.TextField(_("problems found"), blank=True)
    problems_solved = models.TextField(_("problems solved"), blank=True)
    photo = models.FileField(_("photo or scan"), upload_to=report_photo_path, blank=True)
    photo_type = models.CharField(max_length=100, blank=True)
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
    AREA_LOOKUP = "link__area__code"
    OWNER_LOOKUP = "link__leader__user"  # a leader signed in as a paired cadre: its own
    HISTORY_EXCLUDE = ("recorded_at",)

    class Meta:
        verbose_name = _("visit report")
        verbose_name_plural = _("visit reports")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["link", "date"], name="leaders_report_idx")]

    def __str__(self) -> str:
        return f"{self.link_id} {self.date}"

    @property
    def area_code(self) -> str:
        return self.link.area_id
