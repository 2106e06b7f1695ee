"""Pages of the training ledger: the courses of the user's area (keyset paged), a course
with its attendances, a new course, the attendances (keyset paged), an attendance with
its certificate, a new attendance for a household, and the area's workbook. Thin:
parse, call a selector or service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.forms import BaseForm
from django.http import Http404
from django.shortcuts import redirect

from fupin.accounts.roles import Capability
from fupin.programmes.downloads import ledger_download
from fupin.registry import selectors as registry_selectors
from fupin.training import selectors, services
from fupin.training.forms import (
    AttendanceFields,
    AttendanceFilterForm,
    AttendanceForm,
    CourseEditForm,
    CourseFilterForm,
    CourseForm,
)
from fupin.web import params, queries
from fupin.web.views.common import (
    Action,
    call_service,
    capability_required,
    dispatch_action,
    render_page,
)

COURSE_FIELDS = ("name", "kind", "skill", "organiser", "place", "starts_on", "ends_on", "hours")
ATTENDANCE_FIELDS = (
    "result",
    "skill_learnt",
    "certificate_kind",
    "certificate_number",
    "certificate_issued_on",
)


@login_required
def course_list(request):
    user = request.user
    form = CourseFilterForm(
        request.GET, area_choices=queries.area_choices(user), skills=selectors.skills(user)
    )
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    filters = selectors.CourseFilters(
        area=data.get("area", ""),
        kind=data.get("kind", ""),
        skill=data.get("skill", ""),
        year=data.get("year"),
    )
    page = selectors.course_page(user=user, filters=filters, **params.keyset_cursor(request.GET))
    return render_page(
        request,
        "training/course_list.html",
        {"form": form, "page": page, "may_add": selectors.may_edit(user, user.area_id or "")},
    )


@login_required
def course_new(request):
    user = request.user
    form = CourseForm(request.POST or None, areas=queries.area_and_below(user))
    if request.method == "POST" and form.is_valid():
        course = call_service(form, services.course_create, actor=user, data=form.cleaned_data)
        if course is not None:
            return redirect("training:course", pk=course.pk)
    return render_page(request, "training/course_new.html", {"form": form})


@login_required
def course_detail(request, pk: int):
    user = request.user
    course = selectors.course_get(user=user, pk=pk)
    post = request.POST if request.method == "POST" else None
    initial = {name: getattr(course, name) for name in COURSE_FIELDS}
    actions = {
        "edit": Action(
            lambda: CourseEditForm(post),
            lambda d: services.course_update(actor=user, course=course, data=d),
        )
    }
    forms: dict[str, BaseForm] = {"edit": CourseEditForm(initial=initial)}
    if request.method == "POST":
        outcome = dispatch_action(request, actions)
        if outcome.done is not None:
            return redirect("training:course", pk=course.pk)
        forms[outcome.name] = outcome.form
    return render_page(
        request,
        "training/course_detail.html",
        {
            "course": course,
            "rows": selectors.course_attendances(user, course),
            "may_edit": selectors.may_edit(user, course.division_id),
            "forms": forms,
        },
    )


@login_required
def attendance_list(request):
    user = request.user
    form = AttendanceFilterForm(request.GET, area_choices=queries.area_choices(user))
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    filters = selectors.AttendanceFilters(
        area=data.get("area", ""),
        course=data.get("course", ""),
        result=data.get("result", ""),
        certified=bool(data.get("certified")),
    )
    page = selectors.attendance_page(
        user=user, filters=filters, **params.keyset_cursor(request.GET)
    )
    return render_page(request, "training/attendance_list.html", {"form": form, "page": page})


@login_required
def attendance_detail(request, pk: int):
    user = request.user
    row = selectors.attendance_get(user=user, pk=pk)
    post = request.POST if request.method == "POST" else None
    initial = {name: getattr(row, name) for name in ATTENDANCE_FIELDS}
    actions = {
        "update": Action(
            lambda: AttendanceFields(post),
            lambda d: services.attendance_update(actor=user, attendance=row, data=d),
        )
    }
    forms: dict[str, BaseForm] = {"update": AttendanceFields(initial=initial)}
    if request.method == "POST":
        outcome = dispatch_action(request, actions)
        if outcome.done is not None:
            return redirect("training:attendance", pk=row.pk)
        forms[outcome.name] = outcome.form
    return render_page(
        request,
        "training/attendance_detail.html",
        {"row": row, "may_edit": selectors.may_edit(user, row.village_id), "forms": forms},
    )


@login_required
def attend(request, household: int):
    user = request.user
    h = registry_selectors.household_queryset(user).filter(pk=household).first()
    if h is None:
        raise Http404
    members = list(h.members.filter(is_active=True).order_by("id"))
    courses = selectors.course_choices(user, h)
    form = AttendanceForm(request.POST or None, courses=courses, members=members)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        course = next(c for c in courses if c.pk == d.pop("course"))
        member = next(m for m in members if m.pk == d.pop("member"))
        row = call_service(
            form,
            services.attendance_record,
            actor=user,
            course=course,
            household=h,
            member=member,
            data=d,
        )
        if row is not None:
            return redirect("training:attendance", pk=row.pk)
    return render_page(request, "training/attend.html", {"form": form, "household": h})


@capability_required(Capability.EXPORT_AREA)
def export(request):
    """The area's courses and attendances as a workbook in the import's layout: for the
    roles that may export an area (not a paired cadre), like the other exports."""
    return ledger_download(request, "training")
