import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponseBadRequest,
    HttpResponseBase,
    JsonResponse,
    QueryDict,
)
from django.utils.translation import gettext as _

from fupin.core import context
from fupin.core.security import SEEN

type GetResponse = Callable[[HttpRequest], HttpResponseBase]


class RequestIdMiddleware:
    """Gives every request an id, kept with each change record it causes (like NetBox)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = uuid.uuid4()
        # Also on the request: Django logs a 4xx answer after this middleware has returned
        # (django.request), and fupin.core.logs reads the id from there.
        request.META[context.REQUEST_ID_META] = str(request_id)
        token = context.request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            context.request_id.reset(token)
        response["X-Request-Id"] = str(request_id)
        return response


class IdleSessionMiddleware:
    """The idle timeout: a session ends SESSION_COOKIE_AGE seconds after its last request.
    Instead of writing the session on every request (SESSION_SAVE_EVERY_REQUEST), the
    expiry is moved on at most once every SESSION_REFRESH_SECONDS, so a burst of requests
    costs one write; the clock starts at login (fupin.core.security)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            now = int(time.time())
            seen = session.get(SEEN)
            if seen is None or now - seen >= getattr(settings, "SESSION_REFRESH_SECONDS", 60):
                session[SEEN] = now  # modified: saved with a fresh expiry
        return self.get_response(request)


class RejectNulMiddleware:
    """A NUL character (\\x00) in a query string or form value is refused before any view
    sees it: PostgreSQL cannot store or compare text holding one (a search `?q=%00` was a
    500 there, found by the API fuzzer), and no real input carries one. The API answers
    422 in its JSON shape, pages 400."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if _has_nul(request.GET) or (
            request.method == "POST"
            and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
            and _has_nul(request.POST)
        ):
            message = _("The request contains a NUL character, which no field accepts.")
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "invalid", "message": message}, status=422)
            return HttpResponseBadRequest(message)
        return self.get_response(request)


def _has_nul(data: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in v for v in data.getlist(key)) for key in data)
