"""Reads of monitoring, always scoped to the user's area; a department user sees only the
warnings routed to their department (`services.department_of`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from fupin.accounts.models import User
from fupin.accounts.roles import Role
from fupin.core.scope import area_prefix_of, code_range
from fupin.geo.codes import ancestor_codes
from fupin.geo.models import Division
from fupin.monitoring import grading
from fupin.monitoring.models import (
    LEVEL_COLOUR,
    LEVEL_RANK,
    OPEN_STATUSES,
    GradeColour,
    GradingRound,
    HouseholdGrade,
    MonitoringObject,
    MonitoringStatus,
    RiskLevel,
    RiskWarning,
)
from fupin.monitoring.services import department_of
from fupin.registry import panels
from fupin.registry.choices import Relation
from fupin.registry.models import Household, Member

RISING_DAYS = 90  # a risk level raised within this many days counts as rising
READERS = {
    Role.VILLAGE_STAFF,
    Role.TOWNSHIP_STATION,
    Role.COUNTY_OFFICE,
    Role.DEPARTMENT,
    Role.INSPECTOR,
    Role.CADRE,
    Role.SYSADMIN,
}


def may_read(user: User) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_superuser or user.role in READERS)
        and area_prefix_of(user) is not None
    )


def warnings_for(user: User) -> QuerySet[RiskWarning]:
    if not may_read(user):
        return RiskWarning.objects.none()
    qs = RiskWarning.objects.restrict(user).select_related("household", "household__village")
    if getattr(user, "role", None) == Role.DEPARTMENT and not user.is_superuser:
        dep = department_of(user)
        qs = qs.filter(department=dep) if dep else qs.none()
    return qs


def warning_get(user: User, pk: int) -> RiskWarning:
    w = warnings_for(user).filter(pk=pk).first()
    if w is None:
        raise Http404
    return w


def objects_for(user: User, level: str = "") -> QuerySet[MonitoringObject]:
    if not may_read(user) or getattr(user, "role", None) == Role.DEPARTMENT:
        return MonitoringObject.objects.none()
    qs = (
        MonitoringObject.objects.restrict(user)
        .exclude(status=MonitoringStatus.ENDED)
        .select_related("household", "household__village")
    )
    if level:
        qs = qs.filter(risk_level=level)
    return qs


def objects_by_level(user: User) -> list[dict[str, Any]]:
    qs = objects_for(user)
    return [
        {
            "value": lv.value,
            "label": lv.label,
            "colour": LEVEL_COLOUR[lv],
            "n": qs.filter(risk_level=lv).count(),
        }
        for lv in RiskLevel
    ]


def overdue(user: User, today: dt.date | None = None) -> QuerySet[RiskWarning]:
    today = today or timezone.localdate()
    return warnings_for(user).filter(status__in=OPEN_STATUSES, deadline__lt=today)


def rising(user: User, today: dt.date | None = None) -> list[Any]:
    """Monitoring objects whose level went up lately, and escalated open warnings."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=RISING_DAYS)
    objs = [o for o in objects_for(user).filter(level_changed_on__gte=since) if o.is_rising]
    objs.sort(key=lambda o: -LEVEL_RANK[o.risk_level])
    return objs


def escalated(user: User) -> QuerySet[RiskWarning]:
    return (
        warnings_for(user)
        .filter(status__in=OPEN_STATUSES, escalations__gt=0)
        .filter(~Q(level=F("proposed_level")))
    )


@dataclass
class Attention:
    overdue: list[Any] = field(default_factory=list)
    overdue_count: int = 0
    rising: list[Any] = field(default_factory=list)
    open_count: int = 0


def attention(user: User, today: dt.date | None = None, limit: int = 5) -> Attention:
    """What the home page shows to the responsible users."""
    if not may_read(user):
        return Attention()
    od = overdue(user, today).order_by("deadline", "id")
    return Attention(
        overdue=list(od[:limit]),
        overdue_count=od.count(),
        rising=rising(user, today)[:limit],
        open_count=warnings_for(user).filter(status__in=OPEN_STATUSES).count(),
    )


# The household page's flags (registry.panels): a kind the household has none of is not read.
PANEL_OBJECTS = "panel_monitoring_objects"
PANEL_WARNINGS = "panel_risk_warnings"
PANEL_GRADES = "panel_household_grades"


def household_panel(user: User, household: Household) -> dict[str, Any] | None:
    if not may_read(user):
        return None
    objs: list[MonitoringObject] = []
    if panels.may_have(household, PANEL_OBJECTS):
        objs = list(objects_for(user).filter(household=household))
    warnings: list[RiskWarning] = []
    if panels.may_have(household, PANEL_WARNINGS):
        warnings = list(warnings_for(user).filter(household=household).order_by("-created_at")[:20])
    grade = None
    if panels.may_have(household, PANEL_GRADES):
        grade = latest_grade(user, household)
        if grade is not None:
            grade.reason_texts = reasons_of(grade)  # type: ignore[attr-defined]
    return {"objects": objs, "warnings": warnings, "grade": grade}


# ---------------------------------------------------------------- grading rounds


def may_read_grades(user: User) -> bool:
    """The grades are the monitoring staff's (a department sees only its warnings)."""
    return may_read(user) and (user.is_superuser or user.role != Role.DEPARTMENT)


def rounds_for(user: User) -> QuerySet[GradingRound]:
    """The rounds of the user's area, of an area inside it, or of an area containing it
    (a township reads its county's round: its own households' grades)."""
    prefix = area_prefix_of(user)
    if prefix is None or not may_read_grades(user):
        return GradingRound.objects.none()
    qs = GradingRound.objects.select_related("area")
    if not prefix:
        return qs
    return qs.filter(
        Q(area__code__range=code_range(prefix)) | Q(area_id__in=ancestor_codes(prefix))
    )


def round_get(user: User, pk: int) -> GradingRound:
    rnd = rounds_for(user).filter(pk=pk).first()
    if rnd is None:
        raise Http404
    return rnd


MOVES = ("up", "down", "same", "new")


def grades_for(
    user: User, rnd: GradingRound, colour: str = "", move: str = "", adjusted: bool = False
) -> QuerySet[HouseholdGrade]:
    """The round's grades inside the user's area, filtered by colour, by movement since
    the previous round (up: more urgent) and to the adjusted ones."""
    if not may_read_grades(user):
        return HouseholdGrade.objects.none()
    qs = HouseholdGrade.objects.restrict(user).filter(round=rnd)
    if colour in GradeColour.values:
        qs = qs.filter(colour=colour)
    if move in MOVES:
        qs = qs.filter(_move_q(move))
    if adjusted:
        qs = qs.exclude(colour=F("computed_colour"))
    return qs


def _move_q(move: str) -> Q:
    """Movement as a filter: the pairs (previous, now) that are a move up or down."""
    if move == "new":
        return Q(previous_colour="")
    if move == "same":
        return Q(colour=F("previous_colour"))
    ranks = grading.COLOUR_RANK
    pairs = [
        (p, c)
        for p in GradeColour.values
        for c in GradeColour.values
        if (ranks[c] > ranks[p] if move == "up" else ranks[c] < ranks[p])
    ]
    q = Q(pk__in=[])
    for p, c in pairs:
        q |= Q(previous_colour=p, colour=c)
    return q


def grade_counts(user: User, rnd: GradingRound) -> list[dict[str, Any]]:
    """Households per colour of the round inside the user's area."""
    found = dict(grades_for(user, rnd).values_list("colour").annotate(n=Count("id")).order_by())
    return [{"value": c.value, "label": c.label, "n": found.get(c.value, 0)} for c in GradeColour]


def grade_get(user: User, pk: int) -> HouseholdGrade:
    g = (
        HouseholdGrade.objects.restrict(user)
        .select_related("round", "household", "village")
        .filter(pk=pk)
        .first()
    )
    if g is None or not may_read_grades(user):
        raise Http404
    return g


def latest_grade(user: User, household: Household) -> HouseholdGrade | None:
    """The household's grade in its latest round (by as-of date, then run), if the user
    may read it."""
    if not may_read_grades(user):
        return None
    return (
        HouseholdGrade.objects.restrict(user)
        .filter(household=household)
        .select_related("round")
        .order_by("-round__as_of", "-round__run_at", "-round_id")
        .first()
    )


def reasons_of(grade: HouseholdGrade) -> list[str]:
    """A grade's reasons in the user's language, from its round's copy of the rules."""
    rules = {r.get("id"): r for r in (grade.round.rules or {}).get("rules", [])}
    return [grading.describe(rules[r]) if r in rules else str(r) for r in grade.reasons]


def head_names(household_ids: list[int]) -> dict[int, str]:
    """The name of each household's active head (a workbook's column)."""
    out: dict[int, str] = {}
    for i in range(0, len(household_ids), 5000):
        out.update(
            Member.objects.filter(
                household_id__in=household_ids[i : i + 5000], relation=Relation.HEAD, is_active=True
            ).values_list("household_id", "name")
        )
    return out


def round_comparison(user: User, a: GradingRound, b: GradingRound) -> grading.Comparison:
    """`grading.compare` inside the user's area, with the villages' names."""
    prefix = area_prefix_of(user)
    if prefix is None or not may_read_grades(user):
        raise Http404
    result = grading.compare(a, b, grades=HouseholdGrade.objects.restrict(user))
    result.names = dict(
        Division.objects.filter(code__in=list(result.villages)).values_list("code", "name")
    )
    labels = dict(GradeColour.choices)
    for row in (*result.up, *result.down):
        row["from_label"], row["to_label"] = labels[row["from"]], labels[row["to"]]
    return result
