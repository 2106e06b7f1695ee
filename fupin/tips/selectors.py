"""Reads of tips. Every selector takes the user and applies the area scope.

A tip's scope is the office it is routed to (`Tip.routed_to`, the level above its
subject), so the users of the accused village never list or read it. Who reads, assigns,
verifies and answers tips is the authority table's ("tip.read", "tip.assign",
"tip.verify", "tip.reply"): township and county offices and inspectors read; department
users and paired cadres do not (403). The reporter's name and phone are shown only to the
assigned verifier (`may_see_reporter`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from fupin.accounts import authority
from fupin.accounts.models import User
from fupin.core.errors import NotAllowed, OutsideArea
from fupin.core.history import history_of
from fupin.core.models import ChangeRecord
from fupin.core.scope import code_range, user_covers
from fupin.geo.codes import significant_prefix
from fupin.geo.models import Level
from fupin.registry import panels
from fupin.registry.models import Household
from fupin.tips.models import OPEN_STATUSES, Status, Tip, hash_code

PAGE_SIZE = 50


def _own_area(user: User) -> str:
    return getattr(user, "area_id", None) or ""


def may_read_tips(user: User) -> bool:
    """The user's role may read the tips routed to its area (authority "tip.read")."""
    return authority.may(user, "tip.read", _own_area(user))


def may_record_tips(user: User) -> bool:
    """The user's role may record a tip (authority "tip.record"): village staff too, who
    then no longer see it (it goes to the township above)."""
    return authority.may(user, "tip.record", _own_area(user))


def require_read(user: User) -> None:
    if not may_read_tips(user):
        raise PermissionDenied


def require_list(user: User) -> None:
    """The tips pages: for those who read tips or record them."""
    if not (may_read_tips(user) or may_record_tips(user)):
        raise PermissionDenied


def tip_queryset(user: User) -> QuerySet[Tip]:
    if not may_read_tips(user):
        return Tip.objects.none()
    return Tip.objects.restrict(user).select_related(
        "area", "area__parent", "routed_to", "household", "verifier"
    )


@dataclass
class TipFilters:
    status: str = ""
    channel: str = ""
    overdue: bool = False
    area: str = ""  # a division code prefix inside the user's area (the tips' subject)


def overdue_q(qs: QuerySet[Tip]) -> QuerySet[Tip]:
    """Not yet answered and past the deadline."""
    return qs.filter(status__in=OPEN_STATUSES, deadline__lt=timezone.localdate())


def tip_list(*, user: User, filters: TipFilters, page: int = 1) -> tuple[list[Tip], bool]:
    """The tips routed to the user's area (none for village staff, who only record)."""
    require_list(user)
    qs = tip_queryset(user)
    if filters.area:
        qs = qs.filter(area__code__range=code_range(significant_prefix(filters.area)))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.overdue:
        qs = overdue_q(qs).order_by("deadline", "id")
    start = (max(page, 1) - 1) * PAGE_SIZE
    rows = list(qs[start : start + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def overdue_count(user: User) -> int:
    return overdue_q(tip_queryset(user)).count()


def tip_read(*, user: User, pk: int) -> Tip:
    """The tip, for a user who may read it (authority "tip.read" over the office it is
    routed to): OutsideArea (404) outside that office's area — the accused village
    included —, NotAllowed (403) for a role that does not read tips."""
    tip = (
        Tip.objects.select_related("area", "area__parent", "routed_to", "household", "verifier")
        .filter(pk=pk)
        .first()
    )
    if tip is None:
        raise OutsideArea()
    authority.require(user, "tip.read", tip.routed_to_id)
    return tip


def tip_get(*, user: User, pk: int) -> Tip:
    """`tip_read` for the pages: 404 / 403."""
    try:
        return tip_read(user=user, pk=pk)
    except OutsideArea:
        raise Http404 from None
    except NotAllowed:
        raise PermissionDenied from None


def may_see_reporter(user: User, tip: Tip) -> bool:
    """The reporter's name and phone: only for the assigned verifier, while the table lets
    that user verify tips at the office the tip is routed to."""
    return (
        tip.verifier_id is not None
        and getattr(user, "pk", None) == tip.verifier_id
        and authority.may(user, "tip.verify", tip.routed_to_id)
    )


@dataclass(frozen=True)
class TipActions:
    """What the user may do on the tip's page (the authority table decides)."""

    assign: bool
    verify: bool  # start the verification, record the outcome (the assigned verifier)
    reply: bool

    @property
    def any(self) -> bool:
        return self.assign or self.verify or self.reply


def tip_actions(user: User, tip: Tip) -> TipActions:
    routed = tip.routed_to_id
    return TipActions(
        assign=authority.may(user, "tip.assign", routed),
        verify=may_see_reporter(user, tip),
        reply=authority.may(user, "tip.reply", routed),
    )


# The household page's flag: whether the household has any tip (registry.panels).
PANEL_TIPS = "panel_tips"


def household_tips(*, user: User, household: Household) -> list[Tip]:
    """Tips about a household, for its page: only for users who may read the tips routed
    above the household's village (never the village's own users)."""
    if household is None or not user_covers(user, household.village_id):
        return []
    if not panels.may_have(household, PANEL_TIPS):
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
    handled_by_county: bool = False  # the township office otherwise


def tip_track(code: str) -> PublicView | None:
    code = (code or "").strip().upper()
    if not code:
        return None
    tip = Tip.objects.select_related("routed_to").filter(tracking_hash=hash_code(code)).first()
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
        handled_by_county=tip.routed_to.level <= Level.COUNTY,
    )


def tip_history(tip: Tip) -> QuerySet[ChangeRecord]:
    records: QuerySet[ChangeRecord] = history_of(tip).select_related("user")
    return records


@dataclass(frozen=True)
class TipLine:
    """Where the public reports a problem: the supervision hotline (settings
    `TIPS_HOTLINE`, env FUPIN_TIPS_HOTLINE; nationally 12317) and the public tip form
    (its path; the tracking page tells a reporter what became of it)."""

    phone: str
    form_path: str
    track_path: str


def tip_line() -> TipLine:
    return TipLine(
        phone=str(getattr(settings, "TIPS_HOTLINE", "12317")),
        form_path=reverse("tips:report"),
        track_path=reverse("tips:track"),
    )
