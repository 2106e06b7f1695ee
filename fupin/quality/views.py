"""Quality pages: parse the request, call one selector, render."""

from __future__ import annotations

from fupin.accounts.roles import Capability
from fupin.quality import selectors
from fupin.quality.rules import RULES
from fupin.web.views.common import capability_required, render_page


@capability_required(Capability.VIEW_REGISTRY)
def overview(request):
    data = selectors.overview(user=request.user)
    return render_page(request, "quality/overview.html", {"o": data, "rules": RULES})


@capability_required(Capability.VIEW_REGISTRY)
def village(request, code: str):
    data = selectors.village_report(user=request.user, code=code)
    return render_page(request, "quality/village.html", {"r": data})
