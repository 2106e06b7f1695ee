"""Reads of the case workflows, always scoped to the user's area."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from fupin.accounts import authority
from fupin.accounts.models import User
from fupin.cases import procedures as P
from fupin.cases import services
from fupin.cases.models import (
    ACTIVE_STATUSES,
    Appeal,
    Case,
    CaseStatus,
    CaseStep,
    Notice,
    Objection,
    ObjectionStatus,
)
from fupin.cases.services import _in_open_notice
from fupin.core.scope import code_range, user_covers
from fupin.geo.codes import significant_prefix
from fupin.policy.selectors import notice_grace_days
from fupin.registry.choices import Relation
from fupin.registry.models import Household

if TYPE_CHECKING:  # a name of django-stubs only
    from django.utils.functional import _StrOrPromise as StrOrPromise

LIST_LIMIT = 200  # the overdue page's list (one screen; the case list pages instead)
PAGE_SIZE = 50


@dataclass
class CaseFilters:
    kind: str = ""
    status: str = ""
    village: str = ""  # a division code (any level) inside the user's area
    overdue: bool = False


def case_queryset(user: User) -> QuerySet[Case]:
    return Case.objects.restrict(user).select_related("household", "household__village")


def _filtered(user: User, filters: CaseFilters, today: dt.date | None = None) -> QuerySet[Case]:
    qs = case_queryset(user)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.village:
        qs = qs.filter(village__code__range=code_range(significant_prefix(filters.village)))
    if filters.overdue:
        qs = overdue_filter(qs, today)
    return qs


def case_list(*, user: User, filters: CaseFilters, today: dt.date | None = None) -> list[Case]:
    """The newest LIST_LIMIT cases matching the filters."""
    return list(_filtered(user, filters, today).order_by("-opened_at", "-id")[:LIST_LIMIT])


@dataclass
class CasePage:
    rows: list[Case]
    older: int | None  # the last case shown, when older ones follow: ?older=<id>
    newer: int | None  # the first case shown, when newer ones come before: ?newer=<id>


def case_page(
    *,
    user: User,
    filters: CaseFilters,
    older: int | None = None,
    newer: int | None = None,
    page_size: int | None = None,
    today: dt.date | None = None,
) -> CasePage:
    """A page of the cases matching the filters, newest first (opened_at, then id), by
    keyset: the cases older (or newer) than a case of the previous page, so a page deep in
    a county's half-million cases reads what it shows (the (village, opened_at) and
    (opened_at, id) indexes), never an offset. A cursor the user may not see (or no
    case) starts from the newest."""
    page_size = page_size or PAGE_SIZE
    qs = _filtered(user, filters, today)
    cursor_id = older if older is not None else newer
    mark = (
        Case.objects.restrict(user).filter(pk=cursor_id).values_list("opened_at", flat=True).first()
        if cursor_id is not None
        else None
    )
    if mark is not None and newer is not None and older is None:
        after = Q(opened_at__gt=mark) | Q(opened_at=mark, id__gt=newer)
        rows = list(qs.filter(after).order_by("opened_at", "id")[: page_size + 1])
        has_more = len(rows) > page_size
        rows = rows[:page_size][::-1]
        return CasePage(
            rows=rows,
            older=rows[-1].pk if rows else None,
            newer=rows[0].pk if rows and has_more else None,
        )
    if mark is not None:
        qs = qs.filter(Q(opened_at__lt=mark) | Q(opened_at=mark, id__lt=older))
    rows = list(qs.order_by("-opened_at", "-id")[: page_size + 1])
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    return CasePage(
        rows=rows,
        older=rows[-1].pk if rows and has_more else None,
        newer=rows[0].pk if rows and mark is not None else None,
    )


def overdue_filter(qs: QuerySet[Case], today: dt.date | None = None) -> QuerySet[Case]:
    today = today or timezone.localdate()
    return qs.filter(status__in=ACTIVE_STATUSES, step_due_on__lt=today)


class OverdueVillage(TypedDict):
    village__code: str
    village__name: str
    count: int


def overdue_by_village(*, user: User, today: dt.date | None = None) -> list[OverdueVillage]:
    """Overdue cases per village in the user's area: [{village code, name, count}]."""
    qs = overdue_filter(Case.objects.restrict(user), today)
    return list(
        qs.values("village__code", "village__name")
        .annotate(count=Count("id"))
        .order_by("village__code")
    )


def case_get(*, user: User, pk: int) -> Case:
    case = case_queryset(user).select_related("opened_by", "batch").filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def case_records(case: Case) -> list[CaseStep]:
    return list(case.records.select_related("actor").order_by("done_at", "id"))


def household_cases(*, user: User | None, household: Household) -> list[Case]:
    if user is None:
        return []
    return list(Case.objects.restrict(user).filter(household=household).order_by("-opened_at"))


def notice_queryset(user: User) -> QuerySet[Notice]:
    return Notice.objects.restrict(user).select_related("village")


def notice_get(*, user: User, pk: int) -> Notice:
    notice = notice_queryset(user).filter(pk=pk).first()
    if notice is None:
        raise Http404
    return notice


def public_notice_until(notice: Notice) -> dt.date:
    """The last day a notice's public page is shown: the end of its period plus the grace
    days of the county's policy (fupin.policy, `notice_grace_days`)."""

    return notice.ends_on + dt.timedelta(
        days=notice_grace_days(notice.village_id, on=notice.ends_on)
    )


def public_notice(slug: str, today: dt.date | None = None) -> Notice:
    """A notice by its public slug, while its public page is up; else 404 (the same for a
    slug that never was and for a notice whose page is gone)."""
    today = today or timezone.localdate()
    notice = Notice.objects.select_related("village__parent").filter(slug=slug).first()
    if notice is None or today > public_notice_until(notice):
        raise Http404
    return notice


def notice_cases(notice: Notice) -> list[Case]:
    return list(notice.cases.select_related("household").prefetch_related("household__members"))


def notice_candidates(*, user: User, village_code: str) -> list[Case]:
    """Cases of a village at their notice step (what a new notice can list)."""

    qs = case_queryset(user).filter(village_id=village_code, status__in=ACTIVE_STATUSES)
    return [c for c in qs if c.current_step and c.current_step.notice and not _in_open_notice(c)]


def objection_get(*, user: User, pk: int) -> Objection:
    obj = Objection.objects.restrict(user).select_related("notice").filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def may_see_objector(user: User, objection: Objection, village_code: str) -> bool:
    """The objector's name and phone: only for the township or county users who may resolve
    the objection (authority "objection.resolve"); once resolved, for the one who did."""
    if not authority.may(user, "objection.resolve", village_code):
        return False
    return objection.status == ObjectionStatus.OPEN or objection.resolved_by_id == user.pk


@dataclass(frozen=True)
class ShownObjection:
    """An objection to display: whether the page may show who objected, and whether
    someone was named at all (said without saying who)."""

    objection: Objection
    show_objector: bool
    objector_given: bool


def _shown(user: User, objection: Objection, village_code: str) -> ShownObjection:
    return ShownObjection(
        objection,
        show_objector=may_see_objector(user, objection, village_code),
        objector_given=bool(objection.reporter or objection.reporter_phone),
    )


def notice_objections(*, user: User, notice: Notice) -> list[ShownObjection]:
    """The objections to a notice for its page, each with whether the user may see who
    objected (`show_objector`)."""
    return [
        _shown(user, o, notice.village_id)
        for o in notice.objections.prefetch_related("cases").order_by("id")
    ]


def appeal_get(*, user: User, pk: int) -> Appeal:
    appeal = Appeal.objects.restrict(user).select_related("case").filter(pk=pk).first()
    if appeal is None:
        raise Http404
    return appeal


def step_record_get(*, user: User, case_pk: int, pk: int) -> CaseStep:
    rec = CaseStep.objects.restrict(user).filter(case_id=case_pk, pk=pk).first()
    if rec is None or not rec.file:
        raise Http404
    return rec


def head_name(household: Household) -> str:
    """The head of household's name (for notices and letters)."""

    members = [m for m in household.members.all() if m.is_active]
    for m in members:
        if m.relation == Relation.HEAD:
            return m.name
    return members[0].name if members else household.number


# ---------------------------------------------------------------- the household's trail


@dataclass
class NoticeTrail:
    """A notice of the household's cases with the objections that name one of them."""

    notice: Notice
    objections: list[ShownObjection]


@dataclass
class CaseTrail:
    """One case as the household page shows it: its steps done in order, its notices with
    the objections that name the case."""

    case: Case
    steps: list[CaseStep]
    notices: list[NoticeTrail]


@dataclass
class StatusTrail:
    """What explains a household's current status and what can be done next."""

    current: CaseTrail | None  # the passed case that put the household where it is
    active: CaseTrail | None  # the case running now, if any
    earlier: list[CaseTrail]  # every other case, latest first
    may_do_step: bool  # the user may do the active case's current step
    openable: list[tuple[str, StrOrPromise]]  # (kind, label) of the cases the user may open


def may_open_cases(user: User, household: Household) -> bool:
    """Whether the user may open cases on the household (as `services.case_open` asks)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.may_edit
        and user_covers(user, household.village_id)
    )


def openable_kinds(household: Household, cases: list[Case]) -> list[tuple[str, StrOrPromise]]:
    """The kinds of case that can be opened from the household's status (`OPEN_FROM`), less
    those an active case rules out (one status-changing case at a time)."""
    active = [c for c in cases if c.is_active]
    busy = any(P.FINAL_STATUS[c.kind] is not None for c in active)
    kinds: list[tuple[str, StrOrPromise]] = []
    for kind, label in P.CaseKind.choices:
        if household.status not in P.OPEN_FROM[kind]:
            continue
        if P.FINAL_STATUS[kind] is not None and busy:
            continue
        if any(c.kind == kind for c in active):
            continue
        kinds.append((kind, label))
    return kinds


# What the trail shows of a step's signer.
SIGNER_FIELDS = ("id", "username", "last_name", "unit")


def status_trail(household: Household, user: User | None) -> StatusTrail:
    """The case trail of a household for the user: which case put it where it is (its
    steps, who did them and when, its public notice and the objections), the case running
    now, earlier cases, and the actions open to the user. A fixed number of queries,
    however many cases and steps. Nobody signed in (None) sees no case."""
    if user is None:
        return StatusTrail(current=None, active=None, earlier=[], may_do_step=False, openable=[])

    cases = list(
        Case.objects.restrict(user)
        .filter(household=household)
        .select_related("opened_by")  # the household is the one given (set below)
        .order_by("-opened_at", "-id")
    )
    ids = [c.pk for c in cases]
    steps: dict[int, list[CaseStep]] = {pk: [] for pk in ids}
    notices: dict[int, list[NoticeTrail]] = {pk: [] for pk in ids}
    if ids:
        # The signers by key, the fields the trail shows: joined, the planner hashes the
        # whole user table (5 ms a page on the prefecture's 3,500 users).
        signers = Prefetch("actor", queryset=User.objects.only(*SIGNER_FIELDS))
        for s in (
            CaseStep.objects.filter(case_id__in=ids)
            .prefetch_related(signers)
            .order_by("done_at", "id")
        ):
            steps[s.case_id].append(s)
        links = (
            Notice.cases.through.objects.filter(case_id__in=ids)
            .select_related("notice")
            .order_by("notice__posted_on", "notice_id")
        )
        by_notice: dict[int, NoticeTrail] = {}
        for link in links:
            if link.notice_id not in by_notice:
                by_notice[link.notice_id] = NoticeTrail(link.notice, [])
            notices[link.case_id].append(by_notice[link.notice_id])
        objections = (
            Objection.cases.through.objects.filter(
                case_id__in=ids, objection__notice_id__in=list(by_notice)
            )
            .select_related("objection", "objection__resolved_by")
            .order_by("objection__received_on", "objection_id")
        )
        for named in objections:
            by_notice[named.objection.notice_id].objections.append(
                _shown(user, named.objection, household.village_id)
            )
    for c in cases:
        c.household = household
        for s in steps[c.pk]:
            s.case = c  # the step's label needs the case's kind
    trails = {c.pk: CaseTrail(c, steps[c.pk], notices[c.pk]) for c in cases}
    decided = [
        c
        for c in cases
        if c.status == CaseStatus.PASSED and P.FINAL_STATUS[c.kind] == household.status
    ]
    current = max(decided, key=lambda c: (c.closed_at, c.pk), default=None)
    active = next((c for c in cases if c.is_active), None)
    others = [trails[c.pk] for c in cases if c is not current and c is not active]
    return StatusTrail(
        current=trails[current.pk] if current else None,
        active=trails[active.pk] if active else None,
        earlier=others,
        may_do_step=bool(active and user and services.may_do_step(user, active)),
        openable=openable_kinds(household, cases) if may_open_cases(user, household) else [],
    )
