"""Pages of supervision. Thin: parse input, call a selector or service, render.

Every page is scoped: objects outside the user's area are 404 (the selectors use
`restrict(user)`); writes go through the services, which check the capability."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts.models import User
from fupin.accounts.roles import CAPABILITIES, Capability
from fupin.core.history import history_of
from fupin.core.scope import area_prefix_of, user_covers
from fupin.geo.models import Division
from fupin.supervision import choices as c
from fupin.supervision import forms as f
from fupin.supervision import selectors, services
from fupin.supervision.models import Escalation, Rectification
from fupin.supervision.periods import period_containing, period_end
from fupin.web import queries
from fupin.web.views.common import call_service, capability_required, render_page, require_access


def _areas(user, *, own=True) -> list[tuple[str, str]]:
    """The user's own area and the two levels below it."""
    rows = list(queries.area_choices(user))
    if own and user.area_id:
        rows.insert(0, (user.area_id, user.area.name))
    return rows


def _filter(request) -> tuple[f.AreaFilterForm, str, int]:
    form = f.AreaFilterForm(request.GET or None, area_choices=queries.area_choices(request.user))
    data = form.cleaned_data if form.is_valid() else {}
    prefix = ""
    if data.get("area"):
        division = Division.objects.restrict(request.user).filter(code=data["area"]).first()
        prefix = division.prefix if division else ""
    return form, prefix, data.get("year") or timezone.localdate().year


def _unit_choices(user, prefix: str = ""):
    return [
        (u.pk, u.name)
        for u in selectors.units(user=user, prefix=prefix).order_by("area_code", "kind", "name")
    ]


# ------------------------------------------------------------------------ index


@capability_required(Capability.VIEW_REGISTRY)
def index(request):
    form, prefix, year = _filter(request)
    today = timezone.localdate()
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    open_findings = list(selectors.open_findings(user=request.user, today=today, prefix=prefix))
    overdue = [x for x in open_findings if selectors.is_overdue(x, today)]
    counts = selectors.escalation_counts(user=request.user, start=start, end=end, prefix=prefix)
    return render_page(
        request,
        "supervision/index.html",
        {
            "form": form,
            "year": year,
            "today": today,
            "open_findings": open_findings[:200],
            "open_count": len(open_findings),
            "overdue_count": len(overdue),
            "overdue_ids": {x.pk for x in overdue},
            "counts": counts,
            "escalations": selectors.escalation_list(
                user=request.user, start=start, end=end, prefix=prefix
            )[:200],
            "overdue_tasks": list(
                selectors.overdue_tasks(user=request.user, today=today, prefix=prefix)[:100]
            ),
            "years": selectors.years_with_findings(user=request.user),
        },
    )


# ------------------------------------------------------------------ inspections


@capability_required(Capability.VIEW_REGISTRY)
def inspection_list(request):
    inspections = selectors.inspections(user=request.user).order_by("-start_date", "-id")[:500]
    return render_page(request, "supervision/inspection_list.html", {"inspections": inspections})


def _inspector_choices(user):
    roles = [r for r, caps in CAPABILITIES.items() if Capability.SUPERVISE in caps]
    prefix = area_prefix_of(user) or ""
    out = []
    for u in User.objects.filter(role__in=roles, is_active=True).select_related("area")[:500]:
        if u.area is None:
            continue
        if u.area.code.startswith(prefix) or user_covers(u, user.area_id or ""):
            out.append((u.pk, f"{u.get_full_name() or u.username} · {u.unit or u.area.name}"))
    return out


@capability_required(Capability.SUPERVISE)
def inspection_create(request):
    choices = _inspector_choices(request.user)
    form = f.InspectionForm(
        request.POST or None,
        area_choices=_areas(request.user),
        inspector_choices=choices,
        initial={"inspectors": [request.user.pk]},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        insp = call_service(
            form,
            services.inspection_create,
            actor=request.user,
            title=d["title"],
            kind=d["kind"],
            area_code=d["area"],
            start_date=d["start_date"],
            end_date=d["end_date"],
            inspectors=list(User.objects.filter(pk__in=d["inspectors"])),
            notes=d["notes"],
        )
        if insp is not None:
            messages.success(request, _("The inspection was recorded."))
            return redirect("supervision:inspection", pk=insp.pk)
    return render_page(
        request,
        "supervision/form.html",
        {"form": form, "title": _("New inspection"), "back": "supervision:inspections"},
    )


@capability_required(Capability.VIEW_REGISTRY)
def inspection_detail(request, pk):
    insp = selectors.inspection_get(user=request.user, pk=pk)
    findings = insp.findings.restrict(request.user).select_related("unit").order_by("deadline")
    return render_page(
        request,
        "supervision/inspection_detail.html",
        {
            "insp": insp,
            "findings": findings,
            "inspectors": insp.inspectors.all(),
            "may_supervise": services.may_supervise(request.user, insp.area_id),
            "today": timezone.localdate(),
            "history": list(history_of(insp).select_related("user")[:20]),
        },
    )


@capability_required(Capability.SUPERVISE)
def finding_create(request, pk):
    insp = selectors.inspection_get(user=request.user, pk=pk)
    form = f.FindingForm(
        request.POST or None,
        request.FILES or None,
        unit_choices=_unit_choices(request.user, insp.area.prefix),
        initial={"found_on": insp.start_date},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        unit = selectors.unit_get(user=request.user, pk=d["unit"])
        finding = call_service(
            form,
            services.finding_add,
            actor=request.user,
            inspection=insp,
            unit=unit,
            description=d["description"],
            category=d["category"],
            severity=d["severity"],
            found_on=d["found_on"],
            deadline=d["deadline"],
            upload=d.get("file"),
        )
        if finding is not None:
            messages.success(request, _("The finding was recorded."))
            return redirect("supervision:finding", pk=finding.pk)
    return render_page(
        request,
        "supervision/form.html",
        {"form": form, "title": _("New finding: %(t)s") % {"t": insp.title}, "upload": True},
    )


# --------------------------------------------------------------------- findings


@capability_required(Capability.VIEW_REGISTRY)
def finding_detail(request, pk):
    finding = selectors.finding_get(user=request.user, pk=pk)
    return _finding_page(request, finding)


FORM_NAMES = {
    "RectificationForm": "rect_form",
    "VerifyForm": "verify_form",
    "FailForm": "fail_form",
}


def _finding_page(request, finding, bound=None):
    """The finding page; `bound` is a form that failed, shown again with its input."""
    user = request.user
    rects = list(finding.rectifications.all())
    pending = next((r for r in rects if r.verdict == c.Verdict.PENDING), None)
    may_supervise = services.may_supervise(user, finding.unit.area_code)
    may_rectify = services.may_submit_rectification(user, finding) and finding.status in (
        c.FindingStatus.OPEN,
        c.FindingStatus.OVERDUE,
    )
    forms = {
        "rect_form": f.RectificationForm() if may_rectify else None,
        "verify_form": f.VerifyForm() if pending and services.may_verify(user, pending) else None,
        "fail_form": f.FailForm()
        if may_supervise and finding.status != c.FindingStatus.FAILED
        else None,
    }
    if bound is not None:
        forms[FORM_NAMES[type(bound).__name__]] = bound
    return render_page(
        request,
        "supervision/finding_detail.html",
        {
            "finding": finding,
            "rects": rects,
            "pending": pending,
            "escalation": Escalation.objects.filter(finding=finding).first(),
            "overdue": selectors.is_overdue(finding, timezone.localdate()),
            **forms,
            "history": list(history_of(finding).select_related("user")[:30]),
        },
    )


def _finding_post(request, pk, form_class, run, done_message):
    """Run a write on a finding; on an error the page is shown again with the input."""
    finding = selectors.finding_get(user=request.user, pk=pk)
    form = form_class(request.POST, request.FILES or None)
    if (
        form.is_valid()
        and call_service(form, run, finding=finding, d=form.cleaned_data) is not None
    ):
        messages.success(request, done_message)
        return redirect("supervision:finding", pk=finding.pk)
    finding.refresh_from_db()
    return _finding_page(request, finding, bound=form)


@login_required
@require_POST
def finding_rectify(request, pk):
    def run(finding, d):
        return services.rectification_submit(
            actor=request.user, finding=finding, report=d["report"], upload=d.get("file")
        )

    return _finding_post(
        request, pk, f.RectificationForm, run, _("The rectification report was submitted.")
    )


@login_required
@require_POST
def finding_verify(request, pk):
    def run(finding, d):
        rec = finding.rectifications.filter(verdict=c.Verdict.PENDING).first()
        if rec is None:
            raise Http404
        return services.rectification_verify(
            actor=request.user,
            rectification=rec,
            accepted=d["verdict"] == c.Verdict.ACCEPTED,
            notes=d["notes"],
        )

    return _finding_post(request, pk, f.VerifyForm, run, _("The verification was recorded."))


@login_required
@require_POST
def finding_fail(request, pk):
    def run(finding, d):
        return services.finding_fail(actor=request.user, finding=finding, reason=d["reason"])

    return _finding_post(request, pk, f.FailForm, run, _("The finding was marked failed."))


@capability_required(Capability.VIEW_REGISTRY)
def finding_file(request, pk):
    return selectors.finding_get(user=request.user, pk=pk).file_response()


@capability_required(Capability.VIEW_REGISTRY)
def rectification_file(request, pk):
    rec = Rectification.objects.restrict(request.user).filter(pk=pk).first()
    if rec is None:
        raise Http404
    return rec.file_response()


# ------------------------------------------------------------------------ units


@capability_required(Capability.VIEW_REGISTRY)
def unit_list(request):
    form, prefix, year = _filter(request)
    rows = list(selectors.units(user=request.user, prefix=prefix, active=None)[:1000])
    counts = selectors.unit_counts(user=request.user, year=year, today=timezone.localdate())
    return render_page(
        request,
        "supervision/unit_list.html",
        {
            "form": form,
            "year": year,
            "rows": [(u, counts.get(u.pk) or selectors.UnitCounts()) for u in rows],
            "may_supervise": request.user.can(Capability.SUPERVISE),
        },
    )


@capability_required(Capability.SUPERVISE)
def unit_create(request):
    form = f.UnitForm(request.POST or None, area_choices=_areas(request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        unit = call_service(
            form,
            services.unit_create,
            actor=request.user,
            name=d["name"],
            kind=d["kind"],
            area_code=d["area"],
        )
        if unit is not None:
            messages.success(request, _("The unit was created."))
            return redirect("supervision:unit", pk=unit.pk)
    return render_page(
        request,
        "supervision/form.html",
        {"form": form, "title": _("New unit"), "back": "supervision:units"},
    )


@capability_required(Capability.SUPERVISE)
def unit_edit(request, pk):
    unit = selectors.unit_get(user=request.user, pk=pk)
    form = f.UnitEditForm(
        request.POST or None,
        initial={"name": unit.name, "kind": unit.kind, "active": unit.active},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = call_service(
            form,
            services.unit_update,
            actor=request.user,
            unit=unit,
            name=d["name"],
            kind=d["kind"],
            active=d["active"],
            reason=d["reason"],
        )
        if done is not None:
            messages.success(request, _("The unit was saved."))
            return redirect("supervision:unit", pk=unit.pk)
    return render_page(
        request,
        "supervision/form.html",
        {"form": form, "title": unit.name, "back": "supervision:units"},
    )


@capability_required(Capability.SUPERVISE)
@require_POST
def units_ensure(request):
    if not request.user.area_id:
        raise PermissionDenied
    n = services.ensure_division_units(actor=request.user, area_code=request.user.area_id)
    messages.success(request, _("%(n)s units created.") % {"n": n})
    return redirect("supervision:units")


@capability_required(Capability.VIEW_REGISTRY)
def unit_ledger(request, pk):
    unit = selectors.unit_get(user=request.user, pk=pk)
    return _ledger_page(request, unit)


def _ledger_page(request, unit, bound=None, bound_pk=None):
    """A unit's ledger; `bound` is a decision form that failed for escalation `bound_pk`."""
    may_supervise = services.may_supervise(request.user, unit.area_code)
    return render_page(
        request,
        "supervision/unit_ledger.html",
        {
            "unit": unit,
            "ledger": selectors.unit_ledger(user=request.user, unit=unit),
            "may_supervise": may_supervise,
            "decision_form": f.DecisionForm(initial={"decided_on": timezone.localdate()})
            if may_supervise
            else None,
            "bound": bound,
            "bound_pk": bound_pk,
            "responsibilities": unit.responsibilities.filter(active=True),
            "history": list(history_of(unit).select_related("user")[:30]),
        },
    )


@login_required
@require_POST
def escalation_decide(request, pk):
    esc = selectors.escalation_get(user=request.user, pk=pk)
    # A user who may not decide is refused whatever the form holds (the page offers none).
    require_access(request.user, lambda user: services.may_supervise(user, esc.unit.area_code))
    form = f.DecisionForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        done = call_service(
            form,
            services.escalation_decide,
            actor=request.user,
            escalation=esc,
            state=d["state"],
            decided_on=d["decided_on"],
            document=d["document"],
            notes=d["notes"],
        )
        if done is not None:
            messages.success(request, _("The decision was recorded."))
            return redirect("supervision:unit", pk=esc.unit_id)
    esc.refresh_from_db()
    if esc.state != c.EscalationState.PROPOSED:  # decided meanwhile: the form is gone
        for errors in form.errors.values():
            for e in errors:  # an ErrorList iterates over its messages
                messages.error(request, str(e))
    return _ledger_page(request, esc.unit, bound=form, bound_pk=esc.pk)


# ------------------------------------------------------------ responsibility list


@capability_required(Capability.VIEW_REGISTRY)
def responsibilities(request):
    level = request.GET.get("level", "")
    if level not in c.Level.values:
        level = ""
    items = selectors.responsibility_items(user=request.user, level=level)
    may = request.user.can(Capability.SUPERVISE)
    form = None
    if may:
        posted = request.POST if request.method == "POST" and "retire" not in request.POST else None
        form = f.ResponsibilityForm(posted, unit_choices=_unit_choices(request.user))
        if posted is not None and form.is_valid():
            d = form.cleaned_data
            done = call_service(
                form,
                services.responsibility_add,
                actor=request.user,
                level=d["level"],
                unit=selectors.unit_get(user=request.user, pk=d["unit"]),
                person_name=d["person_name"],
                post=d["post"],
                duty=d["duty"],
                basis=d["basis"],
            )
            if done is not None:
                messages.success(request, _("The responsibility was added."))
                return redirect("supervision:responsibilities")
    elif request.method == "POST":
        raise PermissionDenied
    if may and request.method == "POST" and request.POST.get("retire"):
        try:
            pk = int(request.POST["retire"])
        except ValueError:
            raise Http404 from None
        item = selectors.responsibility_get(user=request.user, pk=pk)
        retire = f.RetireForm(request.POST)
        if retire.is_valid():
            done = call_service(
                retire,
                services.responsibility_retire,
                actor=request.user,
                item=item,
                reason=retire.cleaned_data["reason"],
            )
            if done is not None:
                messages.success(request, _("The responsibility was retired."))
        else:
            messages.error(request, _("Say why the responsibility is retired."))
        return redirect("supervision:responsibilities")
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(item.get_level_display(), []).append(item)
    return render_page(
        request,
        "supervision/responsibilities.html",
        {"groups": groups.items(), "form": form, "level": level, "levels": c.Level.choices},
    )


# ------------------------------------------------------------------- task board


@capability_required(Capability.VIEW_REGISTRY)
def task_board(request):
    today = timezone.localdate()
    period = f.PeriodForm(request.GET or None)
    if period.is_valid():
        kind = period.cleaned_data["kind"]
        start = period_containing(kind, period.cleaned_data["start"])[0]
    else:
        periods = selectors.task_periods(user=request.user)
        if not periods:
            kind, start = c.PeriodKind.QUARTER, period_containing(c.PeriodKind.QUARTER, today)[0]
        else:
            kind, start = periods[0]
        period = f.PeriodForm(initial={"kind": kind, "start": start})
    end = period_end(kind, start)
    board = selectors.task_board(user=request.user, kind=kind, start=start, end=end, today=today)
    return render_page(
        request,
        "supervision/task_board.html",
        {
            "period": period,
            "kind": c.PeriodKind(kind),
            "start": start,
            "end": end,
            "today": today,
            "board": board,
            "periods": [
                (k, c.PeriodKind(k).label, s) for k, s in selectors.task_periods(user=request.user)
            ],
            "may_supervise": request.user.can(Capability.SUPERVISE),
        },
    )


@capability_required(Capability.SUPERVISE)
def task_list_create(request):
    form = f.TaskListForm(request.POST or None, area_choices=_areas(request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        tl = call_service(
            form,
            services.task_list_create,
            actor=request.user,
            title=d["title"],
            area_code=d["area"],
            period_kind=d["period_kind"],
            period_start=d["period_start"],
        )
        if tl is not None:
            messages.success(request, _("The task list was created."))
            return redirect("supervision:task_add", pk=tl.pk)
    return render_page(
        request,
        "supervision/form.html",
        {"form": form, "title": _("New task list"), "back": "supervision:tasks"},
    )


@capability_required(Capability.SUPERVISE)
def task_add(request, pk):
    tl = selectors.task_list_get(user=request.user, pk=pk)
    form = f.TaskForm(
        request.POST or None,
        unit_choices=_unit_choices(request.user, tl.area.prefix),
        initial={"due_date": tl.period_end},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        task = call_service(
            form,
            services.task_add,
            actor=request.user,
            task_list=tl,
            unit=selectors.unit_get(user=request.user, pk=d["unit"]),
            title=d["title"],
            description=d["description"],
            due_date=d["due_date"],
        )
        if task is not None:
            messages.success(request, _("The task was added."))
            return redirect("supervision:task_add", pk=tl.pk)
    return render_page(
        request,
        "supervision/form.html",
        {
            "form": form,
            "title": _("Add a task: %(t)s") % {"t": tl.title},
            "tasks": tl.tasks.restrict(request.user).select_related("unit"),
            "board_url": f"?kind={tl.period_kind}&start={tl.period_start:%Y-%m-%d}",
        },
    )


@login_required
def task_complete(request, pk):
    task = selectors.task_get(user=request.user, pk=pk)
    if not services.may_act_for_unit(request.user, task.unit):
        raise PermissionDenied
    form = f.TaskCompleteForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = call_service(
            form,
            services.task_complete,
            actor=request.user,
            task=task,
            evidence=d["evidence"],
            upload=d.get("file"),
        )
        if done is not None:
            messages.success(request, _("The task was reported done."))
            tl = task.task_list
            return redirect(
                f"{redirect('supervision:tasks').url}?kind={tl.period_kind}"
                f"&start={tl.period_start:%Y-%m-%d}"
            )
    return render_page(
        request,
        "supervision/form.html",
        {
            "form": form,
            "title": _("Report done: %(t)s") % {"t": task.title},
            "upload": True,
            "back": "supervision:tasks",
        },
    )


@capability_required(Capability.VIEW_REGISTRY)
def task_file(request, pk):
    return selectors.task_get(user=request.user, pk=pk).file_response()
