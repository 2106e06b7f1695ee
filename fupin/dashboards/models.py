"""Boundaries for the dashboards' maps, and the reports people asked for."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.core.scope import RestrictedQuerySet


class Boundary(models.Model):
    """The boundary polygon of a township or village, loaded from a GeoJSON file
    (`fupin load-boundaries FILE.geojson`, features keyed by 12-digit division code).
    When every child of an area has one, its map draws these instead of the schematic."""

    code = models.CharField(_("division code"), max_length=12, primary_key=True)
    geometry = models.JSONField(_("geometry"))
    source = models.CharField(_("source file"), max_length=200, blank=True)
    loaded_at = models.DateTimeField(_("loaded"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "code"

    class Meta:
        verbose_name = _("boundary")
        verbose_name_plural = _("boundaries")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ReportKind(models.TextChoices):
    EXCEL = "xlsx", _("Excel workbook of the standard tables")
    PDF = "pdf", _("PDF summary report with charts")


class ReportStatus(models.TextChoices):
    RUNNING = "running", pgettext_lazy("report", "Running")
    FINISHED = "finished", pgettext_lazy("report", "Finished")
    FAILED = "failed", pgettext_lazy("report", "Failed")


class ReportRun(models.Model):
    """One report asked for: who, which area, which period, when; and each download."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    user_name = models.CharField(_("user name"), max_length=150, blank=True)
    area_code = models.CharField(_("area"), max_length=12, db_index=True)
    area_name = models.CharField(_("area name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=ReportKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    as_of = models.DateField(_("as of"))
    status = models.CharField(
        pgettext_lazy("report", "status"),
        max_length=10,
        choices=ReportStatus.choices,
        default=ReportStatus.RUNNING,
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    file_path = models.CharField(max_length=500, blank=True)
    message = models.TextField(_("message"), blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "area_code"

    class Meta:
        verbose_name = pgettext_lazy("dashboards", "report")
        verbose_name_plural = pgettext_lazy("dashboards", "reports")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.area_name} {self.year} {self.kind}"


class ReportDownload(models.Model):
    """Each download of a report file: who and when (reports carry area figures)."""

    run = models.ForeignKey(
        ReportRun,
        on_delete=models.CASCADE,
        related_name="download_log",
        verbose_name=pgettext_lazy("dashboards", "report"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    user_name = models.CharField(_("user name"), max_length=150, blank=True)
    time = models.DateTimeField(_("time"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "run__area_code"

    class Meta:
        verbose_name = _("report download")
        verbose_name_plural = _("report downloads")
        ordering = ["-time", "-id"]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.user_name}"


class YearFigures(models.Model):
    """An area's figures as of a past date (31 December of a year), as returned by the
    indicators app, kept so that trend charts and reports do not read the whole history
    again. Stale as soon as a change record dated on or before that day is added after
    it was computed (`last_record_id`); then it is computed again."""

    area_code = models.CharField(_("area"), max_length=12)
    as_of = models.DateField(_("as of"))
    values = models.JSONField(_("figures"))
    last_record_id = models.BigIntegerField(default=0)
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "area_code"

    class Meta:
        verbose_name = _("figures of a past year")
        verbose_name_plural = _("figures of past years")
        constraints = [
            models.UniqueConstraint(fields=["area_code", "as_of"], name="dashboards_year_unique")
        ]

    def __str__(self) -> str:
        return f"{self.area_code} {self.as_of}"
