"""What a resident work team does (the team and its members' dated terms live in
fupin.assistance: `WorkTeam`, `TeamMembership`): the team rules per region, each
member's daily check-in and leave, and the first secretary's records (村情日志 diary,
工作台账 work ledger, quarterly reports). Every row is written by `services.py`, with its
change record."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.core.display import ChoiceLabels
from fupin.core.scope import RestrictedQuerySet
from fupin.teams import choices as c

DEFAULT_MIN_MEMBERS = 3  # 工作队员3人以上 (Jianghua)
DEFAULT_ROTATION_MONTHS = 12  # rotated yearly
DEFAULT_REQUIRED_DAYS = 20  # days in the village per month


class TeamRules(models.Model):
    """A region's work-team rules from a date (versioned: a new row from a later date
    replaces it; the most specific region's latest row in force applies, then a
    national row, then the defaults above)."""

    region = models.ForeignKey(
        "geo.Division",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("region"),
    )
    effective_from = models.DateField(_("in force from"))
    min_members = models.PositiveSmallIntegerField(_("fewest members"), default=DEFAULT_MIN_MEMBERS)
    rotation_months = models.PositiveSmallIntegerField(
        _("rotation period (months of a member's term)"), default=DEFAULT_ROTATION_MONTHS
    )
    required_days = models.PositiveSmallIntegerField(
        _("days in the village per month"), default=DEFAULT_REQUIRED_DAYS
    )
    needs_first_secretary = models.BooleanField(_("a first secretary is required"), default=True)
    needs_leader = models.BooleanField(_("a team leader is required"), default=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "region__code"
    CADRE_VISIBLE = True  # the rules a team works under are no secret

    class Meta:
        verbose_name = _("work team rules")
        verbose_name_plural = _("work team rules")
        ordering = ["region_id", "-effective_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "effective_from"], name="teamrules_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_id or '—'} {self.effective_from}"

    @property
    def area_code(self) -> str:
        return self.region_id or ""


class _TeamRow(models.Model):
    """A row of one member of one team: the term it belongs to, with the team and the
    cadre copied from it (the area and the sums need no join through the term)."""

    membership = models.ForeignKey(
        "assistance.TeamMembership",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("term"),
    )
    team = models.ForeignKey(
        "assistance.WorkTeam", on_delete=models.PROTECT, related_name="+", verbose_name=_("team")
    )
    cadre = models.ForeignKey(
        "assistance.Cadre",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("work team", "member"),
    )

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "team__village__code"
    OWNER_LOOKUP = "cadre__user"  # a cadre user: its own rows

    class Meta:
        abstract = True

    @property
    def area_code(self) -> str:
        return self.team.village_id


class CheckIn(_TeamRow):
    """A member's day in the village (驻村考勤): one a member and day, on a day of the
    member's term, never in the future; from a phone with its position."""

    date = models.DateField(_("date"))
    checked_at = models.DateTimeField(_("checked in at"), default=timezone.now)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    accuracy_m = models.PositiveIntegerField(_("accuracy (m)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    on_behalf = models.BooleanField(_("recorded by the township for the member"), default=False)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-date", "team_id", "cadre_id"]
        constraints = [
            models.UniqueConstraint(fields=["cadre", "date"], name="checkin_one_a_day"),
        ]
        indexes = [models.Index(fields=["team", "date"], name="checkin_team_day")]

    def __str__(self) -> str:
        return f"{self.cadre_id} {self.date}"


class Leave(ChoiceLabels, _TeamRow):
    """Leave of a member (请假), from and to (both included), approved or refused by the
    township (four eyes: never by who asked, nor by the member)."""

    start_date = models.DateField(pgettext_lazy("work team", "from"))
    end_date = models.DateField(pgettext_lazy("work team", "to"))
    reason = models.CharField(_("reason"), max_length=200)
    state = models.CharField(
        pgettext_lazy("work team", "state"),
        max_length=10,
        choices=c.LeaveState.choices,
        default=c.LeaveState.REQUESTED,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=pgettext_lazy("work team", "asked by"),
    )
    requested_at = models.DateTimeField(_("asked at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=pgettext_lazy("work team", "decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("note on the decision"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("leave")
        verbose_name_plural = _("leaves")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="leave_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cadre_id} {self.start_date}–{self.end_date}"

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


class _SecretaryRecord(models.Model):
    """A record of the team's first secretary (第一书记), written by them or by the
    township on their behalf (`written_by` says who)."""

    team = models.ForeignKey(
        "assistance.WorkTeam", on_delete=models.PROTECT, related_name="+", verbose_name=_("team")
    )
    secretary = models.ForeignKey(
        "assistance.Cadre",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("first secretary"),
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("written by"),
    )
    written_at = models.DateTimeField(_("written at"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "team__village__code"
    OWNER_LOOKUP = "secretary__user"  # a cadre user: its own records

    class Meta:
        abstract = True

    @property
    def area_code(self) -> str:
        return self.team.village_id


class DiaryEntry(_SecretaryRecord):
    """村情日志 / 民情日记."""

    date = models.DateField(_("date"))
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("diary entry")
        verbose_name_plural = _("diary entries")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.team_id} {self.date}"


class LedgerEntry(ChoiceLabels, _SecretaryRecord):
    """工作台账: what was done, under a heading, and for which households (optional)."""

    date = models.DateField(_("date"))
    category = models.CharField(
        pgettext_lazy("work team", "category"), max_length=16, choices=c.LedgerCategory.choices
    )
    content = models.TextField(pgettext_lazy("work team", "content"))
    households = models.ManyToManyField(
        "registry.Household", blank=True, related_name="+", verbose_name=_("households concerned")
    )

    class Meta:
        verbose_name = _("work ledger entry")
        verbose_name_plural = _("work ledger entries")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.team_id} {self.date} {self.category}"


class QuarterlyReport(ChoiceLabels, _SecretaryRecord):
    """The first secretary's quarterly report, submitted, then received by the township
    (four eyes: not by who submitted it)."""

    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    text = models.TextField(_("text"))
    state = models.CharField(
        pgettext_lazy("work team", "state"),
        max_length=10,
        choices=c.ReportState.choices,
        default=c.ReportState.SUBMITTED,
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("received by"),
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)

    class Meta:
        verbose_name = _("quarterly report")
        verbose_name_plural = _("quarterly reports")
        ordering = ["-year", "-quarter", "team_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "year", "quarter"], name="report_one_a_quarter"
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="report_quarter_1_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_id} {self.year}Q{self.quarter}"
