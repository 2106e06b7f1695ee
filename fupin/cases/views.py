"""Pages of the case workflows. Thin: parse input, call one selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fupin.accounts.roles import Capability
from fupin.cases import pdf, selectors, services
from fupin.cases.forms import (
    AppealForm,
    BatchForm,
    CaseFilterForm,
    CaseOpenForm,
    CloseForm,
    NoticeForm,
    ObjectionForm,
    PublicObjectionForm,
    ResolveForm,
    StepForm,
)
from fupin.cases.models import ACTIVE_STATUSES, AppealStatus, Case, ObjectionStatus
from fupin.cases.procedures import FINAL_STATUS
from fupin.core import abuse
from fupin.core.errors import NotAllowed, OutsideArea
from fupin.geo.models import Division, Level
from fupin.registry import selectors as registry_selectors
from fupin.web import params, queries
from fupin.web.views.common import (
    call_service,
    capability_required,
    render_page,
    require_capability,
)


def _labelled(cases):
    for c in cases:
        c.label = (
            f"{selectors.head_name(c.household)} · {c.household.number} · {c.get_kind_display()}"
        )
    return cases


def _case_choices(cases) -> list[tuple[str, str]]:
    """The choices of a form that picks among labelled cases (`_labelled`)."""
    return [(str(c.pk), c.label) for c in cases]


def _villages(user) -> list[tuple[str, str]]:
    rows = Division.objects.restrict(user).filter(level=Level.VILLAGE).select_related("parent")
    return [
        (d.code, f"{d.parent.name if d.parent else ''} {d.name}") for d in rows.order_by("code")
    ]


def household_procedure_links(household) -> list[tuple[str, str]]:
    """The status-changing cases that may be opened on this household now
    (`selectors.openable_kinds`: from its status, none while one runs), as (label, link to
    open one), for the registry's household edit page (registered in CasesConfig.ready)."""
    base = reverse("cases:case_new", args=[household.pk])
    active = list(Case.objects.filter(household=household, status__in=ACTIVE_STATUSES))
    return [
        (_("Start a case: %(kind)s") % {"kind": label}, f"{base}?kind={kind}")
        for kind, label in selectors.openable_kinds(household, active)
        if FINAL_STATUS[kind] is not None
    ]


@capability_required(Capability.VIEW_REGISTRY)
def case_list(request):
    form = CaseFilterForm(request.GET, area_choices=queries.area_choices(request.user))
    form.is_valid()
    data = {k: v for k, v in getattr(form, "cleaned_data", {}).items() if v}
    # The select offers only divisions of the user's area; the selector takes the code
    # (geo.codes.significant_prefix), so the division is not read again.
    filters = selectors.CaseFilters(**data)
    page = selectors.case_page(
        user=request.user,
        filters=filters,
        older=params.parse_int(request.GET.get("older")),
        newer=params.parse_int(request.GET.get("newer")),
    )
    today = timezone.localdate()
    return render_page(
        request,
        "cases/case_list.html",
        {"form": form, "cases": page.rows, "page": page, "today": today},
    )


@capability_required(Capability.VIEW_REGISTRY)
def overdue(request):
    today = timezone.localdate()
    rows = selectors.overdue_by_village(user=request.user, today=today)
    cases = selectors.case_list(user=request.user, filters=selectors.CaseFilters(overdue=True))
    return render_page(
        request, "cases/overdue.html", {"rows": rows, "cases": cases, "today": today}
    )


@login_required
def case_new(request, household_pk):
    # The form shows the household's head only: its rows are not prefetched.
    household = registry_selectors.household_get(user=request.user, pk=household_pk, rows=False)
    require_capability(request.user, Capability.EDIT_REGISTRY)
    form = CaseOpenForm(request.POST or None, initial={"kind": request.GET.get("kind", "")})
    if request.method == "POST" and form.is_valid():
        case = call_service(
            form,
            services.case_open,
            actor=request.user,
            household=household,
            kind=form.cleaned_data["kind"],
            reason=form.cleaned_data["reason"],
        )
        if case is not None:
            messages.success(request, _("The case was opened."))
            return redirect("cases:case_detail", pk=case.pk)
    return render_page(request, "cases/case_new.html", {"form": form, "h": household})


def _case_page(request, case, *, form=None, status=None):
    step = case.current_step
    refusal = services.step_refusal(request.user, case)
    if form is None and refusal is None:
        form = StepForm(review=step.review)
    appeals = list(case.appeals.order_by("id"))
    open_appeal = next((a for a in appeals if a.status == AppealStatus.OPEN), None)
    return render_page(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "step": step,
            "form": form if refusal is None else None,
            # Why a staff user sees no form for the current step (another role, four eyes).
            "step_refusal": refusal
            if isinstance(refusal, NotAllowed) and request.user.may_edit and step
            else None,
            "records": selectors.case_records(case),
            "notices": list(case.notices.order_by("-posted_on")),
            "appeals": appeals,
            "appeal_form": AppealForm()
            if request.user.may_edit and case.written_notice_on and not open_appeal
            else None,
            "decide_form": ResolveForm()
            if open_appeal and services.may_decide_appeal(request.user, open_appeal)
            else None,
            "open_appeal": open_appeal,
            "close_form": CloseForm() if services.may_withdraw(request.user, case) else None,
        },
        status=status,
    )


@capability_required(Capability.VIEW_REGISTRY)
def case_detail(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    if request.method == "POST" and "step" in request.POST:
        refusal = services.step_refusal(request.user, case)
        if isinstance(refusal, OutsideArea):
            raise Http404
        if isinstance(refusal, NotAllowed):  # the 403 page says why
            raise PermissionDenied(str(refusal.message))
        if refusal is not None:  # closed meanwhile
            messages.error(request, str(refusal.message))
            return _case_page(request, case, status=refusal.status)
        step = case.current_step
        assert step is not None  # a closed case has no step: step_refusal refused it above
        form = StepForm(request.POST, request.FILES or None, review=step.review)
        if form.is_valid():
            done = call_service(
                form,
                services.step_do,
                actor=request.user,
                case=case,
                step=request.POST["step"],
                decision=form.cleaned_data["decision"],
                evidence=form.cleaned_data["evidence"],
                upload=form.cleaned_data["file"],
                reason=form.cleaned_data["reason"],
            )
            if done is not None:
                messages.success(request, _("The step was recorded."))
                return redirect("cases:case_detail", pk=case.pk)
        case.refresh_from_db()
        return _case_page(request, case, form=form)
    return _case_page(request, case)


@login_required
@require_POST
def case_close(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        done = call_service(
            form,
            services.case_close,
            actor=request.user,
            case=case,
            reason=form.cleaned_data["reason"],
        )
        if done is not None:
            messages.success(request, _("The case was closed."))
            return redirect("cases:case_detail", pk=case.pk)
    for errors in form.errors.values():
        for e in errors:
            messages.error(request, str(e))
    return redirect("cases:case_detail", pk=case.pk)


@capability_required(Capability.VIEW_REGISTRY)
def step_file(request, pk, sid):
    """Evidence files are personal data: served here, in scope, never from /media/."""
    rec = selectors.step_record_get(user=request.user, case_pk=pk, pk=sid)
    return rec.file_response()


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@capability_required(Capability.VIEW_REGISTRY)
def written_notice(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    if not case.written_notice_on:
        raise Http404
    return _pdf(pdf.written_notice(case), f"written-notice-{case.pk}.pdf")


@login_required
@require_POST
def appeal_new(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    form = AppealForm(request.POST)
    if form.is_valid():
        done = call_service(
            form, services.appeal_file, actor=request.user, case=case, **form.cleaned_data
        )
        if done is not None:
            messages.success(request, _("The appeal was recorded."))
            return redirect("cases:case_detail", pk=case.pk)
    messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("cases:case_detail", pk=case.pk)


@login_required
@require_POST
def appeal_decide(request, pk):
    appeal = selectors.appeal_get(user=request.user, pk=pk)
    form = ResolveForm(request.POST)
    if form.is_valid():
        done = call_service(
            form,
            services.appeal_decide,
            actor=request.user,
            appeal=appeal,
            upheld=form.cleaned_data["upheld"],
            outcome=form.cleaned_data["text"],
        )
        if done is not None:
            messages.success(request, _("The appeal was decided."))
            return redirect("cases:case_detail", pk=appeal.case_id)
    messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("cases:case_detail", pk=appeal.case_id)


@capability_required(Capability.VIEW_REGISTRY, Capability.EDIT_REGISTRY)
def batch_open(request):
    form = BatchForm(request.POST or None, villages=_villages(request.user))
    result = None
    if request.method == "POST" and form.is_valid():
        result = call_service(
            form,
            services.batch_open,
            actor=request.user,
            village_code=form.cleaned_data["village"],
            kind=form.cleaned_data["kind"],
            note=form.cleaned_data["note"],
        )
    return render_page(request, "cases/batch.html", {"form": form, "result": result})


@capability_required(Capability.VIEW_REGISTRY)
def notice_list(request):
    notices = list(selectors.notice_queryset(request.user)[:200])
    return render_page(request, "cases/notice_list.html", {"notices": notices})


@capability_required(Capability.VIEW_REGISTRY)
def notice_new(request):
    villages = _villages(request.user)
    village = request.GET.get("village") or request.POST.get("village") or ""
    if village not in {code for code, _name in villages}:
        village = ""
    candidates = (
        _labelled(selectors.notice_candidates(user=request.user, village_code=village))
        if village
        else []
    )
    form = NoticeForm(request.POST or None, case_choices=_case_choices(candidates))
    if request.method == "POST" and village and form.is_valid():
        chosen = {int(x) for x in form.cleaned_data["cases"]}
        notice = call_service(
            form,
            services.notice_create,
            actor=request.user,
            village_code=village,
            cases=[c for c in candidates if c.pk in chosen],
            posted_on=form.cleaned_data["posted_on"],
            phone=form.cleaned_data["phone"],
        )
        if notice is not None:
            messages.success(request, _("The notice was posted."))
            return redirect("cases:notice_detail", pk=notice.pk)
    return render_page(
        request,
        "cases/notice_new.html",
        {"form": form, "villages": villages, "village": village, "candidates": candidates},
    )


@capability_required(Capability.VIEW_REGISTRY)
def notice_detail(request, pk):
    notice = selectors.notice_get(user=request.user, pk=pk)
    cases = _labelled(selectors.notice_cases(notice))
    form = ObjectionForm(request.POST or None, case_choices=_case_choices(cases))
    if request.method == "POST" and form.is_valid():
        chosen = {int(x) for x in form.cleaned_data["cases"]}
        obj = call_service(
            form,
            services.objection_add,
            actor=request.user,
            notice=notice,
            cases=[c for c in cases if c.pk in chosen],
            text=form.cleaned_data["text"],
            reporter=form.cleaned_data["reporter"],
            reporter_phone=form.cleaned_data["reporter_phone"],
            received_on=form.cleaned_data["received_on"],
        )
        if obj is not None:
            messages.success(request, _("The objection was recorded."))
            return redirect("cases:notice_detail", pk=notice.pk)
    objections = selectors.notice_objections(user=request.user, notice=notice)
    may_resolve = services.may_resolve_objections(request.user, notice)
    return render_page(
        request,
        "cases/notice_detail.html",
        {
            "notice": notice,
            "cases": cases,
            "blocked": selectors_blocked(notice),
            "objections": objections,
            "form": form,
            "resolve_form": ResolveForm() if may_resolve else None,
            "OPEN": ObjectionStatus.OPEN,
        },
    )


def selectors_blocked(notice) -> set[int]:
    return services.blocked_case_ids(notice)


@capability_required(Capability.VIEW_REGISTRY)
def notice_pdf(request, pk):
    notice = selectors.notice_get(user=request.user, pk=pk)
    size = "A3" if request.GET.get("size") == "A3" else "A4"
    public_url = request.build_absolute_uri(reverse("cases:notice_public", args=[notice.slug]))
    data = pdf.notice_poster(
        notice, selectors.notice_cases(notice), size=size, public_url=public_url
    )
    return _pdf(data, f"notice-{notice.pk}-{size}.pdf")


@login_required
@require_POST
def objection_resolve(request, pk):
    obj = selectors.objection_get(user=request.user, pk=pk)
    form = ResolveForm(request.POST)
    if form.is_valid():
        done = call_service(
            form,
            services.objection_resolve,
            actor=request.user,
            objection=obj,
            upheld=form.cleaned_data["upheld"],
            resolution=form.cleaned_data["text"],
        )
        if done is not None:
            messages.success(request, _("The objection was resolved."))
            return redirect("cases:notice_detail", pk=obj.notice_id)
    messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("cases:notice_detail", pk=obj.notice_id)


@never_cache
def notice_public(request, slug):
    """The public page of a notice (no login), reached by its unguessable slug, shown until
    the end of its period plus the county's grace days (then 404): what the poster says,
    and a form to object during the notice period. Views and objections are rate limited
    per address; an objection needs the image CAPTCHA."""
    # Counted before the lookup, so guessing slugs runs into the limit too.
    if abuse.over_limit(request, "notice_view", abuse.view_limit()):
        return render_page(request, "tips/too_many.html", status=429)
    notice = selectors.public_notice(slug)
    cases = _labelled(selectors.notice_cases(notice))
    today = timezone.localdate()
    open_now = notice.posted_on <= today <= notice.ends_on
    context = {"notice": notice, "cases": cases, "open_now": open_now}
    form = PublicObjectionForm(request.POST or None, case_choices=_case_choices(cases))
    if request.method == "POST" and open_now:
        if abuse.over_limit(request, "objection", abuse.submit_limit()):
            return render_page(
                request, "cases/notice_public.html", {**context, "limited": True}, status=429
            )
        if form.is_valid():
            chosen = {int(x) for x in form.cleaned_data["cases"]}
            obj = call_service(
                form,
                services.objection_add_public,
                notice=notice,
                cases=[c for c in cases if c.pk in chosen],
                text=form.cleaned_data["text"],
                reporter=form.cleaned_data["reporter"],
                reporter_phone=form.cleaned_data["reporter_phone"],
            )
            if obj is not None:
                return render_page(request, "cases/notice_public.html", {**context, "sent": True})
    return render_page(request, "cases/notice_public.html", {**context, "form": form})
