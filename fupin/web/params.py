"""Reading a page's query parameters: a bad value is no value (never a 500)."""

from __future__ import annotations

import datetime as dt


def parse_date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def parse_int(text: str | None) -> int | None:
    try:
        return int(text) if text not in (None, "") else None
    except (TypeError, ValueError):
        return None


def keyset_cursor(query) -> dict[str, int | None]:
    """A keyset-paged list's position (?older=<id> or ?newer=<id>) as keyword arguments
    of its selector (`programmes.paging.keyset_page`, `cases.selectors.case_page`)."""
    return {"older": parse_int(query.get("older")), "newer": parse_int(query.get("newer"))}
