"""Per-request context shared by services without passing the request around."""

import contextvars
import uuid

request_id: contextvars.ContextVar[uuid.UUID | None] = contextvars.ContextVar(
    "fupin_request_id", default=None
)
