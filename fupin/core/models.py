"""Change records (history) and the log of sensitive reads.

History is written explicitly by services in the same transaction as the change
(Zulip's way), including bulk paths, and is kept forever. Each row carries the full
state after the change (`post_data`) so an object's state as of any date can be read
back, and the changed fields with old → new values for people to read.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ChangeAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")


class ChangeRecord(models.Model):
    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    # Copied so the record still names the person if the account is removed.
    user_name = models.CharField(_("user name"), max_length=150, blank=True)
    request_id = models.UUIDField(_("request id"), null=True, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=10, choices=ChangeAction.choices)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.CharField(_("object id"), max_length=40)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    # The parent the change belongs to: a member's change shows in its household's history.
    related_type = models.CharField(max_length=50, blank=True)
    related_id = models.CharField(max_length=40, blank=True)
    # Division code of the object's area, so history can be scoped like everything else.
    area_code = models.CharField(_("area"), max_length=12, db_index=True)
    changes = models.JSONField(_("changes"), default=dict)
    post_data = models.JSONField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    AREA_LOOKUP = "area_code"

    class Meta:
        verbose_name = _("change record")
        verbose_name_plural = _("change records")
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "time"], name="change_object_idx"),
            models.Index(fields=["related_type", "related_id", "time"], name="change_related_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.user_name} {self.action} {self.object_repr}"

    @property
    def effective_changes(self) -> dict[str, list]:
        """`{field: [old, new]}`. A creation written in bulk (the registry import) keeps
        the new state once, in `post_data`, and leaves `changes` empty: its changes are
        every field that has a value, from nothing."""
        if self.changes or self.action != ChangeAction.CREATE or not self.post_data:
            return self.changes or {}
        return {k: [None, v] for k, v in self.post_data.items() if v is not None}


class SensitiveRead(models.Model):
    """Who revealed an unmasked ID number, phone or bank account, and when."""

    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.CharField(_("object id"), max_length=40)
    field = models.CharField(_("field"), max_length=50)
    area_code = models.CharField(_("area"), max_length=12)
    channel = models.CharField(_("channel"), max_length=10, default="web")
    # A bulk or file read (an export with full values, an import report, an attachment,
    # an admin history page) is one row with the number of values it showed.
    count = models.PositiveIntegerField(_("values read"), default=1)

    class Meta:
        verbose_name = _("sensitive read")
        verbose_name_plural = _("sensitive reads")
        ordering = ["-time"]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.user_id} {self.object_type}:{self.object_id}"

    @classmethod
    def log_bulk(
        cls,
        *,
        user,
        object_type: str,
        object_id: str,
        field: str,
        area_code: str,
        count: int,
        channel: str = "web",
    ) -> "SensitiveRead":
        """One row for one bulk or file read of unmasked values."""
        return cls.objects.create(
            user=user,
            object_type=object_type[:50],
            object_id=str(object_id)[:40],
            field=field[:50],
            area_code=area_code or "",
            count=count,
            channel=channel[:10],
        )
