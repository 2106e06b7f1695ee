"""A record of every import and export: who, when, which file, what came of it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.core.scope import RestrictedQuerySet


class ExchangeRun(models.Model):
    class Direction(models.TextChoices):
        IMPORT = "import", _("Import")
        EXPORT = "export", _("Export")

    class Mode(models.TextChoices):
        UPSERT = "upsert", _("Keep the good rows (upsert)")
        ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        CHECKED = "checked", _("Checked (dry run, nothing written)")
        REFUSED = "refused", _("Refused (nothing written)")
        FAILED = "failed", _("Failed (nothing written)")

    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    started_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    user_name = models.CharField(_("user name"), max_length=150, blank=True)
    # The user's area for imports, the exported area for exports.
    area_code = models.CharField(_("area"), max_length=12, db_index=True)
    file_name = models.CharField(_("file"), max_length=255)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(
        pgettext_lazy("import or export", "status"),
        max_length=10,
        choices=Status.choices,
        default=Status.RUNNING,
    )
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    report_path = models.CharField(_("report"), max_length=500, blank=True)
    message = models.TextField(_("message"), blank=True)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "area_code"

    class Meta:
        verbose_name = _("import or export")
        verbose_name_plural = _("imports and exports")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} #{self.pk} {self.file_name}"
