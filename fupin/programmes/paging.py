"""Keyset pages for the ledgers' list pages (the cases' list, `cases.selectors.case_page`,
made general): a page holds the rows after (or before) a row of the previous page in one
order — a column, then the id — so a page deep in a county's rows reads only what it
shows, never an offset. `older`/`newer` are the ids a page's links carry (?older=<id>,
?newer=<id>); a cursor the queryset does not hold (outside the user's area, filtered
out, gone) starts again from the first page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q, QuerySet

from fupin.core.scope import code_range
from fupin.geo.codes import significant_prefix

PAGE_SIZE = 50


def in_division[M: Model](qs: QuerySet[M, M], lookup: str, area: str) -> QuerySet[M, M]:
    """The rows under the division a list's filter names: its 12-digit code (the filters
    offer them) or a prefix, read as that division and below; `lookup` leads to the
    rows' division code. No filter: every row."""
    if not area:
        return qs
    return qs.filter(**{f"{lookup}__range": code_range(significant_prefix(area))})


@dataclass
class Page[M: Model]:
    rows: list[M]
    older: int | None  # the last row shown, when further rows follow: ?older=<id>
    newer: int | None  # the first row shown, when rows come before it: ?newer=<id>


def keyset_page[M: Model](
    qs: QuerySet[M, M],
    *,
    order: str,
    older: int | None = None,
    newer: int | None = None,
    descending: bool = True,
    page_size: int = PAGE_SIZE,
) -> Page[M]:
    """A page of `qs` in the order of the column `order` (a lookup, e.g.
    "course__starts_on"; never null) then id, newest (largest) first unless
    `descending` is false: the rows after `older`, the rows before `newer`, or the
    first page. `qs` is already scoped and filtered."""
    cursor = older if older is not None else newer
    mark: Any = None
    if cursor is not None:
        found = qs.filter(pk=cursor).values_list(order, flat=True)[:1]
        mark = found[0] if found else None
    forward, backward = ("lt", "gt") if descending else ("gt", "lt")
    first = [f"-{order}", "-id"] if descending else [order, "id"]
    reverse = [order, "id"] if descending else [f"-{order}", "-id"]
    if mark is not None and newer is not None and older is None:
        before = Q(**{f"{order}__{backward}": mark}) | Q(**{order: mark, f"id__{backward}": newer})
        rows = list(qs.filter(before).order_by(*reverse)[: page_size + 1])
        more = len(rows) > page_size
        rows = rows[:page_size][::-1]
        return Page(rows, rows[-1].pk if rows else None, rows[0].pk if rows and more else None)
    if mark is not None:
        after = Q(**{f"{order}__{forward}": mark}) | Q(**{order: mark, f"id__{forward}": older})
        qs = qs.filter(after)
    rows = list(qs.order_by(*first)[: page_size + 1])
    more = len(rows) > page_size
    rows = rows[:page_size]
    return Page(
        rows,
        rows[-1].pk if rows and more else None,
        rows[0].pk if rows and mark is not None else None,
    )
