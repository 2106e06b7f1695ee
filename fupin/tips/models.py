"""Tips and complaints (举报): from any channel, about a household, a cadre or a case;
verified, concluded and answered; the reporter may stay anonymous and reads the reply
with a tracking code that is stored only as a hash.

A tip is routed to the level above its subject (`routed_to`): a tip about a village, its
households or its cadres goes to the township, a tip about a township to the county. The
tip's area scope is the office it is routed to, so the users of the accused village never
list or read it; the reporter's name and phone are shown only to the assigned verifier
(authority "tip.verify")."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.core.scope import RestrictedQuerySet


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("12345 hotline")
    LETTER_BOX = "box", _("Letter box")
    VISIT = "visit", _("Visit in person")
    WEB = "web", _("Web form")
    PHONE = "phone", _("Phone call")
    OTHER = "other", pgettext_lazy("tip channel", "Other")


class SubjectKind(models.TextChoices):
    HOUSEHOLD = "household", pgettext_lazy("tip subject", "A household")
    CADRE = "cadre", pgettext_lazy("tip subject", "A cadre")
    CASE = "case", pgettext_lazy("tip subject", "A case")
    OTHER = "other", pgettext_lazy("tip subject", "Something else")


class Status(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("tip status", "Received")
    ASSIGNED = "assigned", pgettext_lazy("tip status", "Assigned")
    VERIFYING = "verifying", pgettext_lazy("tip status", "Being verified")
    CONCLUDED = "concluded", pgettext_lazy("tip status", "Concluded")
    REPLIED = "replied", pgettext_lazy("tip status", "Replied")


OPEN_STATUSES = (Status.RECEIVED, Status.ASSIGNED, Status.VERIFYING, Status.CONCLUDED)


class Outcome(models.TextChoices):
    SUBSTANTIATED = "substantiated", _("Substantiated")
    PARTLY = "partly", _("Partly substantiated")
    NOT_SUBSTANTIATED = "not_substantiated", _("Not substantiated")


def routed_area_code(area) -> str:
    """The office a tip about `area` goes to: the division above it (a village's township,
    a township's county); the area itself only at the top of the tree."""
    return area.parent_id or area.code


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


class Tip(models.Model):
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    subject_kind = models.CharField(
        _("about"), max_length=10, choices=SubjectKind.choices, default=SubjectKind.OTHER
    )
    household = models.ForeignKey(
        "registry.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tips",
        verbose_name=_("household"),
    )
    subject = models.CharField(
        _("subject"),
        max_length=200,
        blank=True,
        help_text=_("A cadre's name, a case reference or a short title."),
    )
    case_id = models.PositiveBigIntegerField(_("case number"), null=True, blank=True)
    content = models.TextField(_("content"))
    reporter_name = models.CharField(_("reporter's name"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=20, blank=True)
    area = models.ForeignKey(
        "geo.Division", on_delete=models.PROTECT, related_name="tips", verbose_name=_("area")
    )
    # The level above the subject: whose users read, assign, verify and answer the tip.
    routed_to = models.ForeignKey(
        "geo.Division",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("handled by"),
    )
    tracking_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        pgettext_lazy("tip", "status"),
        max_length=10,
        choices=Status.choices,
        default=Status.RECEIVED,
    )
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tips_to_verify",
        verbose_name=_("verifier"),
    )
    deadline = models.DateField(_("deadline"), db_index=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    findings = models.TextField(pgettext_lazy("tip", "findings"), blank=True)
    reply = models.TextField(_("reply"), blank=True)
    replied_on = models.DateField(_("reply date"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    # The scope is the office the tip is routed to, never the village it is about.
    AREA_LOOKUP = "routed_to__code"
    # The reporter's identity stays on the tip (shown to the verifier only), not in the
    # change records that others may read.
    HISTORY_EXCLUDE = ("tracking_hash", "reporter_name", "reporter_phone")
    SENSITIVE_FIELDS = ("reporter_phone",)

    class Meta:
        verbose_name = _("tip")
        verbose_name_plural = _("tips")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["area", "status"], name="tip_area_status_idx"),
            models.Index(fields=["routed_to", "status"], name="tip_routed_status_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_channel_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.routed_to_id is None and self.area_id:
            self.routed_to_id = routed_area_code(self.area)
        super().save(*args, **kwargs)

    @property
    def area_code(self) -> str:
        return self.area_id

    @property
    def is_anonymous(self) -> bool:
        return not self.reporter_name and not self.reporter_phone

    @property
    def is_overdue(self) -> bool:
        return self.status != Status.REPLIED and self.deadline < timezone.localdate()
