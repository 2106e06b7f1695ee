"""Pages of funds: sources and allocations with committed, disbursed and balance; a
fund manager adds sources and allocations and adjusts an allocation's amount. Money is
spent through projects (see fupin.projects views)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from fupin.accounts.roles import Capability
from fupin.funds import selectors, services
from fupin.funds.choices import ProjectType
from fupin.funds.forms import AdjustForm, AllocationFilterForm, AllocationForm, SourceForm
from fupin.funds.selectors import rate
from fupin.geo.models import Division, Level
from fupin.web.views.common import call_service, capability_required, render_page


def _areas(user) -> list[tuple[str, str]]:
    rows = Division.objects.restrict(user).filter(
        level__in=(Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP)
    )
    return [(d.code, d.name) for d in rows.order_by("code")]


@capability_required(Capability.VIEW_REGISTRY)
def index(request):
    user = request.user
    sources = selectors.sources()
    form = AllocationFilterForm(request.GET, years=selectors.years(user=user), sources=sources)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    allocations = list(
        selectors.allocation_list(user=user, year=data.get("year"), source=data.get("source"))
    )
    for a in allocations:
        a.rate = rate(a.disbursed, a.committed)
    return render_page(
        request,
        "funds/index.html",
        {
            "form": form,
            "sources": sources,
            "totals": selectors.totals_by_source(user=user, year=data.get("year")),
            "allocations": allocations,
            "may_manage": user.can(Capability.MANAGE_FUNDS),
        },
    )


@capability_required(Capability.MANAGE_FUNDS)
def source_new(request):
    form = SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        source = call_service(form, services.source_create, actor=request.user, **form.cleaned_data)
        if source is not None:
            messages.success(request, _("The fund source was added."))
            return redirect("funds:index")
    return render_page(request, "funds/form.html", {"form": form, "title": _("Add a fund source")})


@capability_required(Capability.MANAGE_FUNDS)
def allocation_new(request):
    form = AllocationForm(request.POST or None, area_choices=_areas(request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        alloc = call_service(
            form,
            services.allocation_create,
            actor=request.user,
            source=d["source"],
            area_code=d["area"],
            year=d["year"],
            amount=d["amount"],
            allowed_uses=d["allowed_uses"],
            document=d["document"],
            reason=d["reason"],
        )
        if alloc is not None:
            messages.success(request, _("The allocation was added."))
            return redirect("funds:allocation", pk=alloc.pk)
    return render_page(request, "funds/form.html", {"form": form, "title": _("Add an allocation")})


@capability_required(Capability.VIEW_REGISTRY)
def allocation_detail(request, pk):
    alloc = selectors.allocation_get(user=request.user, pk=pk)
    form = None
    if request.user.can(Capability.MANAGE_FUNDS):
        form = AdjustForm(request.POST or None, initial={"amount": alloc.amount})
        if request.method == "POST" and form.is_valid():
            done = call_service(
                form,
                services.allocation_adjust,
                actor=request.user,
                allocation=alloc,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
            )
            if done is not None:
                messages.success(request, _("The allocation was changed."))
                return redirect("funds:allocation", pk=alloc.pk)
    elif request.method == "POST":
        raise PermissionDenied
    uses = [str(ProjectType(u).label) for u in alloc.allowed_uses if u in ProjectType.values]
    return render_page(
        request,
        "funds/allocation.html",
        {
            "a": alloc,
            "uses": uses,
            "rate": rate(alloc.disbursed, alloc.committed),
            "lines": selectors.allocation_lines(alloc),
            "form": form,
        },
    )
