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

from django.http import HttpRequest
from django.utils.translation import gettext as _

from fupin.core.errors import NotAllowed
from fupin.core.masking import MASKERS
from fupin.registry import selectors


class PiiPolicy:
    def __init__(self, user=None, reveal: bool = False):
        self.user = user
        self.reveal = reveal

    def value(self, obj, field: str) -> str:
        raw = getattr(obj, field) or ""
        if self.reveal and raw:
            return selectors.reveal(user=self.user, obj=obj, field_name=field, channel="api")
        return MASKERS[field](raw)


MASK = PiiPolicy()


def allow_reveal(request: HttpRequest, reveal: bool) -> None:
    if not reveal:
        return
    user = request.auth
    if not user.may_reveal:
        raise NotAllowed(_("Your role does not allow revealing ID numbers, phones or accounts."))
    request.fupin_pii = PiiPolicy(user, reveal=True)


def pii_value(context, obj, field: str) -> str:
    request = (context or {}).get("request")
    policy = getattr(request, "fupin_pii", MASK)
    return policy.value(obj, field)
