"""Reads of the registry. Every selector takes the user and applies the area scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import transaction
from django.db.models import F, Max, Min, Model, Prefetch, QuerySet
from django.db.models.expressions import BaseExpression
from django.http import Http404

from fupin.accounts.models import User
from fupin.core.history import children_as_of, history_of, state_as_of, type_label
from fupin.core.masking import MASKERS
from fupin.core.models import ChangeRecord, SensitiveRead
from fupin.core.scope import area_prefix_of, code_range
from fupin.geo.codes import significant_prefix
from fupin.geo.models import PREFIX_LENGTH, Level
from fupin.registry import choices as c
from fupin.registry import idnumber, panels
from fupin.registry.models import Household, Member

PAGE_SIZE = 50


@dataclass
class HouseholdFilters:
    area: str = ""  # a division code prefix inside the user's area (village, township …)
    status: str = ""
    category: str = ""
    cause: str = ""
    monitoring_type: str = ""
    q: str = ""  # a name, an ID number or a household number

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


def _text_prefix(column: str, text: str) -> dict[str, tuple[str, str]]:
    """Prefix match as an index-friendly range (no LIKE, same on SQLite and PostgreSQL)."""
    return {f"{column}__range": (text, text + "\U0010ffff")}


def household_queryset(user: User) -> QuerySet[Household]:
    return Household.objects.restrict(user)


def household_search_ids(user: User, q: str) -> QuerySet[Any, Any] | list[int] | None:
    """Households matching a name, an ID number or a household number: a subquery of
    household ids, or a list of ids when a household-number search and an ID-number prefix
    search are joined (at most 1,000 of each); None when `q` is blank."""
    q = q.strip()
    if not q:
        return None
    norm = idnumber.normalise(q)
    members = Member.objects.restrict(user)
    if len(norm) == 18:
        return members.filter(id_number=norm).values("household_id")
    if norm[:17].isdigit() and len(norm) >= 6:
        # A prefix search of ID numbers would recover the digits a mask hides: only
        # roles that may reveal get it; others find people by the full number only.
        by_id = user.may_reveal
        if len(norm) >= 12:  # could be a household number too
            households = Household.objects.restrict(user).filter(**_text_prefix("number", norm))
            ids = list(households.values_list("id", flat=True)[:1000])
            if by_id:
                ids += list(
                    members.filter(**_text_prefix("id_number", norm)).values_list(
                        "household_id", flat=True
                    )[:1000]
                )
            return ids
        if not by_id:
            return Household.objects.none().values("id")
        return members.filter(**_text_prefix("id_number", norm)).values("household_id")
    return members.filter(**_text_prefix("name", q)).values("household_id")


def search_echo(user: User, q: str) -> str:
    """The search text to show back on the page: an ID number masked for roles that
    may not reveal (the page says "found" and links the person; it never echoes digits)."""
    norm = idnumber.normalise(q or "")
    if user.may_reveal or len(norm) != 18 or not norm[:17].isdigit():
        return q
    return MASKERS["id_number"](norm)


@dataclass
class Page:
    rows: list[Any]
    next_after: int | None
    prev_before: int | None
    filters: HouseholdFilters = field(default_factory=HouseholdFilters)


def _id_bounds(prefix: str | None, user: User) -> dict[str, int]:
    """The lowest and highest household id of the area listed (the filter's, else the
    user's): the same rows, said again as a range of the primary key. A list in id order
    is read along that key until a page is full; the planner cannot know that an area's
    households sit together in it (a registry is entered village by village), so without
    the range a township's list read the prefecture's households from the first id on
    (0.4-0.8 s on the prefecture demo under load). The bounds come from the area's rows of
    the (village, id) index: `id + 0`, since min(id) and max(id) alone are read along the
    primary key with the same misjudgement (13 ms for a county of the prefecture demo,
    2 ms for a township)."""
    if prefix is None:
        prefix = area_prefix_of(user) or ""
    if len(prefix) < PREFIX_LENGTH[Level.PREFECTURE]:
        # The whole registry, or a province: in a province's database its households are
        # all of them, and finding the bounds would read them all (2.2 s at 10^7 people).
        return {}
    bounds = Household.objects.filter(village__code__range=code_range(prefix)).aggregate(
        low=Min(F("id") + 0), high=Max(F("id") + 0)
    )
    if bounds["low"] is None:
        return {"id__lt": 0}  # no household there: nothing to read
    return {"id__gte": bounds["low"], "id__lte": bounds["high"]}


def household_list(
    *,
    user: User,
    filters: HouseholdFilters,
    after: int | None = None,
    before: int | None = None,
    page_size: int = PAGE_SIZE,
) -> Page:
    """One page of households by id (keyset pagination: constant cost at any depth)."""
    qs = household_queryset(user).select_related("village", "village__parent")
    # A division's full code (the API's filter) or its significant prefix (the page's).
    area = significant_prefix(filters.area) if filters.area else None
    if area is not None:
        qs = qs.filter(village__code__range=code_range(area))
    qs = qs.filter(**_id_bounds(area, user))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.cause:
        qs = qs.filter(main_cause=filters.cause)
    if filters.monitoring_type:
        qs = qs.filter(monitoring_type=filters.monitoring_type)
    if filters.q:
        ids = household_search_ids(user, filters.q)
        if ids is not None:  # None: the text was only whitespace, which searches nothing
            qs = qs.filter(id__in=ids)
    if before is not None:
        rows = list(qs.filter(id__lt=before).order_by("-id")[: page_size + 1])
        has_more = len(rows) > page_size
        rows = list(reversed(rows[:page_size]))
        next_after = rows[-1].id if rows else None
        prev_before = rows[0].id if rows and has_more else None
    else:
        if after is not None:
            qs = qs.filter(id__gt=after)
        rows = list(qs.order_by("id")[: page_size + 1])
        has_more = len(rows) > page_size
        rows = rows[:page_size]
        next_after = rows[-1].id if rows and has_more else None
        prev_before = rows[0].id if rows and after is not None else None
    heads = {
        m.household_id: m
        for m in Member.objects.filter(
            household_id__in=[h.id for h in rows], relation=c.Relation.HEAD, is_active=True
        )
    }
    for h in rows:
        h.head = heads.get(h.id)  # type: ignore[attr-defined]  # shown with the page's rows
    return Page(rows=rows, next_after=next_after, prev_before=prev_before, filters=filters)


def household_get(
    *,
    user: User,
    pk: int,
    rows: bool = True,
    flags: Mapping[str, BaseExpression] | None = None,
) -> Household:
    """A household in the user's area; 404 outside the area. With `rows` (the household
    page, the API, the forms that count members) its members, incomes, assessments and
    attachments are prefetched; the pages that show only its head (history, as of a date,
    edit) pass rows=False and save those four queries. `flags` are annotations read in
    the same query (the household page's panels: whether the household has any rows of
    a kind, registry.panels.flags); with the ATTACHMENTS flag its files are left for the
    page to read only when there are any."""
    qs = household_queryset(user).select_related(
        "village", "village__parent", "village__parent__parent"
    )
    if rows:
        qs = qs.prefetch_related(
            Prefetch("members", queryset=Member.objects.order_by("-is_active", "id")),
            "incomes",
            "assessments",
        )
        if not flags or panels.ATTACHMENTS not in flags:
            qs = qs.prefetch_related("attachments")  # else read only when the flag says any
    if flags:
        qs = qs.annotate(**flags)
    h = qs.filter(pk=pk).first()
    if h is None:
        raise Http404
    return h


def household_history(*, user: User, household: Household) -> QuerySet[ChangeRecord]:
    records: QuerySet[ChangeRecord] = history_of(household).select_related("user")
    return records


def household_as_of(
    *, user: User, household: Household, when: dt.datetime
) -> dict[str, Any] | None:
    """The household and its members as they were recorded at `when`."""
    state = state_as_of(type_label(Household), str(household.pk), when)
    if state is None:
        return None
    members = [
        m
        for m in children_as_of(household, type_label(Member), when)
        if m.get("household_id") == household.pk and m.get("is_active")
    ]
    return {"household": state, "members": sorted(members, key=lambda m: m["id"])}


class Sensitive(Protocol):
    """A model with SENSITIVE_FIELDS and an area (households, members, tips, cadres)."""

    pk: Any

    @property
    def area_code(self) -> str: ...


def masked(obj: Sensitive, field_name: str) -> str:
    return MASKERS[field_name](getattr(obj, field_name))


def reveal(*, user: User, obj: Model, field_name: str, channel: str = "web") -> str:
    """The unmasked value of a sensitive field, for roles that need it; logged."""
    if field_name not in getattr(obj, "SENSITIVE_FIELDS", ()) or not user.may_reveal:
        raise Http404
    with transaction.atomic():
        SensitiveRead.objects.create(
            user=user,
            object_type=type_label(obj),
            object_id=str(obj.pk),
            field=field_name,
            area_code=obj.area_code,  # type: ignore[attr-defined]  # every SENSITIVE_FIELDS model
            channel=channel,
        )
    return str(getattr(obj, field_name))
