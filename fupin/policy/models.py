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

from fupin.core.models import EvidenceFile
from fupin.core.scope import RestrictedQuerySet


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
    # Where the line's value comes from (a statistics bureau release, a province's
    # document, a reprint), and whether that source was checked. A line whose value is
    # not established (the national 2017 and 2018 values, DOMAIN.md §2 [U]) keeps the
    # best value known with verified off and the source saying why.
    income_line_source = models.TextField(_("source of the income line"), blank=True)
    income_line_verified = models.BooleanField(_("income line verified"), default=False)
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
    # The do-not-include clauses (不纳入), each saying how it is decided
    # (fupin.policy.clauses): [{"code", "text", "text_en", "kind": "department",
    # "rule": "EXCL_VEHICLE"} | {…, "kind": "registry", "rule": NAME} | {…, "kind":
    # "registry", "field": F, "op": ">", "value": V} | {…, "kind": "attestation"}].
    exclusions = models.JSONField(_("exclusion clauses"), default=list, blank=True)
    # How income and the guarantees combine in the inclusion test (fupin.policy.clauses
    # COMBINING): {"rule": "national"} (the default), {"rule": "income_or_guarantee"} or
    # {"rule": "one_plus_n", "n": 1, "conditions": [...]}.
    combining = models.JSONField(_("combining rule"), default=dict, blank=True)
    # 重点帮扶对象: the criteria that flag a household for key assistance, as data
    # ({"code", "text", "text_en", "any_member": {...}, "no_member": {...}}), see
    # fupin.policy.key_assistance.
    key_assistance = models.JSONField(_("key-assistance criteria"), default=list, blank=True)
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


class AttestationVerdict(models.TextChoices):
    CLEAR = "clear", _("Does not apply to the household")
    APPLIES = "applies", _("Applies to the household")


def attestation_path(instance: ExclusionAttestation, filename: str) -> str:
    return f"attestations/{instance.household.village_id}/{instance.household_id}/{filename}"


class ExclusionAttestation(EvidenceFile):
    """The village appraisal's (民主评议) finding on one exclusion clause for a household:
    whether the situation applies, who attested it, when, with evidence and a note. The
    latest attestation of a clause decides it; earlier ones stay, as does their history."""

    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="exclusion_attestations",
        verbose_name=_("household"),
    )
    clause_code = models.CharField(_("clause"), max_length=40)
    verdict = models.CharField(_("verdict"), max_length=10, choices=AttestationVerdict.choices)
    attested_on = models.DateField(_("date of the appraisal"))
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("attested by"),
    )
    file = models.FileField(_("evidence"), upload_to=attestation_path, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "household__village__code"
    HOUSEHOLD_LOOKUP = "household"  # a paired cadre: its households (core.scope)

    class Meta:
        verbose_name = _("exclusion attestation")
        verbose_name_plural = _("exclusion attestations")
        ordering = ["-attested_on", "-id"]
        indexes = [
            models.Index(fields=["household", "clause_code"], name="attestation_household_idx")
        ]

    def __str__(self) -> str:
        return f"{self.clause_code} {self.get_verdict_display()} {self.attested_on}"

    @property
    def area_code(self) -> str:
        return self.household.village_id
