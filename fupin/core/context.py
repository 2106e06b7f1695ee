"""Per-request context shared by services without passing the request around."""

import contextvars
import uuid

request_id: contextvars.ContextVar[uuid.UUID | None] = contextvars.ContextVar(
    "fupin_request_id", default=None
)
# The same id in the request's META (a WSGI environ key), for what runs after the
# middleware has returned (Django's log line of a 4xx answer: fupin.core.logs).
REQUEST_ID_META = "fupin.request_id"
