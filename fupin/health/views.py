"""Pages of the health-and-insurance ledger: the reimbursements and the cover of the
user's area (keyset pages), a reimbursement, a cover, the forms recording them for a
household, and the area's workbook. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from fupin.accounts.roles import Capability
from fupin.health import selectors, services
from fupin.health.forms import (
    CoverFilterForm,
    CoverForm,
    ReimbursementFilterForm,
    ReimbursementForm,
)
from fupin.programmes.pages import chosen, household_and_members, workbook_download
from fupin.web import params, queries
from fupin.web.views.common import call_service, capability_required, render_page


def _cleaned(form) -> dict:
    form.is_valid()
    return getattr(form, "cleaned_data", {})


def _cursors(request) -> dict:
    return {
        "older": params.parse_int(request.GET.get("older")),
        "newer": params.parse_int(request.GET.get("newer")),
    }


@login_required
def reimbursement_list(request):
    user = request.user
    form = ReimbursementFilterForm(
        request.GET, area_choices=queries.area_choices(user), years=selectors.years(user)
    )
    data = _cleaned(form)
    page = selectors.reimbursement_page(
        user=user,
        filters=selectors.ReimbursementFilters(
            area=data.get("area", ""), year=data.get("year"), serious=bool(data.get("serious"))
        ),
        **_cursors(request),
    )
    return render_page(request, "health/reimbursement_list.html", {"form": form, "page": page})


@login_required
def reimbursement_detail(request, pk: int):
    row = selectors.reimbursement_get(user=request.user, pk=pk)
    return render_page(request, "health/reimbursement_detail.html", {"row": row})


@login_required
def reimbursement_new(request, household: int):
    user = request.user
    h, members = household_and_members(user, household)
    form = ReimbursementForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        patient = chosen(members, d.pop("patient"))
        row = call_service(
            form, services.reimbursement_record, actor=user, household=h, patient=patient, data=d
        )
        if row is not None:
            return redirect("health:reimbursement_detail", pk=row.pk)
    return render_page(request, "health/reimbursement_new.html", {"form": form, "household": h})


@login_required
def cover_list(request):
    user = request.user
    form = CoverFilterForm(
        request.GET, area_choices=queries.area_choices(user), years=selectors.years(user)
    )
    data = _cleaned(form)
    page = selectors.cover_page(
        user=user,
        filters=selectors.CoverFilters(
            area=data.get("area", ""), year=data.get("year"), kind=data.get("kind", "")
        ),
        **_cursors(request),
    )
    return render_page(request, "health/cover_list.html", {"form": form, "page": page})


@login_required
def cover_detail(request, pk: int):
    row = selectors.cover_get(user=request.user, pk=pk)
    return render_page(request, "health/cover_detail.html", {"row": row})


@login_required
def cover_new(request, household: int):
    user = request.user
    h, members = household_and_members(user, household)
    form = CoverForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        person = chosen(members, d.pop("person"))
        row = call_service(
            form, services.cover_record, actor=user, household=h, person=person, data=d
        )
        if row is not None:
            return redirect("health:cover_detail", pk=row.pk)
    return render_page(request, "health/cover_new.html", {"form": form, "household": h})


@capability_required(Capability.EXPORT_AREA)
def export(request):
    """The area's cover and reimbursements as a workbook in the import's layout."""
    return workbook_download(request, "health")
