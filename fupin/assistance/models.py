"""Assistance (帮扶): cadres, resident work teams, pairings, visits, plans, measures, the
"come to me" directory (有事请找我), and the pairing/visit limits per region.

Limits live here (AssistancePolicy keyed by region, with code defaults) rather than in
policy.PolicySet: they change on their own schedule, not with the yearly income line, and
keeping them here leaves the policy app and its migrations untouched.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.assistance import choices as c
from fupin.core.display import ChoiceLabels
from fupin.core.masking import mask_phone
from fupin.core.models import EvidenceFileMixin
from fupin.core.scope import RestrictedQuerySet

# Default rank quotas (Luxi county): {rank: {"key": n, "contact": n}}.
DEFAULT_RANK_QUOTAS = {
    c.Rank.COUNTY.value: {"key": 2, "contact": 2},
    c.Rank.SECTION.value: {"key": 1, "contact": 2},
}
DEFAULT_MAX_HOUSEHOLDS = 5
DEFAULT_VISIT_INTERVAL_DAYS = 30
# The transition period (过渡期) after a household's exit from poverty during which it
# stays due assistance (脱贫不脱帮扶): nationally five years (fupin.assistance.due).
DEFAULT_TRANSITION_YEARS = 5


def default_quotas() -> dict:
    return {k: dict(v) for k, v in DEFAULT_RANK_QUOTAS.items()}


class AssistancePolicy(models.Model):
    """Pairing limits, visit frequency and the transition period after exit for a region
    (the most specific one applies)."""

    region = models.OneToOneField(
        "geo.Division",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("region"),
    )
    max_households = models.PositiveSmallIntegerField(
        _("most households per cadre"), default=DEFAULT_MAX_HOUSEHOLDS
    )
    rank_quotas = models.JSONField(_("key and contact households by rank"), default=default_quotas)
    visit_interval_days = models.PositiveSmallIntegerField(
        _("longest interval between visits (days)"), default=DEFAULT_VISIT_INTERVAL_DAYS
    )
    transition_years = models.PositiveSmallIntegerField(
        _("transition period after exit (years)"), default=DEFAULT_TRANSITION_YEARS
    )

    class Meta:
        verbose_name = _("assistance policy")
        verbose_name_plural = _("assistance policies")

    def __str__(self) -> str:
        return str(self.region) if self.region_id else "—"

    def quota(self, rank: str) -> dict[str, int] | None:
        q = (self.rank_quotas or {}).get(rank)
        return {"key": int(q.get("key", 0)), "contact": int(q.get("contact", 0))} if q else None


class Cadre(models.Model):
    name = models.CharField(_("name"), max_length=50)
    unit = models.CharField(_("unit"), max_length=100)
    rank = models.CharField(_("rank"), max_length=12, choices=c.Rank.choices)
    post = models.CharField(_("post"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    home_area = models.ForeignKey(
        "geo.Division",
        on_delete=models.PROTECT,
        related_name="cadres",
        verbose_name=_("home area"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cadre_profiles",
        verbose_name=_("user"),
    )
    active = models.BooleanField(_("active"), default=True)
    left_on = models.DateField(_("date left"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "home_area__code"
    OWNER_LOOKUP = "user"  # a paired cadre: its own profile (core.scope)
    # Shown masked; the full phone through the logged reveal (registry.selectors.reveal).
    SENSITIVE_FIELDS = ("phone",)

    class Meta:
        verbose_name = _("cadre")
        verbose_name_plural = _("cadres")
        ordering = ["home_area_id", "name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def area_code(self) -> str:
        return self.home_area_id

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class WorkTeam(models.Model):
    """A resident work team (驻村工作队) stationed in a village. Who is on it, when, from
    which unit and in which role (leader 队长, first secretary 第一书记) are its dated
    memberships (`TeamMembership`); `unit` is the lead sending unit (牵头单位), the
    team's several units are its members' units."""

    unit = models.CharField(_("lead unit"), max_length=100)
    village = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    started_on = models.DateField(_("started on"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "village__code"

    class Meta:
        verbose_name = _("resident work team")
        verbose_name_plural = _("resident work teams")
        ordering = ["village_id", "id"]

    def __str__(self) -> str:
        return f"{self.unit} · {self.village}"

    @property
    def area_code(self) -> str:
        return self.village_id


class MembershipQuerySet(RestrictedQuerySet["TeamMembership"]):
    def on(self, day: dt.date) -> MembershipQuerySet:
        """Memberships current on `day` (started on or before it, not ended before it)."""
        return self.filter(start_date__lte=day).exclude(end_date__lt=day)

    def overlapping(self, start: dt.date, end: dt.date | None) -> MembershipQuerySet:
        """Memberships with at least one day in [start, end] (end None: open)."""
        qs = self.exclude(end_date__lt=start)
        return qs if end is None else qs.filter(start_date__lte=end)


class TeamMembership(ChoiceLabels, models.Model):
    """A cadre's term on a resident work team (驻村起止时间), with the sending unit and
    its affiliation (帮扶单位, 隶属关系) and the roles (是否队长, 是否第一书记). A cadre is
    on one team at a time; ending a term needs a reason (fupin.assistance.services)."""

    team = models.ForeignKey(
        WorkTeam, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("team")
    )
    cadre = models.ForeignKey(
        Cadre,
        on_delete=models.PROTECT,
        related_name="team_memberships",
        verbose_name=_("cadre"),
    )
    unit = models.CharField(_("sending unit"), max_length=100)
    unit_level = models.CharField(
        _("affiliation of the unit"), max_length=12, choices=c.UnitLevel.choices, blank=True
    )
    is_leader = models.BooleanField(_("team leader"), default=False)
    is_first_secretary = models.BooleanField(_("first secretary"), default=False)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)

    objects = MembershipQuerySet.as_manager()
    AREA_LOOKUP = "team__village__code"
    OWNER_LOOKUP = "cadre__user"  # a cadre user: its own terms (core.scope)

    class Meta:
        verbose_name = _("work team membership")
        verbose_name_plural = _("work team memberships")
        ordering = ["team_id", "-is_first_secretary", "-is_leader", "start_date", "id"]
        constraints = [
            # A cadre is on at most one team with an open term (the service refuses any
            # overlap of dates; this keeps the open case true whatever writes the row).
            models.UniqueConstraint(
                fields=["cadre"],
                condition=models.Q(end_date__isnull=True),
                name="membership_one_open_term",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="membership_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["team", "end_date"], name="membership_team_idx")]

    def __str__(self) -> str:
        return f"{self.cadre_id} @ {self.team_id} ({self.start_date})"

    @property
    def area_code(self) -> str:
        return self.team.village_id

    def current_on(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


class PairingQuerySet(RestrictedQuerySet["Pairing"]):
    def current(self) -> PairingQuerySet:
        return self.filter(end_date__isnull=True)


class Pairing(ChoiceLabels, models.Model):
    cadre = models.ForeignKey(
        Cadre, on_delete=models.PROTECT, related_name="pairings", verbose_name=_("cadre")
    )
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="pairings",
        verbose_name=_("household"),
    )
    kind = models.CharField(_("pairing type"), max_length=10, choices=c.PairingKind.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)

    objects = PairingQuerySet.as_manager()
    AREA_LOOKUP = "household__village__code"
    HOUSEHOLD_LOOKUP = "household"  # a paired cadre: its households (core.scope)

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["cadre", "end_date"], name="pairing_cadre_idx")]

    def __str__(self) -> str:
        return f"{self.cadre_id} → {self.household_id} ({self.kind})"

    @property
    def area_code(self) -> str:
        return self.household.village_id


def visit_photo_path(instance: Visit, filename: str) -> str:
    return f"visits/{instance.household.village_id}/{instance.household_id}/{filename}"


class Visit(ChoiceLabels, EvidenceFileMixin, models.Model):
    """A cadre's visit to a paired household, with a photo (its sniffed type, no size)."""

    FILE_FIELD, TYPE_FIELD, SIZE_FIELD = "photo", "photo_type", None

    cadre = models.ForeignKey(
        Cadre, on_delete=models.PROTECT, related_name="visits", verbose_name=_("cadre")
    )
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("household"),
    )
    date = models.DateField(_("date"))
    purpose = models.CharField(_("purpose"), max_length=12, choices=c.VisitPurpose.choices)
    notes = models.TextField(_("notes"), blank=True)
    photo = models.FileField(_("photo"), upload_to=visit_photo_path, blank=True)
    photo_type = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "household__village__code"
    HOUSEHOLD_LOOKUP = "household"  # a paired cadre: its households (core.scope)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["cadre", "household", "date"], name="visit_pair_idx")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.date}"


class HouseholdPlan(models.Model):
    """一户一法."""

    household = models.OneToOneField(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="assistance_plan",
        verbose_name=_("household"),
    )
    goals = models.TextField(_("goals"))
    planned_measures = models.TextField(_("planned measures"), blank=True)
    expected_income = models.DecimalField(
        _("expected income (yuan per year)"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "household__village__code"
    HOUSEHOLD_LOOKUP = "household"  # a paired cadre: its households (core.scope)
    HISTORY_EXCLUDE = ("updated_at",)

    class Meta:
        verbose_name = _("household plan")
        verbose_name_plural = _("household plans")

    def __str__(self) -> str:
        return str(self.household_id)


class VillagePlan(models.Model):
    """一村一策."""

    village = models.OneToOneField(
        "geo.Division",
        on_delete=models.PROTECT,
        related_name="assistance_plan",
        verbose_name=_("village"),
    )
    goals = models.TextField(_("goals"))
    planned_measures = models.TextField(_("planned measures"), blank=True)
    expected_income = models.DecimalField(
        _("expected collective income (yuan per year)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "village__code"
    HISTORY_EXCLUDE = ("updated_at",)

    class Meta:
        verbose_name = _("village plan")
        verbose_name_plural = _("village plans")

    def __str__(self) -> str:
        return str(self.village_id)


class Measure(ChoiceLabels, models.Model):
    """An assistance measure delivered to a household."""

    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="assistance_measures",
        verbose_name=_("household"),
    )
    kind = models.CharField(_("measure"), max_length=16, choices=c.MeasureKind.choices)
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    date = models.DateField(_("date"))
    provider = models.CharField(_("provider"), max_length=100)
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "household__village__code"
    HOUSEHOLD_LOOKUP = "household"  # a paired cadre: its households (core.scope)

    class Meta:
        verbose_name = _("assistance measure")
        verbose_name_plural = _("assistance measures")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.date}"


class DirectoryEntry(models.Model):
    """One line of the "come to me" directory (有事请找我) of a township or village."""

    area = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    name = models.CharField(_("name"), max_length=50)
    post = models.CharField(_("post"), max_length=60)
    duties = models.CharField(_("duties"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "area__code"
    CADRE_VISIBLE = True  # a paired cadre reads its village's rows (core.scope)

    class Meta:
        verbose_name = _("directory entry")
        verbose_name_plural = _("directory entries")
        ordering = ["area_id", "order", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.post})"
