"""Change records (history) and the log of sensitive reads.

History is written explicitly by services in the same transaction as the change
(Zulip's way), including bulk paths, and is kept forever. Each row carries the full
state after the change (`post_data`) so an object's state as of any date can be read
back, and the changed fields with old → new values for people to read.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.core.files import Upload, private_file


class ChangeAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")


class ChangeRecord(models.Model):
    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    # No foreign-key constraint in the database: PostgreSQL checked it row by row at
    # commit (16 s for the 3.1 million records of a million people's initial load), and a
    # record must never fail or wait on the account it names. Deleting an account still
    # clears its records' `user` (Django's SET_NULL), and `user_name` keeps the name.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
        db_constraint=False,
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
    # Division code of the object's area, so history can be scoped like everything else
    # (as a range of codes: indexed in Meta, without the LIKE twin that db_index adds on
    # PostgreSQL, which nothing reads and every record would pay for).
    area_code = models.CharField(_("area"), max_length=12)
    changes = models.JSONField(_("changes"), default=dict)
    post_data = models.JSONField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    AREA_LOOKUP = "area_code"

    # Not columns: what a history page (registry, projects) sets for its template, from
    # registry.display (a list of its FieldChange, the object type's label).
    field_changes: list[Any]
    type_label: str

    class Meta:
        verbose_name = _("change record")
        verbose_name_plural = _("change records")
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "time"], name="change_object_idx"),
            models.Index(fields=["related_type", "related_id", "time"], name="change_related_idx"),
            models.Index(fields=["area_code"], name="change_area_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.user_name} {self.action} {self.object_repr}"

    @property
    def effective_changes(self) -> dict[str, list[Any]]:
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
        user: Any,  # a fupin.accounts User; the base layer cannot name the class
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


def actor_account[U](actor: U | None) -> U | None:
    """The account a write is signed with: the user, or None for the system (a command,
    a period ending) and for an anonymous visitor (no key)."""
    return actor if getattr(actor, "pk", None) else None


def actor_name(actor: object) -> str:
    """The name a change record or a signature keeps (it outlives the account): the
    username, or "system" where no account acted."""
    return getattr(actor, "username", "") or "system"


class EvidenceFileMixin:
    """A stored evidence file (a signed scan, a photo, a report) kept with the type that
    the upload policy (`fupin.core.files`) sniffed and, where the model has the column,
    its size in bytes: one way for services to keep an accepted upload and one way for
    scoped views to answer with it. Models whose columns carry other names (a visit's
    `photo`, a village score's `attachment`) name them in FILE_FIELD / TYPE_FIELD /
    SIZE_FIELD; `EvidenceFile` declares the usual three."""

    FILE_FIELD = "file"
    TYPE_FIELD = "content_type"
    SIZE_FIELD: str | None = "size"
    # True: the file is always a download, never shown in the page.
    DOWNLOAD_ONLY = False

    def attach(self, upload: Upload | None) -> None:
        """Keep an upload accepted by `fupin.core.files.accept_upload` with its type and
        size (None, no file given, leaves the model as it is). Saved with the model."""
        if upload is None:
            return
        setattr(self, self.FILE_FIELD, upload)
        setattr(self, self.TYPE_FIELD, getattr(upload, "content_type", "") or "")
        if self.SIZE_FIELD is not None:
            setattr(self, self.SIZE_FIELD, upload.size)

    @property
    def evidence_file(self) -> FieldFile:
        file: FieldFile = getattr(self, self.FILE_FIELD)
        return file

    def file_response(self, *, as_attachment: bool = False) -> FileResponse:
        """The stored file as `fupin.core.files.private_file` serves it (404 when there is
        none). The caller has found the object in the user's scope."""
        return private_file(self.evidence_file, as_attachment=as_attachment or self.DOWNLOAD_ONLY)


class EvidenceFile(EvidenceFileMixin, models.Model):
    """An abstract model with an evidence file, its sniffed type and its size. A model
    overrides `file` to say where its files are kept (its area in the path) and how the
    field is labelled."""

    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class EvidenceStep(EvidenceFile):
    """An abstract signed step (谁办理谁签字) on a case or a project: who did it, when,
    the evidence written and filed, the reason. The model adds what the step was (a case's
    step and decision, a project's action and states)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("done by"),
    )
    # Copied so the step still names the person if the account is removed.
    actor_name = models.CharField(_("done by"), max_length=150)
    done_at = models.DateTimeField(_("done"), default=timezone.now)
    evidence = models.TextField(_("evidence"), blank=True)
    reason = models.TextField(_("reason"), blank=True)

    DOWNLOAD_ONLY = True

    class Meta:
        abstract = True

    def sign(self, actor: Any) -> None:  # a fupin.accounts User or None (see log_bulk)
        """The step is signed by `actor` (no account, e.g. a command or the notice
        period ending: "system")."""
        self.actor = actor_account(actor)
        self.actor_name = actor_name(actor)


class Job(models.Model):
    """A background job's progress, which its page's progress bar reads (an import, a
    report). The work itself is a task of Django's task framework (`task_id`, the
    django_tasks_db row) run by `fupin worker`; see fupin.core.jobs.

    A row of its own rather than the run rows (ExchangeRun, ReportRun): the job exists
    (and is queued) before its run row does, a task run again after a lost worker starts
    a new run under the same job, and one row shape serves every kind of job and its
    pages."""

    key = models.CharField(max_length=100, unique=True)  # e.g. "exchange.import:<token>"
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    phase = models.CharField(max_length=20, default="queued")
    fraction = models.FloatField(default=0.0)
    failed = models.BooleanField(default=False)
    result = models.JSONField(default=dict, blank=True)  # e.g. {"run": the ExchangeRun id}
    task_id = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key} {self.phase} {self.fraction:.0%}"


class WorkerHeartbeat(models.Model):
    """A running `fupin worker`: `seen_at` is renewed every few seconds. A worker whose
    heartbeat is older than the limit has died (killed, machine lost); the tasks it was
    running are put back in the queue (fupin.core.worker.recover)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.IntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} {self.host}:{self.pid}"


class ScheduledRun(models.Model):
    """One row per daily command and day: whichever worker inserts it enqueues the run,
    so a day's run is enqueued once however many workers run the scheduler."""

    name = models.CharField(max_length=64)
    day = models.DateField()
    task_id = models.CharField(max_length=64, blank=True)
    enqueued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "day"], name="core_scheduledrun_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.day}"
