"""Policy as data: the rules that decide who is included, who exits and who is removed,
per region and year, versioned.

A policy set is never edited in place: a change makes a new version with who, when, why
and the date it takes effect, so a decision can always name the exact version it used.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PolicySet(models.Model):
    # The division the policy applies to (a province overrides the national default, a
    # county may override its province); null = the national default.
    region = models.ForeignKey(
        "geo.Division",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("region"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveIntegerField(_("version"), default=1)
    effective_from = models.DateField(_("effective from"))
    income_line = models.DecimalField(
        _("income line (yuan per person per year)"), max_digits=10, decimal_places=2
    )
    monitoring_threshold = models.DecimalField(
        _("monitoring threshold (yuan per person per year)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
    )
    notice_days = models.PositiveSmallIntegerField(_("public notice period (days)"), default=7)
    # How long a notice's public page (fupin.cases, reached by its unguessable link) stays
    # up after the notice period ends; then it answers 404 like a page that never was.
    notice_grace_days = models.PositiveSmallIntegerField(
        _("days the public notice page stays up after the period"), default=30
    )
    appeal_days = models.PositiveSmallIntegerField(_("appeal period (days)"), default=15)
    # "Stably above the line" (稳定超过国家扶贫标准): how many consecutive years, ending with
    # the decision year, must each have a net income per person above that year's line.
    # The national rule (中办发〔2016〕16号《关于建立贫困退出机制的意见》) asks for income
    # "稳定超过国家扶贫标准" without a number of years; its annual exit verification checks
    # the decision year, which is the national default (1). A province or county that asks
    # for more sets it in its own policy set.
    stable_years = models.PositiveSmallIntegerField(
        _("consecutive years above the line for a stable exit"), default=1
    )
    # Amounts of more than two decimals (1234.567) in an imported workbook: refused with
    # the reason (the default), or, where the county prefers, rounded half-up to the fen
    # with a warning in the import report (fupin.exchange.importer.amount_precision).
    round_amounts = models.BooleanField(
        _("round imported amounts to the fen (instead of refusing them)"), default=False
    )
    # The four-eyes rule (fupin.accounts.authority): whoever proposes or submits something
    # may not approve, verify or accept it. On unless a policy version turns it off.
    four_eyes = models.BooleanField(_("four-eyes rule"), default=True)
    countersign_above = models.DecimalField(
        _("payments above this amount need a countersignature (yuan)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("50000"),
    )
    # [{"code": "EXCL_VEHICLE", "text": "...", "text_en": "...", "trigger": "EXCL_VEHICLE"}]
    exclusions = models.JSONField(_("exclusion clauses"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("policy set")
        verbose_name_plural = _("policy sets")
        ordering = ["region_id", "-year", "-version"]
        indexes = [models.Index(fields=["year", "effective_from"], name="policy_year_idx")]

    def __str__(self) -> str:
        region = self.region.name if self.region is not None else _("National")
        return f"{region} {self.year} v{self.version}"

    @property
    def area_code(self) -> str:
        return self.region_id or ""

    def line_for_monitoring(self) -> Decimal:
        return self.monitoring_threshold or self.income_line
