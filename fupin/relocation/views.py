"""Pages of the relocation ledger: the relocated households of the user's area, the
sites with their occupancy, a site, a relocation with the forms of its services, a new
relocation for a household, and the area's workbook. Thin: parse, call a selector or
service, render."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.forms import BaseForm
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone

from fupin.accounts.roles import Capability
from fupin.accounts.types import SignedInRequest
from fupin.programmes.checks import may_edit
from fupin.programmes.downloads import ledger_download
from fupin.registry import selectors as registry_selectors
from fupin.relocation import rules, selectors, services
from fupin.relocation.forms import (
    OldHouseForm,
    ProgressForm,
    RelocationFilterForm,
    RelocationForm,
    SiteForm,
    SupportForm,
    VerifyForm,
)
from fupin.web import params, queries
from fupin.web.views.common import (
    Action,
    call_service,
    capability_required,
    dispatch_action,
    render_page,
)


@login_required
def relocation_list(request: SignedInRequest) -> HttpResponse:
    user = request.user
    form = RelocationFilterForm(
        request.GET, area_choices=queries.area_choices(user), sites=selectors.sites(user)
    )
    form.is_valid()
    d: dict[str, Any] = getattr(form, "cleaned_data", {})
    filters = selectors.RelocationFilters(
        area=d.get("area", ""),
        site=d.get("site"),
        moved_in=bool(d.get("moved_in")),
        demolition_overdue=bool(d.get("demolition_overdue")),
    )
    today = timezone.localdate()
    page = selectors.relocation_page(
        user=user,
        filters=filters,
        today=today,
        older=params.parse_int(request.GET.get("older")),
        newer=params.parse_int(request.GET.get("newer")),
    )
    overdue = {r.pk for r in page.rows if selectors.overdue(r, today)}
    return render_page(
        request,
        "relocation/relocation_list.html",
        {"form": form, "page": page, "overdue": overdue},
    )


@login_required
def site_list(request: SignedInRequest) -> HttpResponse:
    user = request.user
    return render_page(
        request,
        "relocation/site_list.html",
        {"rows": selectors.site_rows(user), "may_create": getattr(user, "may_edit", False)},
    )


@login_required
def site_new(request: SignedInRequest) -> HttpResponse:
    user = request.user
    villages = queries.village_choices(user)
    form = SiteForm(request.POST or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        site = call_service(form, services.site_create, actor=user, data=dict(form.cleaned_data))
        if site is not None:
            return redirect("relocation:site", pk=site.pk)
    return render_page(request, "relocation/site_new.html", {"form": form})


@login_required
def site_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    site = selectors.site_get(user=user, pk=pk)
    homes, people = services.site_use(site)
    rows = list(
        selectors.relocations(user).filter(site=site).select_related("household", "village")[:500]
    )
    return render_page(
        request,
        "relocation/site_detail.html",
        {"site": site, "homes": homes, "people": people, "rows": rows},
    )


@login_required
def relocation_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    r = selectors.relocation_get(user=user, pk=pk)
    members = list(r.household.members.order_by("id"))
    post = request.POST if request.method == "POST" else None
    actions = {
        "progress": Action(
            lambda: ProgressForm(post),
            lambda d: services.relocation_progress(
                actor=user,
                relocation=r,
                handed_over_on=d.get("handed_over_on"),
                moved_in_on=d.get("moved_in_on"),
            ),
        ),
        "old_house": Action(
            lambda: OldHouseForm(post),
            lambda d: services.old_house_record(
                actor=user,
                relocation=r,
                demolished_on=d.get("demolished_on"),
                kept_reason=d.get("kept_reason", ""),
            ),
        ),
        "verify": Action(
            lambda: VerifyForm(post),
            lambda d: services.demolition_verify(
                actor=user, relocation=r, reason=d.get("reason", "")
            ),
            run_invalid=True,
        ),
        "support": Action(
            lambda: SupportForm(post, members=members),
            lambda d: services.support_add(
                actor=user,
                relocation=r,
                kind=d["kind"],
                on=d["on"],
                description=d["description"],
                member=next((m for m in members if m.pk == d.get("member")), None),
            ),
        ),
    }
    forms: dict[str, BaseForm] = {
        "progress": ProgressForm(),
        "old_house": OldHouseForm(),
        "verify": VerifyForm(),
        "support": SupportForm(members=members),
    }
    if request.method == "POST":
        outcome = dispatch_action(request, actions)
        if outcome.done is not None:
            return redirect("relocation:detail", pk=r.pk)
        forms[outcome.name] = outcome.form
    today = timezone.localdate()
    return render_page(
        request,
        "relocation/relocation_detail.html",
        {
            "r": r,
            "supports": list(r.supports.select_related("member", "placement")),
            "may_edit": may_edit(user, r.village_id),
            "may_verify": selectors.may_verify(user, r),
            "deadline": rules.demolition_due(r.moved_in_on) if r.moved_in_on else None,
            "overdue": selectors.overdue(r, today),
            "forms": forms,
        },
    )


@login_required
def relocation_new(request: SignedInRequest, household: int) -> HttpResponse:
    user = request.user
    h = registry_selectors.household_queryset(user).filter(pk=household).first()
    if h is None:
        raise Http404
    sites = selectors.sites_for(h)
    form = RelocationForm(
        request.POST or None,
        sites=sites,
        initial={"people": h.members.filter(is_active=True).count()},
    )
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        site = next(s for s in sites if s.pk == d.pop("site"))
        r = call_service(
            form, services.relocation_record, actor=user, household=h, site=site, data=d
        )
        if r is not None:
            return redirect("relocation:detail", pk=r.pk)
    return render_page(request, "relocation/relocation_new.html", {"form": form, "household": h})


@capability_required(Capability.EXPORT_AREA)
def export(request: SignedInRequest) -> HttpResponseBase:
    """The area's sites, relocated households and support in the import's layout."""
    return ledger_download(request, "relocation")
