"""Who is calling: a bearer token (`Authorization: Bearer <key>`) or, for same-site use,
a logged-in session. Both resolve to the user; every endpoint scopes by that user."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from fupin.accounts.models import ApiToken


class TokenAuth(HttpBearer):
    """Bearer token issued with `fupin token create`; only its hash is stored."""

    def authenticate(self, request: HttpRequest, token: str):
        api_token = ApiToken.objects.authenticate(token) if token else None
        if api_token is None:
            return None
        request.user = api_token.user
        request.api_token = api_token
        return api_token.user


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


def current_user(request: HttpRequest):
    """The authenticated user of an API request."""
    return request.auth
