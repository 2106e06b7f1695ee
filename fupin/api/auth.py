"""Who is calling: a bearer token (`Authorization: Bearer <key>`) or, for same-site use,
a logged-in session. Both resolve to the user; every endpoint scopes by that user.

A token has a scope: a read token may only read (GET, HEAD, OPTIONS); any other method
is 403. An expired token is refused with 401 and says so."""

from __future__ import annotations

import datetime as dt
import functools

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, JsonResponse
from django.utils import formats
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer

from fupin.accounts.models import ApiToken, User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ApiRequest(HttpRequest):
    """For annotations only: a request that passed the API's `AUTH` (ninja sets `auth`
    to what `authenticate` returned: the user)."""

    auth: User


class TokenRefused(AuthenticationError):
    """A token that exists but may not be used (expired): 401 with its own message."""

    def __init__(self, message: str) -> None:
        super().__init__(401, message)
        self.message = message


def _expired_message(expired_on: dt.datetime) -> str:
    return _("This API token expired on %(date)s. Ask for a new one (fupin token create).") % {
        "date": formats.date_format(expired_on, "Y-m-d")
    }


def token_user(request: HttpRequest, key: str) -> User | None:
    """The user of a bearer key, or None for an unknown or revoked key.

    Raises TokenRefused for an expired key and HttpError(403) when a read-only token
    is used for a write."""
    token = ApiToken.objects.lookup(key) if key else None
    if token is None or token.revoked or not token.user.is_active:
        return None
    expires_at = token.expires_at
    if expires_at is not None and token.expired:  # only a token with a date expires
        raise TokenRefused(_expired_message(expires_at))
    if request.method not in SAFE_METHODS and not token.may_write:
        raise HttpError(
            403,
            _("This API token may only read. Writes need a token created with --scope write."),
        )
    request.user = token.user
    return token.user


class TokenAuth(HttpBearer):
    """Bearer token issued with `fupin token create`; only its hash is stored."""

    def authenticate(self, request: HttpRequest, token: str):
        return token_user(request, token)


class SessionAuth(APIKeyCookie):
    """The browser's session, with Django's CSRF check on unsafe methods.

    Unlike ninja's stock `django_auth`, the CSRF check runs only for a logged-in
    session, so an anonymous POST gets 401 (not 403) like every other anonymous call.
    """

    param_name: str = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None):
        return request.user if request.user.is_authenticated else None


AUTH = [TokenAuth(), SessionAuth()]


def current_user(request: ApiRequest) -> User:
    """The authenticated user of an API request."""
    return request.auth


def _bearer_key(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, key = header.partition(" ")
    return key.strip() if scheme.lower() == "bearer" else None


def token_or_login_required(view):
    """For the API's docs and openapi.json: a bearer token (any scope) or a signed-in
    session. A request that sends a token gets JSON 401 when the token is refused; a
    browser without a session goes to the login page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        key = _bearer_key(request)
        if key is not None:
            try:
                user = token_user(request, key)
            except TokenRefused as exc:
                return _unauthenticated(exc.message)
            if user is None:
                return _unauthenticated(
                    _("Log in, or send an API token as 'Authorization: Bearer <key>'.")
                )
            return view(request, *args, **kwargs)
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        return redirect_to_login(request.get_full_path())

    return wrapper


def _unauthenticated(message: str) -> JsonResponse:
    response = JsonResponse({"code": "unauthenticated", "message": str(message)}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="fupin"'
    return response
