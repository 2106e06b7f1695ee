"""Quality pages: parse the request, call one selector, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from fupin.accounts.roles import Capability, has_capability
from fupin.quality import selectors
from fupin.quality.rules import RULES


def _require_view(user) -> None:
    if not has_capability(user, Capability.VIEW_REGISTRY):
        raise PermissionDenied


@login_required
def overview(request):
    _require_view(request.user)
    data = selectors.overview(user=request.user)
    return render(request, "quality/overview.html", {"o": data, "rules": RULES})


@login_required
def village(request, code: str):
    _require_view(request.user)
    data = selectors.village_report(user=request.user, code=code)
    return render(request, "quality/village.html", {"r": data})
