"""The household file (一户一档): the checklist of required documents, configured per
region and versioned by the day it takes effect; the surveyor's signed statement
(谁调查谁签字); and a record of every file or handbook printed. The rules are in
`rules.py` (completeness, row and column forms) and `services.py` (writes)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.core.display import ChoiceLabels
from fupin.core.models import EvidenceFile, EvidenceFileMixin
from fupin.core.scope import RestrictedQuerySet
from fupin.dossier import choices as c
from fupin.registry.choices import HouseholdStatus


class Checklist(models.Model):
    """One version of a region's checklist (None: the national default). The one in
    force for a household is the most specific region's latest version whose
    `effective_from` has come (`selectors.checklist_for`)."""

    region = models.ForeignKey(
        "geo.Division",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("region"),
    )
    effective_from = models.DateField(_("effective from"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("file checklist")
        verbose_name_plural = _("file checklists")
        ordering = ["region_id", "-effective_from", "-id"]

    def __str__(self) -> str:
        return f"{self.region_id or '—'} {self.effective_from}"

    @property
    def area_code(self) -> str:
        return str(self.region_id or "")


class ChecklistItem(ChoiceLabels, models.Model):
    """A document required of households of one status, and the records that stand for
    it: `sources` is a list of {"kind", "param", "title"} (any one satisfies the item;
    see `rules.Source`)."""

    checklist = models.ForeignKey(
        Checklist, on_delete=models.CASCADE, related_name="items", verbose_name=_("checklist")
    )
    status = models.CharField(_("household status"), max_length=20, choices=HouseholdStatus.choices)
    document = models.CharField(_("document"), max_length=30, choices=c.Document.choices)
    # A name of the region's own for the document (else the document's name).
    title = models.CharField(_("document name"), max_length=100, blank=True)
    sources = models.JSONField(_("satisfied by"), default=list)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["checklist_id", "status", "order", "id"]

    def __str__(self) -> str:
        return f"{self.status}: {self.name}"

    @property
    def name(self) -> str:
        return self.title or str(c.Document(self.document).label)


def statement_path(instance: SurveyorStatement, filename: str) -> str:
    return f"dossier/{instance.household.village_id}/{instance.household_id}/{filename}"


class SurveyorStatement(ChoiceLabels, EvidenceFile):
    """ "Whoever surveys signs" (谁调查谁签字): the surveyor's statement that the survey of
    the household is true, typed by the surveyor signed in or a scan of the signed
    paper recorded by staff."""

    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="surveyor_statements",
        verbose_name=_("household"),
    )
    kind = models.CharField(_("form"), max_length=10, choices=c.SignatureKind.choices)
    surveyor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("surveyor's account"),
    )
    surveyor_name = models.CharField(_("surveyor"), max_length=50)
    surveyed_on = models.DateField(_("surveyed on"))
    statement = models.TextField(_("statement"))
    file = models.FileField(_("signed scan"), upload_to=statement_path, blank=True)
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
    AREA_LOOKUP = "household__village__code"
    HOUSEHOLD_LOOKUP = "household"  # a paired cadre: its households (core.scope)

    class Meta:
        verbose_name = _("surveyor's statement")
        verbose_name_plural = _("surveyor's statements")
        ordering = ["-surveyed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.surveyor_name} {self.surveyed_on}"

    @property
    def area_code(self) -> str:
        return str(self.household.village_id)


class PrintRecord(ChoiceLabels, models.Model):
    """A household file or handbook printed (one household or a village): who, when,
    and how many cadres' phones the handbooks carried in full."""

    kind = models.CharField(_("document"), max_length=10, choices=c.PrintKind.choices)
    size = models.CharField(_("paper"), max_length=2, default="A4")
    household = models.ForeignKey(
        "registry.Household",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("household"),
    )
    area_code = models.CharField(_("area"), max_length=12, db_index=True)
    households = models.PositiveIntegerField(_("number of households"), default=1)
    phones_printed = models.PositiveIntegerField(_("cadres' phones printed in full"), default=0)
    ids_printed = models.PositiveIntegerField(_("ID numbers printed in full"), default=0)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("printed by"),
    )
    printed_at = models.DateTimeField(_("printed"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "area_code"

    class Meta:
        verbose_name = _("print record")
        verbose_name_plural = _("print records")
        ordering = ["-printed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.area_code} {self.printed_at:%Y-%m-%d}"


def village_print_path(instance: VillagePrint, filename: str) -> str:
    return f"dossier/prints/{instance.area_code}/{filename}"


class VillagePrint(ChoiceLabels, EvidenceFileMixin, models.Model):
    """A whole village's files or handbooks asked for as one PDF: built by the job worker
    (`services.run_village_print`), logged as a PrintRecord in the requesting user's name
    when it runs, and downloaded by that user only, while the village is in their area."""

    kind = models.CharField(_("document"), max_length=10, choices=c.PrintKind.choices)
    paper = models.CharField(_("paper"), max_length=2, default="A4")
    area_code = models.CharField(_("village"), max_length=12, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("asked for by"),
    )
    requested_at = models.DateTimeField(_("asked for"), default=timezone.now)
    # The handbook's QR code points at the site the request came from.
    base_url = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=10, blank=True)
    status = models.CharField(
        _("state"), max_length=10, choices=c.PrintStatus.choices, default=c.PrintStatus.RUNNING
    )
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    households = models.PositiveIntegerField(_("number of households"), default=0)
    record = models.ForeignKey(
        PrintRecord,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("print record"),
    )
    file = models.FileField(_("file"), upload_to=village_print_path, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    file_size = models.PositiveIntegerField(default=0)
    message = models.TextField(_("message"), blank=True)

    SIZE_FIELD = "file_size"

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "area_code"

    class Meta:
        verbose_name = _("village print")
        verbose_name_plural = _("village prints")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.area_code} {self.requested_at:%Y-%m-%d}"
