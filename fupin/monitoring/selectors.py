"""Reads of monitoring, always scoped to the user's area; a department user sees only the
warnings routed to their department (`services.department_of`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from fupin.accounts.models import User
from fupin.accounts.roles import Role
from fupin.core.scope import area_prefix_of
from fupin.monitoring.models import (
    LEVEL_COLOUR,
    LEVEL_RANK,
    OPEN_STATUSES,
    MonitoringObject,
    MonitoringStatus,
    RiskLevel,
    RiskWarning,
)
from fupin.monitoring.services import department_of
from fupin.registry import panels
from fupin.registry.models import Household

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


def household_panel(user: User, household: Household) -> dict[str, Any] | None:
    if not may_read(user):
        return None
    objs: list[MonitoringObject] = []
    if panels.may_have(household, PANEL_OBJECTS):
        objs = list(objects_for(user).filter(household=household))
    warnings: list[RiskWarning] = []
    if panels.may_have(household, PANEL_WARNINGS):
        warnings = list(warnings_for(user).filter(household=household).order_by("-created_at")[:20])
    return {"objects": objs, "warnings": warnings}
