"""Pages of the education-aid ledger: the benefits and the dropout cases of the user's
area (keyset pages), a benefit, a dropout case with its closing (township or county, not
who opened it), the forms recording a benefit or opening a case for a household, and the
area's workbook. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.forms import BaseForm
from django.shortcuts import redirect

from fupin.accounts.roles import Capability
from fupin.education import selectors, services
from fupin.education.forms import (
    AidFilterForm,
    AidForm,
    CloseForm,
    DropoutFilterForm,
    DropoutForm,
)
from fupin.programmes.downloads import ledger_download
from fupin.programmes.pages import filters_of, record_for_household
from fupin.web import params, queries
from fupin.web.views.common import Action, capability_required, dispatch_action, render_page


@login_required
def aid_list(request):
    user = request.user
    form = AidFilterForm(
        request.GET, area_choices=queries.area_choices(user), years=selectors.school_years(user)
    )
    data = filters_of(form)
    page = selectors.aid_page(
        user=user,
        filters=selectors.AidFilters(
            area=data.get("area", ""),
            kind=data.get("kind", ""),
            stage=data.get("stage", ""),
            school_year=data.get("school_year"),
        ),
        **params.keyset_cursor(request.GET),
    )
    return render_page(request, "education/aid_list.html", {"form": form, "page": page})


@login_required
def aid_detail(request, pk: int):
    row = selectors.aid_get(user=request.user, pk=pk)
    return render_page(request, "education/aid_detail.html", {"row": row})


@login_required
def aid_new(request, household: int):
    return record_for_household(
        request,
        household,
        form_class=AidForm,
        person="student",
        service=services.aid_record,
        template="education/aid_new.html",
        detail="education:aid_detail",
    )


@login_required
def dropout_list(request):
    user = request.user
    form = DropoutFilterForm(request.GET, area_choices=queries.area_choices(user))
    data = filters_of(form)
    page = selectors.dropout_page(
        user=user,
        filters=selectors.DropoutFilters(area=data.get("area", ""), status=data.get("status", "")),
        **params.keyset_cursor(request.GET),
    )
    return render_page(request, "education/dropout_list.html", {"form": form, "page": page})


@login_required
def dropout_new(request, household: int):
    return record_for_household(
        request,
        household,
        form_class=DropoutForm,
        person="child",
        service=services.dropout_open,
        template="education/dropout_new.html",
        detail="education:dropout_detail",
    )


@login_required
def dropout_detail(request, pk: int):
    user = request.user
    case = selectors.dropout_get(user=user, pk=pk)
    post = request.POST if request.method == "POST" else None
    actions = {
        "close": Action(
            lambda: CloseForm(post),
            lambda d: services.dropout_close(
                actor=user,
                case=case,
                outcome=d.get("outcome", ""),
                closed_on=d["closed_on"],
                returned_stage=d.get("returned_stage", ""),
                note=d.get("note", ""),
            ),
        ),
    }
    forms: dict[str, BaseForm] = {"close": CloseForm()}
    if request.method == "POST":
        outcome = dispatch_action(request, actions)
        if outcome.done is not None:
            return redirect("education:dropout_detail", pk=case.pk)
        forms[outcome.name] = outcome.form
    return render_page(
        request,
        "education/dropout_detail.html",
        {"case": case, "may_close": selectors.may_close(user, case), "forms": forms},
    )


@capability_required(Capability.EXPORT_AREA)
def export(request):
    """The area's benefits and dropout cases as a workbook in the import's layout."""
    return ledger_download(request, "education")
