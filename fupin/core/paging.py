"""A list of rows newest first, paged by keyset (`?older=<id>` / `?newer=<id>`): the
rows older (or newer) than a row of the previous page, by a date or time column with the
id breaking ties, so that a page deep in a long list reads what it shows (an index on
(column, id) or (area, column)), never an offset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q, QuerySet


@dataclass
class KeysetPage[M: Model]:
    rows: list[M]
    older: int | None  # the last row shown, when older ones follow: ?older=<id>
    newer: int | None  # the first row shown, when newer ones come before: ?newer=<id>


def newest_first[M: Model](
    qs: QuerySet[M, M],
    column: str,
    *,
    cursors: QuerySet[M, M],
    older: int | None,
    newer: int | None,
    page_size: int,
) -> KeysetPage[M]:
    """A page of `qs` ordered by `column` then id, newest first. The cursor row is looked
    up in `cursors` (the user's scoped rows, whatever the filters): a cursor the user may
    not see (or no cursor) starts from the newest."""
    cursor_id = older if older is not None else newer
    mark: Any = (
        cursors.filter(pk=cursor_id).values_list(column, flat=True).first()
        if cursor_id is not None
        else None
    )
    if mark is not None and newer is not None and older is None:
        after = Q(**{f"{column}__gt": mark}) | Q(**{column: mark, "id__gt": newer})
        rows = list(qs.filter(after).order_by(column, "id")[: page_size + 1])
        has_more = len(rows) > page_size
        rows = rows[:page_size][::-1]
        return KeysetPage(
            rows=rows,
            older=rows[-1].pk if rows else None,
            newer=rows[0].pk if rows and has_more else None,
        )
    if mark is not None:
        qs = qs.filter(Q(**{f"{column}__lt": mark}) | Q(**{column: mark, "id__lt": older}))
    rows = list(qs.order_by(f"-{column}", "-id")[: page_size + 1])
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    return KeysetPage(
        rows=rows,
        older=rows[-1].pk if rows and has_more else None,
        newer=rows[0].pk if rows and mark is not None else None,
    )
