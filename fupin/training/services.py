"""Writes of the training ledger. Every write checks the actor's role and area, keeps the
rules of `rules.py`, and records its change (fupin.core.history) in the same
transaction: courses in the area they are held for, attendances under their household.

- `course_create`, `course_update`: staff of the area the course is held for.
- `attendance_record`: staff of the household's area, on a course of their area, for a
  member the rules admit (`rules.attendance_refusals`, `rules.certificate_refusals`).
- `attendance_update`: the result, the skill learnt and the certificate (issued later).

The workbook import (`ledger.py`) writes in bulk with the same rule functions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core.errors import OutsideArea, ValidationFailed
from fupin.core.history import created, recording
from fupin.core.scope import require_edit, require_household
from fupin.geo.models import Division
from fupin.programmes.due import household_due_on
from fupin.programmes.values import refuse
from fupin.registry.models import Household, Member
from fupin.training import rules
from fupin.training.models import (
    Attendance,
    AttendanceResult,
    CertificateKind,
    Course,
    CourseKind,
)

COURSE_TEXT = {"code": 40, "name": 120, "skill": 60, "organiser": 120, "place": 120}


def _course_terms(data: dict[str, Any]) -> dict[str, Any]:
    problems: list[tuple[str, str]] = []
    out: dict[str, Any] = {}
    for name, length in COURSE_TEXT.items():
        out[name] = str(data.get(name) or "").strip()
        if not out[name]:
            problems.append((name, _("Required.")))
        elif len(out[name]) > length:
            problems.append((name, _("At most %(n)d characters.") % {"n": length}))
    out["kind"] = data.get("kind") or ""
    if out["kind"] not in CourseKind.values:
        problems.append(("kind", _("Choose the kind of course.")))
    for name in ("starts_on", "ends_on"):
        out[name] = data.get(name)
        if not isinstance(out[name], dt.date):
            problems.append((name, _("Required.")))
    out["hours"] = data.get("hours")
    problems += rules.course_refusals(
        starts_on=out["starts_on"] if isinstance(out["starts_on"], dt.date) else None,
        ends_on=out["ends_on"] if isinstance(out["ends_on"], dt.date) else None,
        hours=out["hours"],
    )
    refuse(problems)
    return out


def _division(actor: Any, code: str) -> str:
    """The area a course is held for: a division inside the actor's area where it edits."""
    code = str(code or "").strip()
    if not Division.objects.filter(code=code).exists():
        raise ValidationFailed({"division": [_("No division with this code.")]})
    require_edit(actor, code)
    return code


def course_create(*, actor: Any, data: dict[str, Any], reason: str = "") -> Course:
    """Record a course held for an area of the actor's."""
    division = _division(actor, data.get("division_id", ""))
    terms = _course_terms(data)
    with transaction.atomic():
        if Course.objects.filter(code=terms["code"]).exists():
            raise ValidationFailed({"code": [_("A course with this number is recorded already.")]})
        course = Course.objects.create(division_id=division, created_by=actor, **terms)
        created(actor, course, reason=reason or _("Course recorded"))
    return course


def course_update(*, actor: Any, course: Course, data: dict[str, Any], reason: str = "") -> Course:
    """Change a course's details (its number and area stay)."""
    require_edit(actor, course.division_id)
    terms = _course_terms({**data, "code": course.code})
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        issued = course.attendances.filter(certificate_issued_on__lt=terms["starts_on"])
        if issued.exists():
            raise ValidationFailed(
                {"starts_on": [_("A certificate of this course was issued before that day.")]}
            )
        with recording(actor, course, reason=reason or _("Course changed")):
            for name, value in terms.items():
                setattr(course, name, value)
            course.save()
    return course


def _course_in_area(actor: Any, course: Course) -> None:
    """The course is one of the actor's area (a course held elsewhere is 'not found')."""
    if actor is not None and not Course.objects.restrict(actor).filter(pk=course.pk).exists():
        raise OutsideArea()


def _attendance_terms(data: dict[str, Any], course: Course) -> dict[str, Any]:
    out: dict[str, Any] = {
        "result": data.get("result") or AttendanceResult.COMPLETED,
        "skill_learnt": str(data.get("skill_learnt") or "").strip() or course.skill,
        "certificate_kind": data.get("certificate_kind") or "",
        "certificate_number": str(data.get("certificate_number") or "").strip(),
        "certificate_issued_on": data.get("certificate_issued_on") or None,
    }
    problems: list[tuple[str, str]] = []
    if out["result"] not in AttendanceResult.values:
        problems.append(("result", _("Choose the result.")))
    if out["certificate_kind"] not in ("", *CertificateKind.values):
        problems.append(("certificate_kind", _("Unknown certificate kind.")))
    if len(out["skill_learnt"]) > 60:
        problems.append(("skill_learnt", _("At most %(n)d characters.") % {"n": 60}))
    if len(out["certificate_number"]) > 40:
        problems.append(("certificate_number", _("At most %(n)d characters.") % {"n": 40}))
    refuse(problems)
    return out


def _certificate_taken(terms: dict[str, Any], exclude: int | None = None) -> None:
    if not terms["certificate_number"]:
        return
    qs = Attendance.objects.filter(
        certificate_kind=terms["certificate_kind"], certificate_number=terms["certificate_number"]
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise ValidationFailed(
            {
                "certificate_number": [
                    _("A certificate of this kind with this number is recorded already.")
                ]
            }
        )


def attendance_record(
    *,
    actor: Any,
    course: Course,
    household: Household,
    member: Member | None,
    data: dict[str, Any],
    today: dt.date | None = None,
    reason: str = "",
) -> Attendance:
    """Record a member's attendance at a course, with its result and certificate."""
    today = today or timezone.localdate()
    require_household(actor, household)
    require_edit(actor, household.village_id)
    _course_in_area(actor, course)
    terms = _attendance_terms(data, course)
    problems = rules.attendance_refusals(
        household=household,
        member=member,
        course=course,
        due=household_due_on(household, course.starts_on),
        today=today,
    )
    problems += rules.certificate_refusals(
        result=terms["result"],
        kind=terms["certificate_kind"],
        number=terms["certificate_number"],
        issued_on=terms["certificate_issued_on"],
        course_starts_on=course.starts_on,
        today=today,
    )
    refuse(problems, _("This attendance cannot be recorded."))
    with transaction.atomic():
        if Attendance.objects.filter(course=course, member=member).exists():
            raise ValidationFailed(
                {"member": [_("This person is recorded at this course already.")]}
            )
        _certificate_taken(terms)
        attendance = Attendance.objects.create(
            household=household,
            member=member,
            village_id=household.village_id,
            course=course,
            recorded_by=actor,
            **terms,
        )
        created(actor, attendance, related=household, reason=reason or _("Training recorded"))
    return attendance


def attendance_update(
    *,
    actor: Any,
    attendance: Attendance,
    data: dict[str, Any],
    today: dt.date | None = None,
    reason: str = "",
) -> Attendance:
    """Change an attendance's result, skill learnt or certificate (one issued later)."""
    today = today or timezone.localdate()
    require_household(actor, attendance.household)
    require_edit(actor, attendance.village_id)
    course = attendance.course
    terms = _attendance_terms(data, course)
    refuse(
        rules.certificate_refusals(
            result=terms["result"],
            kind=terms["certificate_kind"],
            number=terms["certificate_number"],
            issued_on=terms["certificate_issued_on"],
            course_starts_on=course.starts_on,
            today=today,
        )
    )
    with transaction.atomic():
        attendance = Attendance.objects.select_for_update().get(pk=attendance.pk)
        _certificate_taken(terms, exclude=attendance.pk)
        with recording(
            actor, attendance, related=attendance.household, reason=reason or _("Training changed")
        ):
            for name, value in terms.items():
                setattr(attendance, name, value)
            attendance.save()
    return attendance
