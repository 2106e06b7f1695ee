"""Education aid (教育扶贫): the benefits each student of a registered household receives
(两免一补, 助学金, the 雨露计划 vocational subsidy) with school, stage, school year and
amount, and the cases of children of compulsory-school age who dropped out (控辍保学),
until they are back in school, taught at home or the case is closed otherwise.

Models stay thin: the rules (which benefit fits which stage, who may receive one, when a
dropout case is open) are in `rules.py`, the writes in `services.py`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.programmes.models import LedgerRow, RecordedBy


class AidKind(models.TextChoices):
    TWO_EXEMPTIONS = "two_exemptions", _("Two exemptions, one subsidy (两免一补)")
    GRANT = "grant", _("Student grant (助学金)")
    RAINBOW_PLAN = "rainbow_plan", _("Rainbow Plan vocational subsidy (雨露计划)")


class Stage(models.TextChoices):
    """The stage of schooling (学段). The values are the registry's school statuses
    (registry.choices.SchoolStatus) of a pupil at that stage, so that a child back in
    school takes the stage as its school status."""

    KINDERGARTEN = "kindergarten", _("Kindergarten")
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior secondary")
    SENIOR = "senior", _("Senior secondary")
    VOCATIONAL = "vocational", _("Secondary vocational school")
    TECHNICIAN = "technician", _("Technician college")
    HIGHER_VOCATIONAL = "higher_vocational", _("Higher vocational college")
    UNDERGRADUATE = "undergraduate", _("Undergraduate")
    POSTGRADUATE = "postgraduate", _("Postgraduate")


class Term(models.TextChoices):
    AUTUMN = "autumn", _("Autumn term")
    SPRING = "spring", _("Spring term")
    YEAR = "year", _("Whole school year")


class StudentAid(LedgerRow, RecordedBy):
    """One benefit paid to one student for one term (or school year) of one kind."""

    member = models.ForeignKey(
        "registry.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("student")
    )
    kind = models.CharField(_("benefit"), max_length=20, choices=AidKind.choices, db_index=True)
    stage = models.CharField(_("stage of schooling"), max_length=20, choices=Stage.choices)
    school = models.CharField(_("school"), max_length=100)
    # The school year by the calendar year it starts in (2024: 2024–2025, from September).
    school_year = models.PositiveSmallIntegerField(_("school year"))
    term = models.CharField(pgettext_lazy("school", "term"), max_length=10, choices=Term.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2)
    paid_on = models.DateField(_("paid on"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("student benefit")
        verbose_name_plural = _("student benefits")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind", "school_year", "term"], name="student_aid_natural_key"
            )
        ]
        # The list pages by keyset: an area's newest (village, date), a county's (date, id).
        indexes = [
            models.Index(fields=["village", "paid_on"], name="student_aid_village_idx"),
            models.Index(fields=["paid_on", "id"], name="student_aid_paid_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.school_year} {self.term}"


class DropoutCause(models.TextChoices):
    ILLNESS = "illness", _("Illness or disability")
    WEARY = "weary", _("Weary of school or falling behind (厌学)")
    WORK = "work", _("Gone out to work")
    MARRIAGE = "marriage", _("Early marriage")
    FAMILY = "family", _("Family hardship")
    DISTANCE = "distance", _("School too far")
    OTHER = "other", pgettext_lazy("dropout cause", "Other")


class DropoutStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("dropout", "Open")
    RETURNED = "returned", _("Back in school")
    HOME = "home", _("Taught at home (送教上门)")
    CLOSED = "closed", pgettext_lazy("dropout", "Closed otherwise")


class DropoutCase(LedgerRow):
    """A child of compulsory-school age found out of school (辍学), followed until the
    township or county closes the case (never who opened it: four eyes)."""

    member = models.ForeignKey(
        "registry.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("child")
    )
    opened_on = models.DateField(_("found out of school on"))
    school = models.CharField(_("last school"), max_length=100, blank=True)
    stage = models.CharField(
        _("stage of schooling"), max_length=20, choices=Stage.choices, blank=True
    )
    cause = models.CharField(
        _("cause of dropping out"), max_length=10, choices=DropoutCause.choices
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(
        pgettext_lazy("dropout", "status"),
        max_length=10,
        choices=DropoutStatus.choices,
        default=DropoutStatus.OPEN,
        db_index=True,
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # A child back in school: the stage it went back to (its school status follows).
    returned_stage = models.CharField(
        _("back at the stage"), max_length=20, choices=Stage.choices, blank=True
    )
    outcome = models.CharField(pgettext_lazy("dropout", "outcome"), max_length=300, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=pgettext_lazy("dropout", "opened by"),
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("closed by"),
    )

    class Meta:
        verbose_name = _("dropout case")
        verbose_name_plural = _("dropout cases")
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "opened_on"], name="dropout_natural_key"),
            # One open case per child at a time.
            models.UniqueConstraint(
                fields=["member"], condition=Q(status="open"), name="dropout_one_open"
            ),
        ]
        indexes = [
            models.Index(fields=["village", "opened_on"], name="dropout_village_idx"),
            models.Index(fields=["opened_on", "id"], name="dropout_opened_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.opened_on}"
