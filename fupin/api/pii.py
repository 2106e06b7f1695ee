"""Masking of ID numbers, phones and bank accounts in API responses.

Every response masks them. A detail endpoint called with `?reveal=true` by a role with
the REVEAL_PII capability returns them in full, and each value revealed is logged
(SensitiveRead, channel "api"). A role without the capability asking for reveal gets
403 {"code": "not_allowed"}: an explicit refusal rather than silently masked values a
client might store as if they were real.

Schemas call `pii_value(context, obj, field)`; endpoints that may reveal call
`allow_reveal(request, reveal)` first. Without that call the policy is "mask".
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from fupin.accounts.models import User
from fupin.api.auth import ApiRequest
from fupin.core.errors import NotAllowed
from fupin.core.masking import MASKERS, mask_birth_date
from fupin.registry import selectors


class PiiPolicy:
    def __init__(self, user: User | None = None, reveal: bool = False) -> None:
        self.user = user
        self.reveal = reveal

    def value(self, obj, field: str) -> str:
        raw = getattr(obj, field) or ""
        if self.reveal and raw and self.user is not None:
            return selectors.reveal(user=self.user, obj=obj, field_name=field, channel="api")
        return MASKERS[field](raw)


MASK = PiiPolicy()


class PiiRequest(ApiRequest):
    """For annotations only: an API request whose masking policy `allow_reveal` sets
    (`pii_value` reads it; without it, MASK)."""

    fupin_pii: PiiPolicy


def allow_reveal(request: PiiRequest, reveal: bool) -> None:
    if not reveal:
        return
    user = request.auth
    if not user.may_reveal:
        raise NotAllowed(_("Your role does not allow revealing ID numbers, phones or accounts."))
    request.fupin_pii = PiiPolicy(user, reveal=True)


def birth_date_value(context, obj) -> str:
    """A birth date in full (YYYY-MM-DD) for roles that may reveal, its year for others.

    With the shown last four digits and the area, a full birth date would rebuild the
    ID number (its digits 7-14)."""
    value = getattr(obj, "birth_date", None)
    if not value:
        return ""
    request = (context or {}).get("request")
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    if user is not None and getattr(user, "may_reveal", False):
        return value.isoformat()
    return mask_birth_date(value)


def pii_value(context, obj, field: str) -> str:
    request = (context or {}).get("request")
    policy = getattr(request, "fupin_pii", MASK)
    return policy.value(obj, field)
