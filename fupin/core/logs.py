"""Structured logs: one JSON object per line, each carrying the request id.

settings.LOGGING formats the app's records with `JsonFormatter`; `fupin serve` formats
gunicorn's own records and its access log with it too (one line per request, built by
`access_fields`). The request id is the one `core.middleware.RequestIdMiddleware` gives
the request (`core.context.request_id`, sent back in the X-Request-Id header).

No personal data in a log line: a query string may carry an ID number or a name (the
household search's `q`), so only the values of the parameters in SAFE_QUERY_PARAMETERS
are kept (the others become `*`), and every message, traceback and path goes through
`mask_log_text`: ID numbers, phones and bank-account-like digit runs masked by
`core.masking`'s maskers (the one rule), the values of a PostgreSQL DETAIL line (they may
hold a name) hidden, and the query of a URL in a message (gunicorn's "Invalid request"
line) reduced as the access log's. Dates, times, UUIDs (request ids), row ids and
12-digit division codes are not personal and are kept as written.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fupin.core import context
from fupin.core.masking import (
    ID_IN_TEXT,  # the ID number rule, one place
    mask_bank_account,
    mask_id_number,
    mask_phone,
)

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

# Not inside a word or a longer number: a hex UUID's digits are never taken for a phone.
_ALONE_BEFORE = r"(?<![0-9A-Za-z])"
_ALONE_AFTER = r"(?![0-9A-Za-z])"
# A mainland mobile (11 digits, 1[3-9]…, optionally +86 and spaced or dashed 3-4-4) or a
# landline with its area code (0 + 2-3 digits, then 7-8 digits): both start with a digit a
# division code (1-6…) never has at that length.
_PHONE_IN_TEXT = re.compile(
    _ALONE_BEFORE + r"(?:\+?86[ -]?)?(?:1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}"
    r"|0[1-9][0-9]{1,2}-?[0-9]{7,8})" + _ALONE_AFTER
)
# A bank card or account: 16 or more digits (UnionPay cards have 16-19), alone or in
# groups of four separated by spaces. Shorter runs (12-digit division codes, 13-digit
# epoch milliseconds, 14-digit compact timestamps, row ids) are not personal and are kept.
_BANK_ACCOUNT_IN_TEXT = re.compile(
    _ALONE_BEFORE + r"(?:[0-9]{16,}|[0-9]{4}(?: [0-9]{4}){3,}(?: [0-9]{1,4})?)" + _ALONE_AFTER
)
# PostgreSQL's DETAIL of a constraint violation quotes the row's values, which may be a
# name: `Key (phone)=(138…) already exists.`, `Failing row contains (7, 张三, …).`. The
# column names are kept, everything between the first `(` after `=`/`contains` and the
# last `)` of the line is hidden.
_DB_DETAIL_VALUES = re.compile(
    r"((?:Key \([^)\n]*\)=|Failing row contains )\()[^\n]*(\)[^()\n]*)$", re.MULTILINE
)
# A URL path with a query inside a message (gunicorn's "Invalid HTTP request line:
# 'GET /households/?q=张三 HTTP/1.1'"): its query goes through safe_query.
_QUERY_IN_TEXT = re.compile(r"(/[^\s?'\"]*)\?([^\s'\"#]*)")


def mask_log_text(text: str | None) -> str:
    """A log message, traceback or path without personal data: DETAIL values hidden, a
    URL's query reduced (safe_query), then ID numbers, phones and bank accounts masked by
    their maskers (an ID number first: its 18 digits are not taken for an account)."""
    if not text:
        return text or ""
    text = _DB_DETAIL_VALUES.sub(lambda m: f"{m.group(1)}*{m.group(2)}", str(text))
    text = _QUERY_IN_TEXT.sub(lambda m: f"{m.group(1)}?{safe_query(m.group(2))}", text)
    text = ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)
    return _BANK_ACCOUNT_IN_TEXT.sub(lambda m: mask_bank_account(m.group(0)), text)


# The attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# Extras never written: Django's `django.request` records carry the request object,
# whose text holds the full query string.
_NEVER_LOGGED = frozenset({"request", "response"})


_PARAMETER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-\[\]]{0,63}")


def safe_query(query: str) -> str:
    """The query string with the values of parameters outside SAFE_QUERY_PARAMETERS
    replaced by `*` (their names kept), so a search for an ID number or a name is never
    written to a log."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    # A name that is not a plain identifier (`?张三`, `?13807461234`) is a value too.
    kept = [
        (k if _PARAMETER_NAME.fullmatch(k) else "*", v if k in SAFE_QUERY_PARAMETERS else "*")
        for k, v in pairs
    ]
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
        "path": mask_log_text(path),
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
    message (personal data masked: mask_log_text), process, request id (null outside a request), the
    record's JSON-able extras (the access fields, Django's status_code) and the
    traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created)
            .astimezone()
            .isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_log_text(record.getMessage()),
            "process": record.process,
            "request_id": _request_id(record),
        }
        for key, value in vars(record).items():
            if key in _RECORD_ATTRIBUTES or key in _NEVER_LOGGED or key in entry:
                continue
            if value is None or isinstance(value, (str, int, float, bool)):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = mask_log_text(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = mask_log_text(self.formatStack(record.stack_info))
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
