"""Pages of assistance. Thin: parse input, call a selector or service, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts.roles import Capability, has_capability
from fupin.assistance import choices as ch
from fupin.assistance import selectors, services
from fupin.assistance.forms import (
    AreaForm,
    CadreForm,
    CadreLeaveForm,
    DirectoryEntryForm,
    HouseholdPlanForm,
    LimitsForm,
    MeasureForm,
    PairingForm,
    VillagePlanForm,
    VisitForm,
    WorkTeamForm,
)
from fupin.assistance.models import (
    Cadre,
    HouseholdPlan,
    Pairing,
    TeamMembership,
    VillagePlan,
    WorkTeam,
)
from fupin.core.errors import OutsideArea
from fupin.core.history import history_of
from fupin.geo.models import Division, Level
from fupin.registry import selectors as registry_selectors
from fupin.registry.models import Household
from fupin.web import queries
from fupin.web.views.common import call_service, capability_required, render_page


def _area_filter(request) -> tuple[AreaForm, str, dt.date]:
    form = AreaForm(request.GET, area_choices=queries.area_choices(request.user))
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    prefix = ""
    if data.get("area"):
        division = Division.objects.restrict(request.user).filter(code=data["area"]).first()
        prefix = division.prefix if division else ""
    return form, prefix, data.get("as_of") or dt.date.today()


def _get(fn, **kwargs):
    try:
        return fn(**kwargs)
    except OutsideArea:
        raise Http404 from None


@capability_required(Capability.VIEW_REGISTRY)
def cadre_list(request):
    form, prefix, _day = _area_filter(request)
    cadres = selectors.cadre_list(user=request.user, area_prefix=prefix)[:500]
    return render_page(request, "assistance/cadre_list.html", {"form": form, "cadres": cadres})


@capability_required(Capability.VIEW_REGISTRY)
def cadre_detail(request, pk):
    cadre = _get(selectors.cadre_get, user=request.user, pk=pk)
    pairings = (
        Pairing.objects.restrict(request.user)
        .filter(cadre=cadre)
        .select_related("household", "household__village")
    )
    visits = cadre.visits.restrict(request.user).select_related("household")[:50]
    return render_page(
        request,
        "assistance/cadre_detail.html",
        {
            "cadre": cadre,
            "phone": cadre.phone_masked,
            "pairings": pairings,
            "visits": visits,
            "terms": TeamMembership.objects.restrict(request.user)
            .filter(cadre=cadre)
            .select_related("team__village"),
            "history": list(history_of(cadre).select_related("user")[:20]),
        },
    )


@login_required
@require_POST
def cadre_reveal(request, pk):
    """A cadre's full phone as a small HTML fragment, for roles that may reveal; logged
    (SensitiveRead) like the registry's reveals; 404 for other roles."""
    cadre = Cadre.objects.restrict(request.user).filter(pk=pk).first()
    if cadre is None:
        raise Http404
    value = registry_selectors.reveal(user=request.user, obj=cadre, field_name="phone")
    response = HttpResponse(format_html('<span class="revealed">{}</span>', value))
    response["Cache-Control"] = "no-store"
    return response


@capability_required(Capability.VIEW_REGISTRY)
def pairing_list(request):
    form, prefix, _day = _area_filter(request)
    pairings = selectors.pairing_list(user=request.user, area_prefix=prefix)[:1000]
    unpaired = selectors.unpaired_households(prefix).restrict(request.user).count()
    not_due = selectors.paired_not_due(prefix).restrict(request.user).count()
    return render_page(
        request,
        "assistance/pairing_list.html",
        {"form": form, "pairings": pairings, "unpaired": unpaired, "not_due": not_due},
    )


@capability_required(Capability.VIEW_REGISTRY)
def compliance(request):
    form, prefix, as_of = _area_filter(request)
    overdue = selectors.overdue_cadres(user=request.user, as_of=as_of, area_prefix=prefix)
    return render_page(
        request, "assistance/compliance.html", {"form": form, "overdue": overdue, "as_of": as_of}
    )


@login_required
def visit_create(request, household_pk):
    household = Household.objects.restrict(request.user).filter(pk=household_pk).first()
    if household is None:
        raise Http404
    pairings = Pairing.objects.current().filter(household=household).select_related("cadre")
    cadres = [p.cadre for p in pairings]
    if not request.user.may_edit:
        cadres = [cd for cd in cadres if cd.user_id == request.user.pk]
        if not cadres:
            raise PermissionDenied
    form = VisitForm(request.POST or None, request.FILES or None, cadres=cadres)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = call_service(
            form,
            services.visit_record,
            actor=request.user,
            cadre=next(cd for cd in cadres if cd.pk == d["cadre"]),
            household=household,
            date=d["date"],
            purpose=d["purpose"],
            notes=d["notes"],
            photo=d.get("photo"),
        )
        if done is not None:
            messages.success(request, _("The visit was recorded."))
            return redirect("household_detail", pk=household.pk)
    return render_page(request, "assistance/visit_form.html", {"form": form, "h": household})


@capability_required(Capability.EDIT_REGISTRY)
def pairing_create(request, household_pk):
    household = Household.objects.restrict(request.user).filter(pk=household_pk).first()
    if household is None:
        raise Http404
    # Cadres of the household's county: county-level cadres live outside the village.
    cadres = Cadre.objects.in_area(household.village_id[:6]).filter(active=True)
    form = PairingForm(request.POST or None, cadres=cadres)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = call_service(
            form,
            services.pairing_create,
            actor=request.user,
            cadre=cadres.get(pk=d["cadre"]),
            household=household,
            kind=d["kind"],
            start_date=d["start_date"],
            reason=d["reason"],
        )
        if done is not None:
            messages.success(request, _("The pairing was created."))
            return redirect("household_detail", pk=household.pk)
    return render_page(request, "assistance/pairing_form.html", {"form": form, "h": household})


@login_required
def visit_photo(request, pk):
    visit = _get(selectors.visit_get, user=request.user, pk=pk)
    return visit.file_response()


@login_required
def directory(request, code, card=False):
    area = Division.objects.restrict(request.user).filter(code=code).first()
    if area is None:
        raise Http404
    entries = _get(selectors.directory, user=request.user, area_code=code)
    template = "assistance/directory_card.html" if card else "assistance/directory.html"
    children = area.children.order_by("code") if not area.is_village else []
    return render_page(request, template, {"area": area, "entries": entries, "children": children})


@login_required
def directory_index(request):
    area = request.user.area
    if area is None:
        area = Division.objects.order_by("level", "code").first()
        if area is None:
            raise Http404
    return redirect("assistance:directory", code=area.code)


# Entry forms: cadres, hand-over, plans, measures, the directory -----------------------


def _form_page(request, title: str, form, back: str):
    return render_page(
        request, "assistance/entry_form.html", {"form": form, "title": title, "back": back}
    )


def _home_areas(user) -> list[tuple[str, str]]:
    """Where a cadre may be based: the user's own area and the divisions below it."""

    rows = (
        Division.objects.restrict(user)
        .filter(level__gte=Level.COUNTY)
        .select_related("parent")
        .order_by("code")
    )
    return [(d.code, f"{d.parent.name if d.parent else ''} {d.name}".strip()) for d in rows]


def _household(request, pk) -> Household:
    household = Household.objects.restrict(request.user).filter(pk=pk).first()
    if household is None:
        raise Http404
    return household


@capability_required(Capability.EDIT_REGISTRY)
def cadre_create(request):
    form = CadreForm(request.POST or None, area_choices=_home_areas(request.user))
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        reason = d.pop("reason")
        d["home_area_id"] = d.pop("home_area")
        cadre = call_service(form, services.cadre_create, actor=request.user, data=d, reason=reason)
        if cadre is not None:
            messages.success(request, _("The cadre was added."))
            return redirect("assistance:cadre_detail", pk=cadre.pk)
    return _form_page(request, _("Add a cadre"), form, reverse("assistance:cadre_list"))


@capability_required(Capability.EDIT_REGISTRY)
def cadre_leave(request, pk):
    cadre = _get(selectors.cadre_get, user=request.user, pk=pk)
    others = Cadre.objects.in_area(cadre.home_area_id[:6]).filter(active=True).exclude(pk=pk)
    form = CadreLeaveForm(request.POST or None, cadres=others)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = call_service(
            form,
            services.cadre_leave,
            actor=request.user,
            cadre=cadre,
            date=d["date"],
            reason=d["reason"],
            successor=others.get(pk=d["successor"]) if d["successor"] else None,
        )
        if done is not None:
            messages.success(request, _("The cadre's households were handed over."))
            return redirect("assistance:cadre_detail", pk=cadre.pk)
    return _form_page(
        request,
        _("%(name)s leaves: hand over the households") % {"name": cadre.name},
        form,
        reverse("assistance:cadre_detail", args=[cadre.pk]),
    )


@capability_required(Capability.EDIT_REGISTRY)
def household_plan(request, household_pk):
    household = _household(request, household_pk)
    plan = HouseholdPlan.objects.filter(household=household).first()
    initial = (
        {
            "goals": plan.goals,
            "planned_measures": plan.planned_measures,
            "expected_income": plan.expected_income,
        }
        if plan
        else {}
    )
    form = HouseholdPlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            services.household_plan_save,
            actor=request.user,
            household=household,
            **form.cleaned_data,
        )
        if done is not None:
            messages.success(request, _("The plan was saved."))
            return redirect("household_detail", pk=household.pk)
    return _form_page(
        request,
        _("Plan for the household (一户一法)"),
        form,
        reverse("household_detail", args=[household.pk]),
    )


@capability_required(Capability.EDIT_REGISTRY)
def measure_add(request, household_pk):
    household = _household(request, household_pk)
    form = MeasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form, services.measure_add, actor=request.user, household=household, **form.cleaned_data
        )
        if done is not None:
            messages.success(request, _("The measure was recorded."))
            return redirect("household_detail", pk=household.pk)
    return _form_page(
        request,
        _("Record a measure delivered"),
        form,
        reverse("household_detail", args=[household.pk]),
    )


@capability_required(Capability.EDIT_REGISTRY)
def directory_entry_add(request, code):
    area = Division.objects.restrict(request.user).filter(code=code).first()
    if area is None:
        raise Http404
    form = DirectoryEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        d["order"] = d.get("order") or 0
        done = call_service(
            form, services.directory_entry_add, actor=request.user, area_code=code, **d
        )
        if done is not None:
            messages.success(request, _("The entry was added."))
            return redirect("assistance:directory", code=code)
    return _form_page(
        request,
        _("Add to the directory of %(area)s") % {"area": area.name},
        form,
        reverse("assistance:directory", args=[code]),
    )


def _village(request, code) -> Division:
    village = (
        Division.objects.restrict(request.user)
        .filter(code=code, level=Level.VILLAGE)
        .select_related("parent")
        .first()
    )
    if village is None:
        raise Http404
    return village


@capability_required(Capability.VIEW_REGISTRY)
def village_page(request, code):
    """A village's resident work teams and its plan (一村一策)."""

    village = _village(request, code)
    today = dt.date.today()
    teams = list(WorkTeam.objects.filter(village=village))
    terms = (
        TeamMembership.objects.filter(team__in=teams)
        .on(today)
        .select_related("cadre")
        .order_by("-is_first_secretary", "-is_leader", "start_date", "id")
    )
    members: dict[int, list[TeamMembership]] = {}
    for term in terms:
        members.setdefault(term.team_id, []).append(term)
    rows = [(team, members.get(team.pk, [])) for team in teams]
    plan = VillagePlan.objects.filter(village=village).first()
    return render_page(
        request, "assistance/village.html", {"village": village, "teams": rows, "plan": plan}
    )


@capability_required(Capability.EDIT_REGISTRY)
def village_plan(request, code):
    village = _village(request, code)
    plan = VillagePlan.objects.filter(village=village).first()
    initial = (
        {
            "goals": plan.goals,
            "planned_measures": plan.planned_measures,
            "expected_income": plan.expected_income,
        }
        if plan
        else {}
    )
    form = VillagePlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            services.village_plan_save,
            actor=request.user,
            village_code=code,
            **form.cleaned_data,
        )
        if done is not None:
            messages.success(request, _("The plan was saved."))
            return redirect("assistance:village", code=code)
    return _form_page(
        request,
        _("Plan for the village (一村一策)"),
        form,
        reverse("assistance:village", args=[code]),
    )


@capability_required(Capability.EDIT_REGISTRY)
def work_team_create(request, code):
    village = _village(request, code)
    cadres = Cadre.objects.in_area(code[:6]).filter(active=True).order_by("name")
    form = WorkTeamForm(request.POST or None, cadres=cadres)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        by_pk = {cd.pk: cd for cd in cadres}
        done = call_service(
            form,
            services.work_team_create,
            actor=request.user,
            unit=d["unit"],
            village_code=village.code,
            members=[by_pk[pk] for pk in d["members"]],
            leader=by_pk.get(d["leader"]) if d["leader"] else None,
            first_secretary=by_pk.get(d["first_secretary"]) if d["first_secretary"] else None,
            started_on=d["started_on"],
        )
        if done is not None:
            messages.success(request, _("The work team was added."))
            return redirect("assistance:village", code=code)
    return _form_page(
        request, _("Add a resident work team"), form, reverse("assistance:village", args=[code])
    )


@capability_required(Capability.VIEW_REGISTRY)
def limits(request):
    """The pairing limits and visit frequency in force in the user's area; the county
    office sets its own."""

    area = request.user.area_id or ""
    policy = selectors.policy_for(area)
    may_set = bool(area) and has_capability(request.user, Capability.CONFIGURE)
    initial = {
        "max_households": policy.max_households,
        "visit_interval_days": policy.visit_interval_days,
        "transition_years": policy.transition_years,
    }
    for rank, q in (policy.rank_quotas or {}).items():
        initial[f"key_{rank}"] = q.get("key")
        initial[f"contact_{rank}"] = q.get("contact")
    form = LimitsForm(request.POST or None, initial=initial, ranks=ch.Rank.choices)
    if request.method == "POST":
        if not may_set:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            quotas = {
                rank: {"key": d[f"key_{rank}"], "contact": d[f"contact_{rank}"]}
                for rank, _label in ch.Rank.choices
                if d.get(f"key_{rank}") is not None or d.get(f"contact_{rank}") is not None
            }
            for q in quotas.values():
                q["key"] = q["key"] or 0
                q["contact"] = q["contact"] or 0
            done = call_service(
                form,
                services.assistance_policy_save,
                actor=request.user,
                region_code=area,
                max_households=d["max_households"],
                visit_interval_days=d["visit_interval_days"],
                transition_years=d["transition_years"],
                rank_quotas=quotas,
                reason=d["reason"],
            )
            if done is not None:
                messages.success(request, _("Saved."))
                return redirect("assistance:limits")
    return render_page(
        request,
        "assistance/limits.html",
        {"form": form, "policy": policy, "may_set": may_set},
    )
