"""Keyset paging of a list, newest first by a date (or time) and then the id: a page is
the rows older (or newer) than a row of the page before, so a page deep in a county's
half-million rows reads what it shows through a (village, date) index, never an offset.
A cursor the user may not see, or one that names no row, starts from the newest. The
case list (`cases.selectors.case_page`) and the programme ledgers' lists page this way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

PAGE_SIZE = 50


@dataclass
class Page:
    rows: list[Any]
    older: int | None  # the last row shown, when older ones follow: ?older=<id>
    newer: int | None  # the first row shown, when newer ones come before: ?newer=<id>


def newest_first(
    qs: QuerySet[Any],
    date_field: str,
    *,
    older: int | None = None,
    newer: int | None = None,
    page_size: int = PAGE_SIZE,
    marks: QuerySet[Any] | None = None,
) -> Page:
    """A page of `qs` (already scoped and filtered) by (`date_field`, id), newest first.
    `marks`: where the cursor's row is looked up (default `qs`; the case list reads it
    among all the user's cases, whatever the filters)."""
    cursor_id = older if older is not None else newer
    mark = (
        (qs if marks is None else marks)
        .filter(pk=cursor_id)
        .values_list(date_field, flat=True)
        .first()
        if cursor_id is not None
        else None
    )
    if mark is not None and newer is not None and older is None:
        after = Q(**{f"{date_field}__gt": mark}) | Q(**{date_field: mark, "id__gt": newer})
        rows = list(qs.filter(after).order_by(date_field, "id")[: page_size + 1])
        has_more = len(rows) > page_size
        rows = rows[:page_size][::-1]
        return Page(
            rows=rows,
            older=rows[-1].pk if rows else None,
            newer=rows[0].pk if rows and has_more else None,
        )
    if mark is not None:
        qs = qs.filter(Q(**{f"{date_field}__lt": mark}) | Q(**{date_field: mark, "id__lt": older}))
    rows = list(qs.order_by(f"-{date_field}", "-id")[: page_size + 1])
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    return Page(
        rows=rows,
        older=rows[-1].pk if rows and has_more else None,
        newer=rows[0].pk if rows and mark is not None else None,
    )
