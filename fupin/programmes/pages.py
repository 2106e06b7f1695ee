"""Pieces of the ledgers' pages: a household and its current members for a form that
records a row of it, and a ledger's workbook of the user's area as a download."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from fupin.registry import selectors as registry_selectors
from fupin.registry.models import Household, Member
from fupin.web.views.common import call_service, render_page


def household_and_members(user: Any, pk: int) -> tuple[Household, list[Member]]:
    """The household (in the user's scope, else 404) and its current members, the
    choices of a form recording a row of a ledger for one of them."""
    household = registry_selectors.household_queryset(user).filter(pk=pk).first()
    if household is None:
        raise Http404
    return household, list(household.members.filter(is_active=True).order_by("id"))


def chosen(members: list[Member], pk: int | None) -> Member | None:
    """The member a form's choice names (None when it names none of them)."""
    return next((m for m in members if m.pk == pk), None)


def record_for_household(
    request: HttpRequest,
    household_pk: int,
    *,
    form_class: Any,
    person: str,
    service: Any,
    template: str,
    detail: str,
) -> HttpResponse:
    """A ledger's page recording a row for a household: its form offers the household's
    current members in the field `person` (also the service's keyword for the one
    chosen); valid, the service runs (`call_service`: its refusals land on the form) and
    the page goes to the new row's `detail` page."""
    user = request.user
    household, members = household_and_members(user, household_pk)
    form = form_class(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        chosen_one = chosen(members, data.pop(person))
        row = call_service(
            form, service, actor=user, household=household, data=data, **{person: chosen_one}
        )
        if row is not None:
            return redirect(detail, pk=row.pk)
    return render_page(request, template, {"form": form, "household": household})


def filters_of(form: Any) -> dict[str, Any]:
    """A list page's filter form's values (an invalid value is no filter)."""
    form.is_valid()
    return getattr(form, "cleaned_data", {})
