"""Scoped reads the API needs beyond fupin.registry.selectors (divisions, members).

Every query starts from `.restrict(user)`; an object outside the user's area is
indistinguishable from one that does not exist (404)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.http import Http404

from fupin.core.scope import area_prefix_of
from fupin.geo.codes import ancestor_codes
from fupin.geo.models import Division
from fupin.registry import idnumber
from fupin.registry.models import Member, MemberChange


@dataclass
class KeysetPage:
    items: list[Any]
    next_after: Any


def keyset(qs, key: str, after, limit: int) -> KeysetPage:
    if after is not None:
        qs = qs.filter(**{f"{key}__gt": after})
    rows = list(qs.order_by(key)[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    return KeysetPage(rows, getattr(rows[-1], key) if rows and has_more else None)


def _text_prefix(column: str, text: str) -> dict[str, tuple[str, str]]:
    return {f"{column}__range": (text, text + "\U0010ffff")}


# ---------------------------------------------------------------- divisions


def division_list(
    *, user, parent: str | None, level: int | None, after: str | None, limit: int
) -> KeysetPage:
    qs = Division.objects.restrict(user)
    if parent:
        qs = qs.filter(parent_id=parent)
    if level:
        qs = qs.filter(level=level)
    return keyset(qs, "code", after, limit)


def division_get(*, user, code: str) -> Division:
    d = Division.objects.restrict(user).select_related("profile").filter(code=code).first()
    if d is None:
        raise Http404
    return d


def division_path(*, user, division: Division) -> list[Division]:
    """The division's ancestors inside the user's area, from the top down (a county user
    sees county → township for a village)."""
    prefix = area_prefix_of(user) or ""
    above = reversed(ancestor_codes(division.code, include_self=False))
    codes = [a for a in above if a.startswith(prefix)]
    found = {a.code: a for a in Division.objects.filter(code__in=codes)}
    return [found[a] for a in codes if a in found]


# ---------------------------------------------------------------- members


def member_queryset(user):
    return Member.objects.restrict(user).select_related("household")


def member_list(
    *,
    user,
    household: int | None = None,
    q: str = "",
    active: bool | None = None,
    after: int | None = None,
    limit: int = 50,
) -> KeysetPage:
    qs = member_queryset(user)
    if household is not None:
        qs = qs.filter(household_id=household)
    if active is not None:
        qs = qs.filter(is_active=active)
    q = q.strip()
    if q:
        norm = idnumber.normalise(q)
        if len(norm) == 18:
            qs = qs.filter(id_number=norm)
        elif len(norm) >= 4 and norm[: min(len(norm), 17)].isdigit():
            # An ID-number prefix search would recover masked digits: reveal roles only.
            if not user.may_reveal:
                return KeysetPage([], None)
            qs = qs.filter(**_text_prefix("id_number", norm))
        else:
            qs = qs.filter(**_text_prefix("name", q))
    return keyset(qs, "id", after, limit)


def member_get(*, user, pk: int) -> Member:
    m = (
        member_queryset(user)
        .prefetch_related(
            Prefetch("changes", queryset=MemberChange.objects.order_by("-date", "-id"))
        )
        .filter(pk=pk)
        .first()
    )
    if m is None:
        raise Http404
    return m
