"""Training (技能培训): courses (a register of the area that holds them) and each
person's attendance with the skill learnt and the certificate obtained. Models stay
thin: the rules are in `rules.py`, the writes in `services.py`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fupin.core.display import ChoiceLabels
from fupin.core.scope import RestrictedQuerySet
from fupin.programmes.models import LedgerRow


class CourseKind(models.TextChoices):
    VOCATIONAL = "vocational", _("Vocational skills training")  # 职业技能培训
    FARMING = "farming", _("Practical farming techniques")  # 农业实用技术培训
    BUSINESS = "business", _("Business start-up training")  # 创业培训
    ORDER = "order", _("Training for a given employer")  # 订单式、定向培训


class Course(ChoiceLabels, models.Model):
    """A course (培训班) held for an area: a village, a township or the county. Its
    attendances are read in each household's village; the course itself by the users of
    the area it is held for."""

    code = models.CharField(_("course number"), max_length=40, unique=True)
    name = models.CharField(_("course name"), max_length=120)
    kind = models.CharField(
        pgettext_lazy("course", "kind"), max_length=12, choices=CourseKind.choices
    )
    skill = models.CharField(_("skill taught"), max_length=60, db_index=True)
    organiser = models.CharField(_("organiser"), max_length=120)
    division = models.ForeignKey(
        "geo.Division",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("held for the area"),
    )
    place = models.CharField(_("place"), max_length=120)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    hours = models.PositiveSmallIntegerField(_("class hours"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()
    AREA_LOOKUP = "division__code"
    # Not personal: a paired cadre reads the courses of its area.
    CADRE_VISIBLE = True

    class Meta:
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["division", "starts_on"], name="course_division_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def area_code(self) -> str:
        return str(self.division_id)


class AttendanceResult(models.TextChoices):
    COMPLETED = "completed", _("Completed the course")  # 结业
    DROPPED = "dropped", _("Did not complete")  # 未结业


class CertificateKind(models.TextChoices):
    QUALIFICATION = "qualification", _("Vocational qualification certificate")  # 职业资格证书
    SKILL_LEVEL = "skill_level", _("Vocational skill level certificate")  # 职业技能等级证书
    SPECIAL = "special", _("Special vocational ability certificate")  # 专项职业能力证书
    COMPLETION = "completion", _("Training completion certificate")  # 培训合格证书


class Attendance(LedgerRow):
    """One person at one course (the member is required), with the result, the skill
    learnt and the certificate (kind, number, day of issue) when one was obtained."""

    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("course")
    )
    result = models.CharField(
        pgettext_lazy("training", "result"),
        max_length=10,
        choices=AttendanceResult.choices,
        default=AttendanceResult.COMPLETED,
    )
    skill_learnt = models.CharField(_("skill learnt"), max_length=60)
    certificate_kind = models.CharField(
        _("certificate kind"), max_length=14, choices=CertificateKind.choices, blank=True
    )
    certificate_number = models.CharField(_("certificate number"), max_length=40, blank=True)
    certificate_issued_on = models.DateField(_("certificate issued on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("training attendance")
        verbose_name_plural = _("training attendances")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "member"], name="attendance_natural_key"),
            models.UniqueConstraint(
                fields=["certificate_kind", "certificate_number"],
                condition=~models.Q(certificate_number=""),
                name="certificate_unique",
            ),
        ]
        indexes = [models.Index(fields=["village", "course"], name="attendance_village_idx")]

    def __str__(self) -> str:
        return f"{self.course_id} {self.member_id}"
