"""Protection of the public pages: a per-IP rate limit in Django's cache and a simple
arithmetic captcha kept in the session (no external service: the system runs on an
intranet)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.cache import cache

SESSION_KEY = "tips_captcha"


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def over_limit(request, scope: str, limit: int, window: int = 3600) -> bool:
    """Count one attempt from the client's IP; True once more than `limit` in the window."""
    key = f"tips:rate:{scope}:{client_ip(request)}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit


def submit_limit() -> int:
    return int(getattr(settings, "TIPS_RATE_LIMIT", 5))


def track_limit() -> int:
    return int(getattr(settings, "TIPS_TRACK_RATE_LIMIT", 30))


def new_captcha(request) -> tuple[int, int]:
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    request.session[SESSION_KEY] = a + b
    return a, b


def captcha_ok(request, answer) -> bool:
    """One use only: the stored answer is dropped whether the guess was right or not."""
    expected = request.session.pop(SESSION_KEY, None)
    try:
        return expected is not None and int(str(answer).strip()) == expected
    except (TypeError, ValueError):
        return False


def human_and_valid(request, form) -> bool:
    """A public form's POST passes when its captcha answer is right and its fields are
    valid; a wrong answer is shown on the form's captcha field. (The answer is used up
    either way: a new question is drawn for the next attempt.)"""
    from django.utils.translation import gettext as _

    answered = captcha_ok(request, request.POST.get("captcha"))
    valid = form.is_valid()
    if valid and not answered:
        form.add_error("captcha", _("The answer is not right. Try the new question."))
    return valid and answered
