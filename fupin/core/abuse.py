"""Protection of the public pages of any app (the tip form, the monitoring self-report
form, a notice's public page and its objection form): a per-address rate limit kept in
Django's cache, which settings.CACHES makes shared by every server process (the database
cache, or Redis when REDIS_URL is set), and an image CAPTCHA drawn on the server
(django-simple-captcha with Pillow: no external service, the system runs on an intranet).
"""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from captcha.fields import CaptchaField
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


def client_ip(request: HttpRequest) -> str:
    """The client's address as the login throttle reads it (django-axes, configured in
    settings): behind the proxies FUPIN_TRUSTED_PROXIES names, from X-Forwarded-For;
    otherwise the connection's own. Read from REMOTE_ADDR alone, every visitor behind a
    proxy would share the proxy's count."""
    return str(get_client_ip_address(request) or "unknown")


def over_limit(request: HttpRequest, scope: str, limit: int, window: int = 3600) -> bool:
    """Count one attempt from the client's address; True once more than `limit` in the
    window (the count lives in the shared cache, so every server process sees it)."""
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


def view_limit() -> int:
    """Views of public notice pages per address and hour (a found page or not)."""
    return int(getattr(settings, "PUBLIC_NOTICE_RATE_LIMIT", 120))


def captcha_field() -> CaptchaField:
    """The CAPTCHA of a public form: an image with a few characters to type in. Each
    challenge is used once (right or wrong); a form shown again draws a new one."""
    return CaptchaField(
        label=_("Characters in the picture"),
        help_text=_("Type the characters you see in the picture (not case-sensitive)."),
        error_messages={"invalid": _("The characters do not match the picture. Try the new one.")},
    )
