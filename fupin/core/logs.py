"""Structured logs: one JSON object per line, each carrying the request id.

settings.LOGGING formats the app's records with `JsonFormatter`; `fupin serve` formats
gunicorn's own records and its access log with it too (one line per request, built by
`access_fields`). The request id is the one `core.middleware.RequestIdMiddleware` gives
the request (`core.context.request_id`, sent back in the X-Request-Id header).

No personal data in a log line: a query string may carry an ID number or a name (the
household search's `q`), so only the values of the parameters in SAFE_QUERY_PARAMETERS
are kept (the others become `*`), and every message has its ID numbers masked
(`core.masking.mask_text`, the one rule).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fupin.core import context
from fupin.core.masking import mask_text

# Query parameters whose values are never personal (paging, filters by code or choice,
# dates, formats): their values are logged as sent. Any other value is replaced by `*`.
SAFE_QUERY_PARAMETERS = frozenset(
    {
        "after",
        "area",
        "as_of",
        "before",
        "cards",
        "date",
        "depth",
        "format",
        "grade",
        "group",
        "kind",
        "lang",
        "level",
        "order",
        "page",
        "per_page",
        "risk",
        "scope",
        "size",
        "snapshot",
        "sort",
        "status",
        "township",
        "village",
        "year",
    }
)

# The attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# Extras never written: Django's `django.request` records carry the request object,
# whose text holds the full query string.
_NEVER_LOGGED = frozenset({"request", "response"})


def safe_query(query: str) -> str:
    """The query string with the values of parameters outside SAFE_QUERY_PARAMETERS
    replaced by `*` (their names kept), so a search for an ID number or a name is never
    written to a log."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [(k, v if k in SAFE_QUERY_PARAMETERS else "*") for k, v in pairs]
    return urlencode(kept, safe="*")


def access_fields(
    *,
    method: str,
    path: str,
    query: str,
    status: int,
    duration_ms: float,
    size: int | None,
    remote_addr: str,
    forwarded_for: str,
    request_id: str | None,
) -> dict[str, Any]:
    """The fields of one access-log line (the `extra` of its record)."""
    return {
        "method": method,
        "path": mask_text(path),
        "query": safe_query(query),
        "status": status,
        "duration_ms": round(duration_ms, 1),
        "bytes": size,
        "remote_addr": remote_addr,
        "forwarded_for": forwarded_for,
        "request_id": request_id,
    }


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time (ISO 8601 with the offset), level, logger,
    message (ID numbers masked), process, request id (null outside a request), the
    record's JSON-able extras (the access fields, Django's status_code) and the
    traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created)
            .astimezone()
            .isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_text(record.getMessage()),
            "process": record.process,
            "request_id": _request_id(record),
        }
        for key, value in vars(record).items():
            if key in _RECORD_ATTRIBUTES or key in _NEVER_LOGGED or key in entry:
                continue
            if value is None or isinstance(value, (str, int, float, bool)):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = mask_text(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = mask_text(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False)


def _request_id(record: logging.LogRecord) -> str | None:
    given = getattr(record, "request_id", None)
    if given:
        return str(given)
    current = context.request_id.get()
    if current:
        return str(current)
    # Django's `django.request` records of a 4xx answer are written after the request id
    # middleware has returned; the id is then read from the request they carry.
    request = getattr(record, "request", None)
    meta = getattr(request, "META", None)
    return str(meta[context.REQUEST_ID_META]) if meta and context.REQUEST_ID_META in meta else None
