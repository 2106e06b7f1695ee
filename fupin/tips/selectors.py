"""Reads of tips. Every selector takes the user and applies the area scope.

Who reads tips: the editing roles (village staff, township station, county office) and
inspectors, in their area. Department users and paired cadres do not (a tip may be about a
cadre); they get 403."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from fupin.accounts.roles import Role
from fupin.core.scope import user_covers
from fupin.tips.models import OPEN_STATUSES, Status, Tip, hash_code

PAGE_SIZE = 50


def may_read_tips(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or user.may_edit or user.role == Role.INSPECTOR


def require_read(user) -> None:
    if not may_read_tips(user):
        raise PermissionDenied


def tip_queryset(user) -> QuerySet[Tip]:
    if not may_read_tips(user):
        return Tip.objects.none()
    return Tip.objects.restrict(user).select_related(
        "area", "area__parent", "household", "verifier"
    )


@dataclass
class TipFilters:
    status: str = ""
    channel: str = ""
    overdue: bool = False
    area: str = ""  # a division code prefix inside the user's area


def overdue_q(qs: QuerySet[Tip]) -> QuerySet[Tip]:
    """Not yet answered and past the deadline."""
    return qs.filter(status__in=OPEN_STATUSES, deadline__lt=timezone.localdate())


def tip_list(*, user, filters: TipFilters, page: int = 1) -> tuple[list[Tip], bool]:
    require_read(user)
    qs = tip_queryset(user)
    if filters.area:
        qs = qs.in_area(filters.area)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.overdue:
        qs = overdue_q(qs).order_by("deadline", "id")
    start = (max(page, 1) - 1) * PAGE_SIZE
    rows = list(qs[start : start + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def overdue_count(user) -> int:
    return overdue_q(tip_queryset(user)).count()


def tip_get(*, user, pk: int) -> Tip:
    require_read(user)
    tip = tip_queryset(user).filter(pk=pk).first()
    if tip is None:
        raise Http404
    return tip


def household_tips(*, user, household) -> list[Tip]:
    """Tips about a household, for its page: empty for roles that may not read tips."""
    if household is None or not user_covers(user, household.village_id):
        return []
    return list(tip_queryset(user).filter(household=household))


@dataclass
class PublicView:
    """What the reporter may read: never the findings or who verified."""

    received_on: object
    status: str
    status_label: str
    deadline: object
    reply: str
    replied_on: object


def tip_track(code: str) -> PublicView | None:
    code = (code or "").strip().upper()
    if not code:
        return None
    tip = Tip.objects.filter(tracking_hash=hash_code(code)).first()
    if tip is None:
        return None
    replied = tip.status == Status.REPLIED
    return PublicView(
        received_on=timezone.localdate(tip.received_at),
        status=tip.status,
        status_label=tip.get_status_display(),
        deadline=tip.deadline,
        reply=tip.reply if replied else "",
        replied_on=tip.replied_on if replied else None,
    )


def tip_history(tip: Tip):
    from fupin.core.history import history_of

    return history_of(tip).select_related("user")
