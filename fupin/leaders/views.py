"""Pages of the leaders' contact system. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts.roles import Capability
from fupin.assistance.choices import Rank
from fupin.assistance.models import Cadre
from fupin.core.errors import OutsideArea
from fupin.core.scope import user_covers
from fupin.geo.models import Division, Level
from fupin.leaders import selectors, services
from fupin.leaders.forms import EndForm, LinkForm, OverdueForm, ReportForm, RuleForm
from fupin.web.views.common import (
    access_required,
    call_service,
    capability_required,
    render_page,
    require_access,
)


def _get(fn, **kwargs):
    try:
        return fn(**kwargs)
    except OutsideArea:
        raise Http404 from None


def _areas(user, levels=(Level.TOWNSHIP, Level.VILLAGE)) -> list[tuple[str, str]]:
    qs = Division.objects.restrict(user).filter(level__in=levels).order_by("code")
    return [(d.code, ("\u3000" if d.level == Level.VILLAGE else "") + d.name) for d in qs]


@capability_required(Capability.VIEW_REGISTRY)
def link_list(request):
    today = timezone.localdate()
    show_all = request.GET.get("all") == "1"
    links = list(
        selectors.link_list(user=request.user, current_on=None if show_all else today)[:1000]
    )
    standing = {s.link.pk: s for s in selectors.standings(user=request.user, as_of=today)}
    return render_page(
        request,
        "leaders/link_list.html",
        {
            "rows": [(link, standing.get(link.pk)) for link in links],
            "show_all": show_all,
            "today": today,
            "may_configure": services.may_configure(request.user),
        },
    )


@capability_required(Capability.VIEW_REGISTRY)
def link_detail(request, pk):
    link = _get(selectors.link_get, user=request.user, pk=pk)
    today = timezone.localdate()
    may_configure = services.may_configure(request.user) and user_covers(request.user, link.area_id)
    end_form = EndForm(request.POST or None) if may_configure else None
    if request.method == "POST":
        if end_form is None:
            raise Http404
        if end_form.is_valid():
            done = call_service(
                end_form,
                services.link_end,
                actor=request.user,
                link=link,
                end_date=end_form.cleaned_data["end_date"],
                reason=end_form.cleaned_data["reason"],
            )
            if done is not None:
                messages.success(request, _("The link was ended."))
                return redirect("leaders:link_detail", pk=link.pk)
    current = [
        s for s in selectors.standings(user=request.user, as_of=today) if s.link.pk == link.pk
    ]
    return render_page(
        request,
        "leaders/link_detail.html",
        {
            "link": link,
            "requirement": selectors.required_for(link),
            "standing": current[0] if current else None,
            "reports": selectors.reports_of(user=request.user, link=link),
            "history": selectors.link_history(link),
            "may_report": services.may_report(request.user, link),
            "end_form": end_form if link.end_date is None or request.method == "POST" else None,
        },
    )


@capability_required(Capability.VIEW_REGISTRY)
def report_create(request, pk):
    link = _get(selectors.link_get, user=request.user, pk=pk)
    require_access(request.user, lambda u: services.may_report(u, link))
    form = ReportForm(
        request.POST or None, request.FILES or None, initial={"date": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        report = call_service(
            form,
            services.report_record,
            actor=request.user,
            link=link,
            date=d["date"],
            place=d["place"],
            content=d["content"],
            problems_found=d["problems_found"],
            problems_solved=d["problems_solved"],
            photo=d.get("photo"),
        )
        if report is not None:
            messages.success(request, _("The visit report was recorded."))
            return redirect("leaders:link_detail", pk=link.pk)
    return render_page(request, "leaders/report_form.html", {"form": form, "link": link})


@capability_required(Capability.VIEW_REGISTRY)
def report_photo(request, pk):
    report = _get(selectors.report_get, user=request.user, pk=pk)
    return report.file_response()


@access_required(services.may_configure)
def link_create(request):
    county = (request.user.area_id or "")[:6]
    leaders = Cadre.objects.filter(active=True).order_by("rank", "name")
    if county:
        leaders = leaders.in_area(county)
    # Leaders first: county-level, then section-level cadres, then the others.
    order: dict[str, int] = {Rank.COUNTY: 0, Rank.SECTION: 1}
    leaders_list = sorted(leaders[:3000], key=lambda cd: (order.get(cd.rank, 2), cd.name, cd.pk))
    form = LinkForm(
        request.POST or None,
        leaders=leaders_list,
        areas=_areas(request.user),
        initial={"start_date": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        leader = next((cd for cd in leaders_list if cd.pk == d["leader"]), None)
        if leader is None:
            raise Http404
        link = call_service(
            form,
            services.link_create,
            actor=request.user,
            leader=leader,
            area_code=d["area"],
            start_date=d["start_date"],
            end_date=d["end_date"],
            duties=d["duties"],
            reason=d["reason"],
        )
        if link is not None:
            messages.success(request, _("The leader was linked to the contact point."))
            return redirect("leaders:link_detail", pk=link.pk)
    return render_page(request, "leaders/link_form.html", {"form": form})


@capability_required(Capability.VIEW_REGISTRY)
def overdue(request):
    form = OverdueForm(request.GET or None, areas=_areas(request.user))
    area, previous = "", False
    if form.is_valid():
        area = form.cleaned_data["area"]
        previous = form.cleaned_data["period"] == "previous"
    rows = selectors.overdue(user=request.user, area_prefix=area, previous=previous)
    return render_page(
        request,
        "leaders/overdue.html",
        {
            "form": form,
            "rows": rows,
            "previous": previous,
            "missing": sum(s.missing for s in rows),
        },
    )


@capability_required(Capability.VIEW_REGISTRY)
def rules(request):
    may_configure = services.may_configure(request.user)
    regions = _areas(request.user, (Level.PROVINCE, Level.PREFECTURE, Level.COUNTY))
    form = RuleForm(request.POST or None, regions=regions) if may_configure else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            rule = call_service(
                form,
                services.rule_save,
                actor=request.user,
                region_code=d["region"],
                target=d["target"],
                rank=d["rank"],
                period=d["period"],
                visits_required=d["visits_required"],
                reason=d["reason"],
            )
            if rule is not None:
                messages.success(request, _("The rule was saved."))
                return redirect("leaders:rules")
    return render_page(
        request,
        "leaders/rules.html",
        {"rules": selectors.rule_list(user=request.user), "form": form},
    )
