"""Yearly records of a household: income (收入明白卡) and the 两不愁三保障 assessment."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts.roles import Capability
from fupin.accounts.types import SignedInRequest
from fupin.registry import selectors, services
from fupin.registry.forms import AssessmentForm, IncomeForm
from fupin.registry.models import Assessment, IncomeRecord
from fupin.web import params
from fupin.web.views.common import call_service, render_page, require_capability


def _yearly(
    request: SignedInRequest,
    pk: int,
    *,
    model: type[IncomeRecord] | type[Assessment],
    form_class: type[IncomeForm] | type[AssessmentForm],
    service: Callable[..., IncomeRecord | Assessment],
    title: str,
    template: str = "registry/yearly_form.html",
) -> HttpResponse:
    household = selectors.household_get(user=request.user, pk=pk)
    require_capability(request.user, Capability.EDIT_REGISTRY)
    year = params.parse_int(request.GET.get("year")) or timezone.localdate().year - 1
    existing = model.objects.restrict(request.user).filter(household=household, year=year).first()
    instance = existing or model(household=household, year=year)
    initial = {"year": year}
    if existing is None and model is IncomeRecord:
        initial["household_size"] = sum(1 for m in household.members.all() if m.is_active)
    form = form_class(request.POST or None, instance=instance, initial=initial)
    if request.method == "POST" and form.is_valid():
        rec = call_service(
            form,
            service,
            actor=request.user,
            household=household,
            year=form.cleaned_data["year"],
            data=form.data_for_service(),
            reason=form.cleaned_data["reason"],
        )
        if rec is not None:
            messages.success(request, _("Saved."))
            return redirect("household_detail", pk=household.pk)
    return render_page(
        request,
        template,
        {"form": form, "h": household, "title": title, "existing": existing, "year": year},
    )


@login_required
def income_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    return _yearly(
        request,
        pk,
        model=IncomeRecord,
        form_class=IncomeForm,
        service=services.income_set,
        title=_("Income and expenses for a year"),
    )


@login_required
def assessment_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    return _yearly(
        request,
        pk,
        model=Assessment,
        form_class=AssessmentForm,
        service=services.assessment_set,
        title=_("Two no-worries, three guarantees and safe water: assessment for a year"),
    )
