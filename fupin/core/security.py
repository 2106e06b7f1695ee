"""Login security records and the idle session clock, connected in CoreConfig.ready.

django-axes keeps every failed login (AccessFailureLog, `locked_out` set on the one that
locked) and the running lockouts (AccessAttempt); here a lockout and an unlock (an
AccessAttempt removed by `fupin axes_reset…`, the admin or the cool-off) are also written
to the `fupin.security` log, and a login starts the idle clock of its session."""

from __future__ import annotations

import logging
import time

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete
from django.http import HttpRequest

logger = logging.getLogger("fupin.security")
SEEN = "_fupin_seen"


def _locked_out(
    sender: object,
    request: HttpRequest | None = None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: object,
) -> None:
    logger.warning("login locked: user=%r address=%s", username, ip_address)


def _unlocked(sender: object, instance: AccessAttempt, **kwargs: object) -> None:
    logger.warning(
        "login unlocked: user=%r address=%s (%s failures)",
        instance.username,
        instance.ip_address,
        instance.failures_since_start,
    )


def _logged_in(
    sender: object, request: HttpRequest | None = None, user: object = None, **kwargs: object
) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SEEN] = int(time.time())


def connect() -> None:
    user_locked_out.connect(_locked_out, dispatch_uid="fupin.security.locked_out")
    post_delete.connect(_unlocked, sender=AccessAttempt, dispatch_uid="fupin.security.unlocked")
    user_logged_in.connect(_logged_in, dispatch_uid="fupin.security.logged_in")
