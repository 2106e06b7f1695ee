"""Pages of the health-and-insurance ledger: the reimbursements and the cover of the
user's area (keyset pages), a reimbursement, a cover, the forms recording them for a
household, and the area's workbook. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required

from fupin.accounts.roles import Capability
from fupin.health import selectors, services
from fupin.health.forms import (
    CoverFilterForm,
    CoverForm,
    ReimbursementFilterForm,
    ReimbursementForm,
)
from fupin.programmes.downloads import ledger_download
from fupin.programmes.pages import filters_of, record_for_household
from fupin.web import params, queries
from fupin.web.views.common import capability_required, render_page


@login_required
def reimbursement_list(request):
    user = request.user
    form = ReimbursementFilterForm(
        request.GET, area_choices=queries.area_choices(user), years=selectors.years(user)
    )
    data = filters_of(form)
    page = selectors.reimbursement_page(
        user=user,
        filters=selectors.ReimbursementFilters(
            area=data.get("area", ""), year=data.get("year"), serious=bool(data.get("serious"))
        ),
        **params.keyset_cursor(request.GET),
    )
    return render_page(request, "health/reimbursement_list.html", {"form": form, "page": page})


@login_required
def reimbursement_detail(request, pk: int):
    row = selectors.reimbursement_get(user=request.user, pk=pk)
    return render_page(request, "health/reimbursement_detail.html", {"row": row})


@login_required
def reimbursement_new(request, household: int):
    return record_for_household(
        request,
        household,
        form_class=ReimbursementForm,
        person="patient",
        service=services.reimbursement_record,
        template="health/reimbursement_new.html",
        detail="health:reimbursement_detail",
    )


@login_required
def cover_list(request):
    user = request.user
    form = CoverFilterForm(
        request.GET, area_choices=queries.area_choices(user), years=selectors.years(user)
    )
    data = filters_of(form)
    page = selectors.cover_page(
        user=user,
        filters=selectors.CoverFilters(
            area=data.get("area", ""), year=data.get("year"), kind=data.get("kind", "")
        ),
        **params.keyset_cursor(request.GET),
    )
    return render_page(request, "health/cover_list.html", {"form": form, "page": page})


@login_required
def cover_detail(request, pk: int):
    row = selectors.cover_get(user=request.user, pk=pk)
    return render_page(request, "health/cover_detail.html", {"row": row})


@login_required
def cover_new(request, household: int):
    return record_for_household(
        request,
        household,
        form_class=CoverForm,
        person="person",
        service=services.cover_record,
        template="health/cover_new.html",
        detail="health:cover_detail",
    )


@capability_required(Capability.EXPORT_AREA)
def export(request):
    """The area's cover and reimbursements as a workbook in the import's layout."""
    return ledger_download(request, "health")
