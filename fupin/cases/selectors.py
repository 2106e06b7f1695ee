"""Reads of the case workflows, always scoped to the user's area."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from fupin.cases.models import ACTIVE_STATUSES, Appeal, Case, CaseStep, Notice, Objection
from fupin.core.scope import code_range

LIST_LIMIT = 200


@dataclass
class CaseFilters:
    kind: str = ""
    status: str = ""
    village: str = ""  # a division code (any level) inside the user's area
    overdue: bool = False


def case_queryset(user) -> QuerySet[Case]:
    return Case.objects.restrict(user).select_related("household", "household__village")


def case_list(*, user, filters: CaseFilters, today: dt.date | None = None) -> list[Case]:
    qs = case_queryset(user)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.village:
        qs = qs.filter(household__village__code__range=code_range(filters.village))
    if filters.overdue:
        qs = overdue_filter(qs, today)
    return list(qs.order_by("-opened_at", "-id")[:LIST_LIMIT])


def overdue_filter(qs: QuerySet[Case], today: dt.date | None = None) -> QuerySet[Case]:
    today = today or timezone.localdate()
    return qs.filter(status__in=ACTIVE_STATUSES, step_due_on__lt=today)


def overdue_by_village(*, user, today: dt.date | None = None) -> list[dict]:
    """Overdue cases per village in the user's area: [{village code, name, count}]."""
    qs = overdue_filter(Case.objects.restrict(user), today)
    return list(
        qs.values("household__village__code", "household__village__name")
        .annotate(count=Count("id"))
        .order_by("household__village__code")
    )


def case_get(*, user, pk: int) -> Case:
    case = case_queryset(user).select_related("opened_by", "batch").filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def case_records(case: Case) -> list[CaseStep]:
    return list(case.records.select_related("actor").order_by("done_at", "id"))


def household_cases(*, user, household) -> list[Case]:
    if user is None:
        return []
    return list(Case.objects.restrict(user).filter(household=household).order_by("-opened_at"))


def notice_queryset(user) -> QuerySet[Notice]:
    return Notice.objects.restrict(user).select_related("village")


def notice_get(*, user, pk: int) -> Notice:
    notice = notice_queryset(user).filter(pk=pk).first()
    if notice is None:
        raise Http404
    return notice


def notice_cases(notice: Notice) -> list[Case]:
    return list(notice.cases.select_related("household").prefetch_related("household__members"))


def notice_candidates(*, user, village_code: str) -> list[Case]:
    """Cases of a village at their notice step (what a new notice can list)."""
    from fupin.cases.services import _in_open_notice

    qs = case_queryset(user).filter(household__village_id=village_code, status__in=ACTIVE_STATUSES)
    return [c for c in qs if c.current_step and c.current_step.notice and not _in_open_notice(c)]


def objection_get(*, user, pk: int) -> Objection:
    obj = Objection.objects.restrict(user).select_related("notice").filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def appeal_get(*, user, pk: int) -> Appeal:
    appeal = Appeal.objects.restrict(user).select_related("case").filter(pk=pk).first()
    if appeal is None:
        raise Http404
    return appeal


def step_record_get(*, user, case_pk: int, pk: int) -> CaseStep:
    rec = CaseStep.objects.restrict(user).filter(case_id=case_pk, pk=pk).first()
    if rec is None or not rec.file:
        raise Http404
    return rec


def head_name(household) -> str:
    """The head of household's name (for notices and letters)."""
    from fupin.registry.choices import Relation

    members = [m for m in household.members.all() if m.is_active]
    for m in members:
        if m.relation == Relation.HEAD:
            return m.name
    return members[0].name if members else household.number
