"""One JSON error shape for every failure of the API:

    {"code": "...", "message": "...", "errors": {"field": ["..."]}}

`errors` is present only when there are field errors. Domain errors keep their own
code and status (fupin.core.errors); anything unexpected is logged and answered with
500 {"code": "server_error"}, never an HTML page.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from fupin.api.auth import TokenRefused  # auth imports nothing from here
from fupin.core.errors import DomainError, ValidationFailed

logger = logging.getLogger("fupin.api")

LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "file"}
BODY_PARAM = "payload"  # every endpoint names its body parameter `payload`


def error_body(code: str, message: Any, errors: dict[str, list] | None = None) -> dict:
    body: dict[str, Any] = {"code": code, "message": str(message)}
    if errors:
        body["errors"] = {k: [str(m) for m in v] for k, v in errors.items()}
    return body


def field_errors(ninja_errors: list[dict]) -> dict[str, list[str]]:
    """ninja/pydantic errors (loc = ["body", "payload", "name"]) as {"name": [message]}."""
    out: dict[str, list[str]] = {}
    for err in ninja_errors:
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in LOCATIONS:
            loc = loc[1:]
        if loc and loc[0] == BODY_PARAM:
            loc = loc[1:]
        key = ".".join(loc) or "__all__"
        out.setdefault(key, []).append(str(err.get("msg", "")))
    return out


def _json(api: NinjaAPI, request: HttpRequest, status: int, body: dict) -> HttpResponse:
    return api.create_response(request, body, status=status)


def install(api: NinjaAPI) -> None:
    """Register the handlers on the API (most specific exception class wins)."""

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        errors = exc.errors if isinstance(exc, ValidationFailed) else None
        if errors is None and exc.field:
            errors = {exc.field: [str(exc.message)]}
        return _json(api, request, exc.status, error_body(exc.code, exc.message, errors))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return _json(api, request, 404, error_body("not_found", _("Not found.")))

    @api.exception_handler(ValidationError)
    def invalid(request, exc: ValidationError):
        return _json(
            api,
            request,
            422,
            error_body("invalid", _("Some values are not valid."), field_errors(exc.errors)),
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        if isinstance(exc, TokenRefused):
            message = exc.message  # e.g. "This API token expired on …"
        else:
            message = _("Log in, or send an API token as 'Authorization: Bearer <key>'.")
        response = _json(api, request, 401, error_body("unauthenticated", message))
        response["WWW-Authenticate"] = 'Bearer realm="fupin"'
        return response

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return _json(
            api, request, 403, error_body("not_allowed", _("Your role does not allow this."))
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        codes = {
            400: "bad_request",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            429: "throttled",
        }
        code = codes.get(exc.status_code, "error")
        return _json(api, request, exc.status_code, error_body(code, exc.message))

    @api.exception_handler(Exception)
    def server_error(request, exc: Exception):
        logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
        return _json(
            api, request, 500, error_body("server_error", _("Something went wrong on our side."))
        )


def json_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """For paths under /api/v1/ that match no endpoint."""
    return JsonResponse(error_body("not_found", _("Not found.")), status=404)


def json_method_not_allowed(view):
    """ninja answers a wrong method with a plain-text 405; make it our JSON shape."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allow = response.get("Allow", "")
            response = JsonResponse(
                error_body("method_not_allowed", _("This method is not allowed here.")),
                status=405,
            )
            response["Allow"] = allow
        return response

    return wrapper
