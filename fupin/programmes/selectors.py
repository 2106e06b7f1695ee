"""Reads the programme ledgers' pages share: a division's rows, and keyset pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from fupin.core.scope import code_range
from fupin.geo.codes import significant_prefix

PAGE_SIZE = 50


def in_area(qs: QuerySet[Any], area: str, lookup: str = "village__code") -> QuerySet[Any]:
    """A division's 12-digit code (the filters offer them) or a prefix: that division
    and below."""
    if not area:
        return qs
    return qs.filter(**{f"{lookup}__range": code_range(significant_prefix(area))})


# ------------------------------------------------------------------ keyset pages


@dataclass
class Page:
    rows: list[Any]
    older: int | None  # the last row shown, when more follow: ?after=<id>
    newer: int | None  # the first row shown, when rows come before it: ?before=<id>


def keyset_page(
    qs: QuerySet[Any], *, after: int | None, before: int | None, size: int | None = None
) -> Page:
    """Newest first by id, by keyset: the rows older than `after` (or newer than
    `before`), never an offset (a county's tens of thousands of placements)."""
    size = size or PAGE_SIZE
    if before is not None and after is None:
        rows = list(qs.filter(pk__gt=before).order_by("pk")[: size + 1])
        more = len(rows) > size
        rows = rows[:size][::-1]
        return Page(rows, rows[-1].pk if rows else None, rows[0].pk if rows and more else None)
    if after is not None:
        qs = qs.filter(pk__lt=after)
    rows = list(qs.order_by("-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(
        rows, rows[-1].pk if rows and more else None, rows[0].pk if rows and after else None
    )
