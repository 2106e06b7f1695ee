from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from fupin.accounts.types import SignedInRequest, User
from fupin.registry import selectors
from fupin.registry.models import Household, Member

KINDS: dict[str, Callable[[User], QuerySet[Household] | QuerySet[Member]]] = {
    "household": lambda user: Household.objects.restrict(user),
    "member": lambda user: Member.objects.restrict(user).select_related("household"),
}


@login_required
@require_POST
def reveal(request: SignedInRequest, kind: str, pk: int, field: str) -> HttpResponse:
    """The unmasked value as a small HTML fragment; logged; 404 for roles without the right."""
    if kind not in KINDS:
        raise Http404
    obj = KINDS[kind](request.user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    value = selectors.reveal(user=request.user, obj=obj, field_name=field)
    response = HttpResponse(format_html('<span class="revealed">{}</span>', value))
    response["Cache-Control"] = "no-store"
    return response
