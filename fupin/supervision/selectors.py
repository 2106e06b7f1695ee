"""Reads of supervision. Page selectors take the user and apply area scope once.

Contract for other apps (village scoring and performance assessment, fupin.scoring):

- ``findings_closed_rate(area_code, start, end) -> float | None``: of the findings
  against units in the area whose rectification deadline lies in [start, end], the
  share rectified on time: a rectification report submitted on or before the deadline
  and accepted by the inspector (verification itself may come later; the unit is not
  held to the inspector's pace). A finding marked failed never counts as closed.
  None when there is no such finding.
- ``task_completion_rate(area_code, start, end) -> float | None``: of the tasks
  assigned to units in the area with a due date in [start, end], the share completed
  on or before the due date. None when there is no such task.
- ``unit_findings_closed_rate(unit_id, start, end)`` and
  ``unit_task_completion_rate(unit_id, start, end)``: the same for one unit only (a
  county department's area is the whole county, so its own rates need these).

``area_code`` is a 12-digit division code (its whole area counts: a township's code
takes in its villages' units) or a significant prefix such as "431129". These two are
not scoped to a user: the caller (a scoring run) decides who sees the result.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Model, Q, QuerySet
from django.http import Http404

from fupin.accounts.models import User
from fupin.core.scope import area_prefix_of
from fupin.geo.codes import significant_prefix
from fupin.supervision import choices as c
from fupin.supervision.models import (
    Escalation,
    Finding,
    Inspection,
    ResponsibilityItem,
    Task,
    TaskList,
    Unit,
)

if TYPE_CHECKING:  # a name of django-stubs only
    from django.utils.functional import _StrOrPromise as StrOrPromise


def findings_closed_rate(area_code: str, start: dt.date, end: dt.date) -> float | None:
    rows = Finding.objects.in_area(significant_prefix(area_code)).filter(
        deadline__range=(start, end)
    )
    return _closed_rate(rows)


def task_completion_rate(area_code: str, start: dt.date, end: dt.date) -> float | None:
    rows = Task.objects.in_area(significant_prefix(area_code)).filter(due_date__range=(start, end))
    return _completion_rate(rows)


def unit_findings_closed_rate(unit_id: int, start: dt.date, end: dt.date) -> float | None:
    """`findings_closed_rate` of one unit only (a county department's own findings, not
    the county's)."""
    return _closed_rate(Finding.objects.filter(unit_id=unit_id, deadline__range=(start, end)))


def unit_task_completion_rate(unit_id: int, start: dt.date, end: dt.date) -> float | None:
    """`task_completion_rate` of one unit only."""
    return _completion_rate(Task.objects.filter(unit_id=unit_id, due_date__range=(start, end)))


def _closed_rate(rows: QuerySet[Any]) -> float | None:
    total = rows.count()
    if not total:
        return None
    closed = rows.filter(status=c.FindingStatus.RECTIFIED, rectified_on__lte=F("deadline"))
    return closed.count() / total


def _completion_rate(rows: QuerySet[Any]) -> float | None:
    total = rows.count()
    if not total:
        return None
    return rows.filter(completed_on__lte=F("due_date")).count() / total


# ------------------------------------------------------------------ page reads


def _get[M: Model](qs: QuerySet[M], **kwargs: Any) -> M:
    obj = qs.filter(**kwargs).first()
    if obj is None:
        raise Http404
    return obj


def unit_get(*, user: User, pk: int) -> Unit:
    return _get(Unit.objects.restrict(user), pk=pk)


def inspections(*, user: User) -> QuerySet[Inspection]:
    """Inspections of an area inside the user's, and those that found something against
    a unit inside it (a village sees the county's inspection that found its problems)."""

    prefix = area_prefix_of(user)
    if prefix is None:
        return Inspection.objects.none()
    own = Inspection.objects.restrict(user).values("pk")
    found = Finding.objects.restrict(user).values("inspection_id")
    return Inspection.objects.filter(Q(pk__in=own) | Q(pk__in=found)).select_related("area")


def inspection_get(*, user: User, pk: int) -> Inspection:
    return _get(inspections(user=user), pk=pk)


def finding_get(*, user: User, pk: int) -> Finding:
    return _get(
        Finding.objects.restrict(user).select_related("unit", "inspection", "inspection__area"),
        pk=pk,
    )


def escalation_get(*, user: User, pk: int) -> Escalation:
    return _get(Escalation.objects.restrict(user).select_related("unit", "finding"), pk=pk)


def task_get(*, user: User, pk: int) -> Task:
    return _get(Task.objects.restrict(user).select_related("unit", "task_list"), pk=pk)


def task_list_get(*, user: User, pk: int) -> TaskList:
    return _get(TaskList.objects.restrict(user).select_related("area"), pk=pk)


def units(*, user: User, prefix: str = "", active: bool | None = True) -> QuerySet[Unit]:
    """Units in the user's area; the active ones by default, all with active=None."""
    qs = Unit.objects.restrict(user).in_area(prefix)
    return qs if active is None else qs.filter(active=active)


def open_findings(*, user: User, today: dt.date, prefix: str = "") -> QuerySet[Finding]:
    """Findings not yet closed; overdue ones (deadline passed) first."""
    return (
        Finding.objects.restrict(user)
        .in_area(prefix)
        .filter(status__in=c.OPEN_STATUSES)
        .select_related("unit", "inspection")
        .order_by("deadline", "id")
    )


def is_overdue(finding: Finding, today: dt.date) -> bool:
    return (
        finding.status in c.OPEN_STATUSES
        and finding.deadline < today
        and (finding.status != c.FindingStatus.SUBMITTED)
    )


@dataclass
class PeriodCounts:
    start: dt.date
    end: dt.date
    by_step: dict[str, int] = field(default_factory=dict)
    units_by_step: dict[str, int] = field(default_factory=dict)
    proposed: int = 0

    @property
    def rows(self) -> list[tuple[str, StrOrPromise, int, int]]:
        return [
            (s.value, s.label, self.by_step.get(s.value, 0), self.units_by_step.get(s.value, 0))
            for s in c.EscalationStep
        ]


def escalation_counts(
    *, user: User, start: dt.date, end: dt.date, prefix: str = ""
) -> PeriodCounts:
    """Escalation steps of the period in the user's area: how many, how many units at
    each highest step, how many still to be decided."""
    qs = Escalation.objects.restrict(user).in_area(prefix).filter(period_start__range=(start, end))
    out = PeriodCounts(start=start, end=end)
    for row in qs.values("step").annotate(n=Count("id")):
        out.by_step[row["step"]] = row["n"]
    highest: dict[int, int] = {}
    for unit_id, seq in qs.values_list("unit_id", "sequence"):
        highest[unit_id] = max(highest.get(unit_id, 0), seq)
    out.units_by_step = dict(Counter(c.step_for(n) for n in highest.values()))
    out.proposed = qs.filter(state=c.EscalationState.PROPOSED).count()
    return out


def escalation_list(
    *, user: User, start: dt.date, end: dt.date, prefix: str = ""
) -> QuerySet[Escalation]:
    return (
        Escalation.objects.restrict(user)
        .in_area(prefix)
        .filter(period_start__range=(start, end))
        .select_related("unit", "finding")
        .order_by("unit__area_code", "unit_id", "sequence")
    )


@dataclass
class Ledger:
    unit: Unit
    periods: list[tuple[tuple[dt.date, dt.date], list[Escalation]]]
    findings: list[Finding]


def unit_ledger(*, user: User, unit: Unit) -> Ledger:
    """A unit's escalation ledger, period by period (newest first), and its findings."""
    escs = (
        Escalation.objects.restrict(user)
        .filter(unit=unit)
        .select_related("finding")
        .order_by("-period_start", "sequence")
    )
    periods: dict[tuple[dt.date, dt.date], list[Escalation]] = {}
    for e in escs:
        periods.setdefault((e.period_start, e.period_end), []).append(e)
    findings = list(
        Finding.objects.restrict(user)
        .filter(unit=unit)
        .select_related("inspection")
        .order_by("-found_on", "-id")
    )
    return Ledger(unit=unit, periods=list(periods.items()), findings=findings)


@dataclass
class UnitRate:
    unit: Unit
    total: int
    done: int
    on_time: int
    overdue: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.total if self.total else None


def task_board(
    *, user: User, kind: str, start: dt.date, end: dt.date, today: dt.date, prefix: str = ""
) -> dict[str, Any]:
    """Task lists of one period and their tasks, and completion per unit."""
    lists = list(
        TaskList.objects.restrict(user)
        .filter(period_kind=kind, period_start=start)
        .select_related("area")
        .order_by("id")
    )
    visible_lists = {tl.pk for tl in lists}
    tasks = list(
        Task.objects.restrict(user)
        .in_area(prefix)
        .filter(task_list__period_kind=kind, task_list__period_start=start)
        .select_related("unit", "task_list")
        .order_by("task_list_id", "due_date", "id")
    )
    rates: dict[int, UnitRate] = {}
    for t in tasks:
        r = rates.setdefault(t.unit_id, UnitRate(t.unit, 0, 0, 0, 0))
        r.total += 1
        r.done += t.done
        r.on_time += t.on_time
        r.overdue += (not t.done) and t.due_date < today
    by_list: dict[int, list[Task]] = {}
    for t in tasks:
        by_list.setdefault(t.task_list_id, []).append(t)
    # A village user sees the county's list only through its own tasks.
    extra = {t.task_list_id: t.task_list for t in tasks if t.task_list_id not in visible_lists}
    all_lists = lists + list(extra.values())
    return {
        "lists": [(tl, by_list.get(tl.pk, [])) for tl in all_lists],
        "rates": sorted(rates.values(), key=lambda r: (r.unit.area_code, r.unit.name)),
    }


def overdue_tasks(*, user: User, today: dt.date, prefix: str = "") -> QuerySet[Task]:
    return (
        Task.objects.restrict(user)
        .in_area(prefix)
        .filter(completed_on__isnull=True, due_date__lt=today)
        .select_related("unit", "task_list")
        .order_by("due_date", "id")
    )


def responsibility_items(
    *, user: User, prefix: str = "", level: str = ""
) -> QuerySet[ResponsibilityItem]:
    qs = ResponsibilityItem.objects.restrict(user).in_area(prefix).filter(active=True)
    if level:
        qs = qs.filter(level=level)
    return qs.select_related("unit").order_by("level", "unit__area_code", "unit__name", "id")


def user_prefix(user: User) -> str | None:
    return area_prefix_of(user)


def years_with_findings(*, user: User) -> list[int]:
    """Years in which findings of the user's area had their deadline, newest first."""
    days = Finding.objects.restrict(user).dates("deadline", "year", order="DESC")
    return [d.year for d in days]


@dataclass
class UnitCounts:
    """A unit's open and overdue findings now, its failures in the year, the highest
    failure's sequence and the label of the step it earns (None: no failure)."""

    open: int = 0
    overdue: int = 0
    failures: int = 0
    highest: int = 0
    step: StrOrPromise | None = None


def unit_counts(*, user: User, year: int, today: dt.date) -> dict[int, UnitCounts]:
    """Per unit: open and overdue findings now, failures and highest step in the year."""
    out: dict[int, UnitCounts] = {}
    rows = (
        Finding.objects.restrict(user)
        .filter(status__in=c.OPEN_STATUSES)
        .values_list("unit_id", "status", "deadline")
    )
    for unit_id, status, deadline in rows:
        d = out.setdefault(unit_id, UnitCounts())
        d.open += 1
        if status != c.FindingStatus.SUBMITTED and deadline < today:
            d.overdue += 1
    escs = Escalation.objects.restrict(user).filter(
        period_start__range=(dt.date(year, 1, 1), dt.date(year, 12, 31))
    )
    for unit_id, seq in escs.values_list("unit_id", "sequence"):
        d = out.setdefault(unit_id, UnitCounts())
        d.failures += 1
        d.highest = max(d.highest, seq)
    for d in out.values():
        if d.highest:
            d.step = c.EscalationStep(c.step_for(d.highest)).label
    return out


def task_periods(*, user: User) -> list[tuple[str, dt.date]]:
    """(period kind, first day) of the task lists the user sees or has tasks in,
    newest first."""
    lists = TaskList.objects.restrict(user).values_list("period_kind", "period_start")
    tasks = Task.objects.restrict(user).values_list(
        "task_list__period_kind", "task_list__period_start"
    )
    found = set(lists.distinct()) | set(tasks.distinct())
    return sorted(found, key=lambda p: (p[1], p[0]), reverse=True)[:24]


def responsibility_get(*, user: User, pk: int) -> ResponsibilityItem:
    return _get(ResponsibilityItem.objects.restrict(user).select_related("unit"), pk=pk)
