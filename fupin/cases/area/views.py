"""Pages of the area exit procedures (贫困村退出, 贫困县退出). Thin: parse input, call
one selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts import authority
from fupin.accounts.roles import Capability
from fupin.accounts.types import SignedInRequest
from fupin.cases.area import selectors, services
from fupin.cases.area.forms import (
    AreaNoticeForm,
    AreaObjectionForm,
    AreaOpenForm,
    AreaResolveForm,
    DesignateForm,
)
from fupin.cases.engine import role_refusal
from fupin.cases.forms import CloseForm, StepForm
from fupin.cases.models import AreaCase, ObjectionStatus
from fupin.cases.procedures import AreaKind, area_procedure_for
from fupin.geo.models import Division, Level
from fupin.web.views.common import (
    Action,
    capability_required,
    dispatch_action,
    render_page,
)


def _may_open(user: Any, kind: str) -> bool:
    return bool(user.may_edit) and role_refusal(user, area_procedure_for(kind)[0]) is None


@capability_required(Capability.VIEW_REGISTRY)
def village_exits(request: SignedInRequest) -> HttpResponse:
    """The poor villages of a township with their exit checklist (the candidates) and
    their exit cases; village staff apply for their village here."""
    user = request.user
    townships = selectors.townships(user)
    code = request.GET.get("township") or (townships[0].code if townships else "")
    open_form = AreaOpenForm(request.POST or None)
    if request.method == "POST":
        outcome = dispatch_action(
            request,
            {
                "open": Action(
                    lambda: open_form,
                    lambda d: services.area_case_open(
                        actor=user,
                        area_code=d["area"],
                        kind=AreaKind.VILLAGE_EXIT,
                        reason=d["reason"],
                    ),
                )
            },
        )
        if outcome.done is not None:
            messages.success(request, _("The village exit case was opened."))
            return redirect("cases:area_case", pk=outcome.done.pk)
        for errors in outcome.form.errors.values():
            for e in errors:
                messages.error(request, str(e))
    rows = (
        selectors.village_exit_rows(user=user, township_code=code, on=timezone.localdate())
        if code
        else []
    )
    return render_page(
        request,
        "cases/area/village_exits.html",
        {
            "townships": townships,
            "township": code,
            "rows": rows,
            "may_open": _may_open(user, AreaKind.VILLAGE_EXIT),
        },
    )


@capability_required(Capability.VIEW_REGISTRY)
def county_exits(request: SignedInRequest) -> HttpResponse:
    """The counties of the user's area: poor-county status, year of exit, exit case."""
    user = request.user
    if request.method == "POST":
        outcome = dispatch_action(
            request,
            {
                "open": Action(
                    lambda: AreaOpenForm(request.POST),
                    lambda d: services.area_case_open(
                        actor=user,
                        area_code=d["area"],
                        kind=AreaKind.COUNTY_EXIT,
                        reason=d["reason"],
                    ),
                ),
                "designate": Action(
                    lambda: DesignateForm(request.POST),
                    lambda d: services.county_profile_designate(
                        actor=user,
                        county_code=d["county"],
                        poor_county=d["poor_county"],
                        reason=d["reason"],
                    ),
                ),
            },
        )
        if outcome.done is not None:
            if isinstance(outcome.done, AreaCase):
                messages.success(request, _("The county exit case was opened."))
                return redirect("cases:area_case", pk=outcome.done.pk)
            messages.success(request, _("The poor-county status was saved."))
            return redirect("cases:area_counties")
        for errors in outcome.form.errors.values():
            for e in errors:
                messages.error(request, str(e))
    rows = selectors.county_exit_rows(user=user)
    return render_page(
        request,
        "cases/area/county_exits.html",
        {
            "rows": rows,
            "may_open": _may_open(user, AreaKind.COUNTY_EXIT),
            "may_designate": any(
                authority.may(user, "poor_county.designate", r.county.code) for r in rows
            ),
            "designate_choices": DesignateForm().fields["poor_county"].choices,  # type: ignore[attr-defined]
        },
    )


@capability_required(Capability.VIEW_REGISTRY)
def area_case(request: SignedInRequest, pk: int) -> HttpResponse:
    """An area exit case: its steps, the checklist recorded, the assessment a county
    case carries, its notice and objections, the evidence; the forms of what the user may
    do now."""
    user = request.user
    case = selectors.area_case_get(user=user, pk=pk)
    step = case.current_step
    notice = services.open_notice(case)
    actions = {
        "step": Action(
            lambda: StepForm(
                request.POST, request.FILES or None, review=bool(step and step.review)
            ),
            lambda d: services.area_step_do(
                actor=user,
                case=case,
                step=request.POST.get("step", ""),
                decision=d.get("decision", ""),
                evidence=d.get("evidence", ""),
                upload=d.get("file"),
                reason=d.get("reason", ""),
            ),
        ),
        "notice": Action(
            lambda: AreaNoticeForm(request.POST),
            lambda d: services.area_notice_post(
                actor=user, case=case, posted_on=d["posted_on"], phone=d["phone"]
            ),
        ),
        "objection": Action(
            lambda: AreaObjectionForm(request.POST),
            lambda d: services.area_objection_add(
                actor=user,
                notice=selectors.area_notice_get(user=user, pk=d["notice"]),
                text=d["text"],
                received_on=d["received_on"],
                reporter=d["reporter"],
                reporter_phone=d["reporter_phone"],
            ),
        ),
        "resolve": Action(
            lambda: AreaResolveForm(request.POST),
            lambda d: services.area_objection_resolve(
                actor=user,
                objection=selectors.area_objection_get(user=user, pk=d["objection"]),
                upheld=d["upheld"],
                resolution=d["resolution"],
            ),
        ),
        "close": Action(
            lambda: CloseForm(request.POST),
            lambda d: services.area_case_close(actor=user, case=case, reason=d["reason"]),
        ),
    }
    forms: dict[str, Any] = {}
    if request.method == "POST":
        outcome = dispatch_action(request, actions)
        if outcome.done is not None:
            messages.success(request, _("Saved."))
            return redirect("cases:area_case", pk=case.pk)
        forms[outcome.name] = outcome.form
        case.refresh_from_db()
        step = case.current_step
        notice = services.open_notice(case)
    refusal = services.area_step_refusal(user, case)
    if refusal is None and step is not None and "step" not in forms:
        forms["step"] = StepForm(review=step.review)
    may_post = (
        step is not None and step.notice and notice is None and role_refusal(user, step) is None
    )
    if may_post and "notice" not in forms:
        forms["notice"] = AreaNoticeForm()
    notices = selectors.area_notices(case)
    objections = [o for n in notices for o in n.objections.order_by("-received_on", "-id")]
    open_objections = [o for o in objections if o.status == ObjectionStatus.OPEN]
    may_resolve = (
        bool(open_objections) and services.objection_refusal(user, open_objections[0]) is None
    )
    if notice is not None and user.may_edit and "objection" not in forms:
        forms["objection"] = AreaObjectionForm(initial={"notice": notice.pk})
    if may_resolve and "resolve" not in forms:
        forms["resolve"] = AreaResolveForm()
    if case.is_active and authority.may(user, "area_case.withdraw", case.area_id):
        forms.setdefault("close", CloseForm())
    return render_page(
        request,
        "cases/area/case_detail.html",
        {
            "case": case,
            "step": step,
            "records": selectors.area_case_records(case),
            "notices": notices,
            "notice": notice,
            "objections": objections,
            "open_objections": open_objections,
            "may_resolve": may_resolve,
            "step_refusal": refusal,
            "forms": forms,
            "failing": services.failing_items(case.approved_checklist or case.checklist),
            "assessment": (case.approved_checklist or case.checklist or {}).get("assessment"),
            "list_url": _list_url(case),
        },
    )


def _list_url(case: AreaCase) -> str:
    if case.kind == AreaKind.VILLAGE_EXIT:
        parent = case.area.parent_id or ""
        return f"{reverse('cases:area_villages')}?township={parent}"
    return reverse("cases:area_counties")


@capability_required(Capability.VIEW_REGISTRY)
def area_step_file(request: SignedInRequest, pk: int, sid: int) -> HttpResponseBase:
    """Evidence files are served here, in scope, never from /media/."""
    rec = selectors.area_step_record_get(user=request.user, case_pk=pk, pk=sid)
    return rec.file_response()


def division_exit_links(division: Division) -> list[tuple[str, str]]:
    """The exit case of a poor village or county, or its exit list, for the registry's
    division page (registered in CasesConfig.ready)."""
    case = selectors.latest_case(division.code)
    if case is not None:
        label = _("%(case)s: %(status)s") % {
            "case": services.case_label(case),
            "status": case.get_status_display(),
        }
        return [(label, reverse("cases:area_case", args=[case.pk]))]
    if division.level == Level.VILLAGE:
        profile = getattr(division, "profile", None)
        if profile is not None and profile.is_poor_village:
            url = f"{reverse('cases:area_villages')}?township={division.parent_id}"
            return [(_("Village exit: the checklist and the application"), url)]
    if division.level == Level.COUNTY:
        return [(_("County exit (贫困县退出)"), reverse("cases:area_counties"))]
    return []
