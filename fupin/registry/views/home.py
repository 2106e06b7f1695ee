from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from fupin.accounts.types import SignedInRequest
from fupin.registry import choices as c
from fupin.registry import queries
from fupin.web.views.common import render_page


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    user = request.user
    counts = {row["status"]: row["n"] for row in queries.status_counts(user)}
    by_status = [
        {"value": value, "label": label, "n": counts.get(value, 0)}
        for value, label in c.HouseholdStatus.choices
    ]
    return render_page(
        request,
        "registry/home.html",
        {
            "by_status": by_status,
            "total": sum(counts.values()),
            "read_only": not user.may_edit,
        },
    )
