"""Pages of monitoring: monitoring objects by risk level, warnings (list, detail with the
actions of each role, staff form), the public self-report form (no login; captcha and
rate limit of fupin.core.abuse), and the overdue / rising list. Thin: parse, call a
selector or service, render."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import BaseForm, ChoiceField
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from fupin.accounts.roles import Capability
from fupin.core import abuse
from fupin.core.errors import NotAllowed
from fupin.monitoring import forms as F
from fupin.monitoring import grading, reports, selectors, services
from fupin.monitoring.models import OPEN_STATUSES, Department, RiskLevel
from fupin.registry import selectors as registry_selectors
from fupin.registry.models import Household
from fupin.web.views.common import (
    Action,
    access_required,
    call_service,
    dispatch_action,
    render_page,
    require_capability,
)

PAGE = 50


@access_required(selectors.may_read)
def object_list(request):
    level = request.GET.get("level", "")
    if level not in RiskLevel.values:
        level = ""
    qs = selectors.objects_for(request.user, level).order_by("risk_level", "-id")
    rows = list(qs[:500])
    # the link to change the level only where the user may change it
    changeable = {o.pk for o in rows if services.allowed_levels(request.user, o)}
    return render_page(
        request,
        "monitoring/object_list.html",
        {
            "rows": rows,
            "changeable": changeable,
            "by_level": selectors.objects_by_level(request.user),
            "level": level,
        },
    )


@login_required
def object_open(request, household_pk):
    # The form shows the household's head only: its rows are not prefetched.
    household = registry_selectors.household_get(user=request.user, pk=household_pk, rows=False)
    require_capability(request.user, Capability.EDIT_REGISTRY)
    form = F.MonitoringOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        obj = call_service(
            form,
            services.monitoring_open,
            actor=request.user,
            household=household,
            monitoring_type=d["monitoring_type"],
            risk_level=d["risk_level"],
            risk_types=d["risk_types"],
            reason=d["reason"],
        )
        if obj is not None:
            messages.success(request, _("The monitoring case is open."))
            return redirect("cases:case_detail", pk=obj.case_id)
    return render_page(request, "monitoring/object_open.html", {"form": form, "h": household})


@access_required(selectors.may_read)
def object_level(request, pk):
    """Change a monitoring object's risk level (recorded): raising it is for any staff,
    lowering it for the township or county (fupin.accounts.authority); the form offers
    only the levels the user may choose."""
    obj = selectors.objects_for(request.user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    allowed = services.allowed_levels(request.user, obj)
    if not allowed:
        raise PermissionDenied(_("You may not change the risk level of this household."))
    form = F.RiskLevelForm(request.POST or None, initial={"level": allowed[0]})
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            services.risk_level_set,
            actor=request.user,
            obj=obj,
            level=form.cleaned_data["level"],
            reason=form.cleaned_data["reason"],
        )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("monitoring:objects")
    labels = dict(RiskLevel.choices)
    cast(ChoiceField, form.fields["level"]).choices = [(level, labels[level]) for level in allowed]
    return render_page(request, "monitoring/object_level.html", {"form": form, "o": obj})


@access_required(selectors.may_read)
def warning_list(request):
    form = F.WarningFilterForm(request.GET)
    form.is_valid()
    d = getattr(form, "cleaned_data", {})
    qs = selectors.warnings_for(request.user)
    if d.get("status") == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif d.get("status") == "closed":
        qs = qs.exclude(status__in=OPEN_STATUSES)
    if d.get("cause"):
        qs = qs.filter(cause=d["cause"])
    if d.get("overdue"):
        qs = qs.filter(status__in=OPEN_STATUSES, deadline__lt=timezone.localdate())
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    rows = list(qs.order_by("deadline", "-id")[(page - 1) * PAGE : page * PAGE + 1])
    return render_page(
        request,
        "monitoring/warning_list.html",
        {
            "form": form,
            "rows": rows[:PAGE],
            "page": page,
            "has_next": len(rows) > PAGE,
            "may_create": services.may_create_warning(request.user),
        },
    )


@access_required(selectors.may_read)
def warning_create(request):
    if not services.may_create_warning(request.user):
        raise PermissionDenied
    form = F.StaffWarningForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        household = (
            Household.objects.restrict(request.user).filter(number=d["household_number"]).first()
        )
        if household is None:
            form.add_error("household_number", _("No household with this number in your area."))
        else:
            w = call_service(
                form,
                services.warning_create,
                actor=request.user,
                household=household,
                channel=d["channel"],
                cause=d["cause"],
                evidence=d["evidence"],
                proposed_level=d["proposed_level"],
            )
            if w is not None:
                messages.success(
                    request,
                    _("The warning is routed to %(dep)s.") % {"dep": w.get_department_display()},
                )
                return redirect("monitoring:warning_detail", pk=w.pk)
    return render_page(request, "monitoring/warning_form.html", {"form": form})


@access_required(selectors.may_read)
def warning_detail(request, pk):
    w = selectors.warning_get(request.user, pk)
    user = request.user
    forms: dict[str, BaseForm] = {
        "measure_form": F.MeasureForm(initial={"taken_on": timezone.localdate()}),
        "escalate_form": F.ReasonForm(prefix="esc"),
        "eliminate_form": F.ReasonForm(prefix="elim"),
        "review_form": F.ReviewForm(),
    }
    if request.method == "POST":
        outcome = dispatch_action(
            request,
            {
                "measure": Action(
                    form=lambda: F.MeasureForm(request.POST),
                    run=lambda d: services.measure_add(
                        actor=user,
                        warning=w,
                        description=d["description"],
                        amount=d["amount"],
                        taken_on=d["taken_on"],
                    ),
                ),
                "escalate": Action(
                    form=lambda: F.ReasonForm(request.POST, prefix="esc"),
                    run=lambda d: services.warning_escalate(
                        actor=user, warning=w, reason=d["reason"]
                    ),
                ),
                "eliminate": Action(
                    form=lambda: F.ReasonForm(request.POST, prefix="elim"),
                    run=lambda d: services.warning_eliminate(
                        actor=user, warning=w, note=d["reason"]
                    ),
                ),
                "review": Action(
                    form=lambda: F.ReviewForm(request.POST),
                    run=lambda d: services.warning_review(
                        actor=user, warning=w, worked=d["worked"], not_worked=d["not_worked"]
                    ),
                ),
            },
        )
        if outcome.done is not None:
            messages.success(request, _("Saved."))
            return redirect("monitoring:warning_detail", pk=w.pk)
        forms[f"{outcome.name}_form"] = outcome.form
    problems = services.elimination_check(w.household, timezone.localdate()) if w.is_open else []
    return render_page(
        request,
        "monitoring/warning_detail.html",
        {
            "w": w,
            "measures": list(w.measures.all()),
            "may_measure": services.may_add_measure(user, w),
            "may_escalate": services.may_escalate(user, w),
            "may_eliminate": services.may_eliminate(user, w),
            "may_review": services.may_review(user, w),
            "problems": problems,
            **forms,
        },
    )


@access_required(selectors.may_read)
def attention(request):
    today = timezone.localdate()
    return render_page(
        request,
        "monitoring/attention.html",
        {
            "overdue": list(selectors.overdue(request.user, today).order_by("deadline")[:500]),
            "rising": selectors.rising(request.user, today)[:500],
            "escalated": list(selectors.escalated(request.user).order_by("deadline")[:500]),
            "today": today,
        },
    )


# --- public ---------------------------------------------------------------------------

DONE_KEY = "monitoring_report_done"


@never_cache
def report(request):
    form = F.PublicReportForm(request.POST or None)
    if request.method == "POST":
        if abuse.over_limit(request, "monitoring", abuse.submit_limit()):
            return render_page(request, "tips/too_many.html", status=429)
        if form.is_valid():
            d = form.cleaned_data
            # The same answer whether or not the numbers name a household (the service
            # drops a report that names none): never confirm that a household exists.
            call_service(
                form,
                services.warning_submit_public,
                household_number=d["household_number"],
                id_number=d["id_number"],
                cause=d["cause"],
                evidence=d["evidence"],
                reporter_name=d["reporter_name"],
                reporter_phone=d["reporter_phone"],
            )
            if not form.errors:
                request.session[DONE_KEY] = d["cause"]
                return redirect("monitoring:report_done")
    return render_page(request, "monitoring/report.html", {"form": form})


@never_cache
def report_done(request):
    cause = request.session.pop(DONE_KEY, None)
    if cause not in services.ROUTING:
        return redirect("monitoring:report")
    department = Department(services.ROUTING[cause]).label
    return render_page(request, "monitoring/report_done.html", {"department": department})


@access_required(selectors.may_read)
def object_end(request, pk):
    """End a household's monitoring once its risk is eliminated (office roles)."""
    obj = selectors.objects_for(request.user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    refusal = services.end_refusal(request.user, obj)
    if isinstance(refusal, NotAllowed):  # the 403 page says why
        raise PermissionDenied(str(refusal.message))
    form = F.EndMonitoringForm(request.POST or None)
    problems = services.elimination_check(obj.household, timezone.localdate())
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            services.monitoring_end,
            actor=request.user,
            obj=obj,
            reason=form.cleaned_data["reason"],
        )
        if done is not None:
            messages.success(request, _("The monitoring of the household has ended."))
            return redirect("household_detail", pk=obj.household_id)
    return render_page(
        request, "monitoring/object_end.html", {"form": form, "o": obj, "problems": problems}
    )


# --- grading rounds ---------------------------------------------------------------------


@access_required(selectors.may_read_grades)
def grade_rounds(request):
    rounds = list(selectors.rounds_for(request.user)[:200])
    return render_page(request, "monitoring/grade_rounds.html", {"rounds": rounds})


@access_required(selectors.may_read_grades)
def grade_round(request, pk):
    """A round's grades inside the user's area, filtered by colour and movement; the
    adjust link where the user may adjust (township and county)."""
    rnd = selectors.round_get(request.user, pk)
    form = F.GradeFilterForm(request.GET)
    form.is_valid()
    d = getattr(form, "cleaned_data", {})
    qs = selectors.grades_for(
        request.user,
        rnd,
        colour=d.get("colour", ""),
        move=d.get("move", ""),
        adjusted=bool(d.get("adjusted")),
    ).select_related("household", "village", "adjusted_by")
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    rows = list(qs.order_by("village_id", "household_id")[(page - 1) * PAGE : page * PAGE + 1])
    may_adjust = (
        bool(rows) and grading.may_adjust(request.user, rows[0]) and not (grading.is_closed(rnd))
    )
    for g in rows:
        g.round = rnd  # the round's rules describe the reasons: not read again per row
        g.reason_texts = selectors.reasons_of(g)  # type: ignore[attr-defined]
    return render_page(
        request,
        "monitoring/grade_round.html",
        {
            "round": rnd,
            "form": form,
            "rows": rows[:PAGE],
            "page": page,
            "has_next": len(rows) > PAGE,
            "counts": selectors.grade_counts(request.user, rnd),
            "may_adjust": may_adjust,
            "closed": grading.is_closed(rnd),
        },
    )


@access_required(selectors.may_read_grades)
def grade_adjust(request, pk):
    """Adjust one household's colour with a reason (township or county; recorded)."""
    g = selectors.grade_get(request.user, pk)
    if not grading.may_adjust(request.user, g):
        raise PermissionDenied(_("Only the township or county may adjust a grade."))
    form = F.GradeAdjustForm(request.POST or None, initial={"colour": g.colour})
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            grading.grade_adjust,
            actor=request.user,
            grade=g,
            colour=form.cleaned_data["colour"],
            reason=form.cleaned_data["reason"],
        )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("monitoring:grade_round", pk=g.round_id)
    return render_page(
        request,
        "monitoring/grade_adjust.html",
        {"form": form, "g": g, "reasons": selectors.reasons_of(g)},
    )


@access_required(selectors.may_read_grades)
def grade_export(request, pk):
    """The round's grades inside the user's area as a workbook."""
    rnd = selectors.round_get(request.user, pk)
    data = reports.grade_workbook(request.user, rnd)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"grades-{rnd.area_id}-{rnd.pk}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@access_required(selectors.may_read_grades)
def grade_compare(request):
    """Two rounds side by side: counts per colour per village, who moved up or down
    (inside the user's area)."""
    rounds = list(selectors.rounds_for(request.user)[:200])
    form = F.RoundCompareForm(request.GET or None, rounds=rounds)
    result = None
    if request.GET and form.is_valid():
        a = selectors.round_get(request.user, int(form.cleaned_data["a"]))
        b = selectors.round_get(request.user, int(form.cleaned_data["b"]))
        result = selectors.round_comparison(request.user, a, b)
    return render_page(request, "monitoring/grade_compare.html", {"form": form, "c": result})
