"""Pages of the project library. Thin: parse input, call one selector or service, render.
The public disclosure pages (no login) are at the end."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts.roles import Capability
from fupin.core.history import history_of
from fupin.funds import selectors as fund_selectors
from fupin.funds import services as funds
from fupin.funds.models import BudgetLine, Disbursement
from fupin.geo.models import Division, Level
from fupin.projects import selectors, services
from fupin.projects.forms import (
    BeneficiaryForm,
    BudgetLineForm,
    CountersignForm,
    DisbursementForm,
    ProjectFilterForm,
    ProjectForm,
    StepForm,
)
from fupin.registry import display
from fupin.registry.choices import Relation
from fupin.registry.models import Household, Member
from fupin.web.views.common import (
    call_service,
    capability_required,
    render_page,
    require_capability,
)

PAGE_SIZE = 100


@dataclass(frozen=True)
class ProjectRow:
    """A line of the project list: the project with its money, its execution rate and
    whether it is overdue."""

    project: selectors.ProjectWithMoney
    rate: Decimal | None
    overdue: bool


def _villages(user) -> list[tuple[str, str]]:
    rows = Division.objects.restrict(user).filter(level=Level.VILLAGE).select_related("parent")
    return [
        (d.code, f"{d.parent.name if d.parent else ''} {d.name}") for d in rows.order_by("code")
    ]


@capability_required(Capability.VIEW_REGISTRY)
def index(request):
    today = timezone.localdate()
    form = ProjectFilterForm(request.GET, village_choices=_villages(request.user))
    form.is_valid()
    data = {k: v for k, v in getattr(form, "cleaned_data", {}).items() if v}
    filters = selectors.ProjectFilters(**data)
    page = Paginator(
        selectors.project_list(user=request.user, filters=filters, today=today), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    # Named: through Page's generic the plugin's annotated type loses its attributes.
    listed: list[selectors.ProjectWithMoney] = list(page.object_list)
    projects = [
        ProjectRow(
            project=p,
            rate=selectors.rate(p.disbursed, p.budget),
            overdue=selectors.is_overdue(p, today),
        )
        for p in listed
    ]
    area_code = request.user.area_id or ""
    year = filters.year or today.year
    return render_page(
        request,
        "projects/index.html",
        {
            "form": form,
            "projects": projects,
            "page": page,
            "today": today,
            "year": year,
            "area_rate": selectors.execution_rate(area_code, year) if area_code else None,
            "rows": selectors.rates_by_child_area(
                user=request.user, year=filters.year, today=today
            ),
            "may_propose": services.may_propose(request.user),
        },
    )


@login_required
def project_new(request):
    if not services.may_propose(request.user):
        raise PermissionDenied
    form = ProjectForm(request.POST or None, village_choices=_villages(request.user))
    if request.method == "POST" and form.is_valid():
        project = call_service(
            form,
            services.project_create,
            actor=request.user,
            data=form.project_data(),
            village_codes=form.cleaned_data["villages"],
            reason=form.cleaned_data["reason"],
        )
        if project is not None:
            messages.success(request, _("The project was proposed."))
            return redirect("projects:detail", pk=project.pk)
    return render_page(request, "projects/form.html", {"form": form, "project": None})


@capability_required(Capability.VIEW_REGISTRY)
def project_edit(request, pk):
    project = selectors.project_get(user=request.user, pk=pk)
    if not services.may_edit(request.user, project):
        raise PermissionDenied
    initial = {
        **{f: getattr(project, f) for f in services.EDIT_FIELDS},
        "villages": list(project.villages.values_list("code", flat=True)),
    }
    form = ProjectForm(
        request.POST or None, initial=initial, village_choices=_villages(request.user)
    )
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            services.project_update,
            actor=request.user,
            project=project,
            data=form.project_data(),
            village_codes=form.cleaned_data["villages"],
            reason=form.cleaned_data["reason"],
        )
        if done is not None:
            messages.success(request, _("The project was saved."))
            return redirect("projects:detail", pk=project.pk)
    return render_page(request, "projects/form.html", {"form": form, "project": project})


def _household_choices(user, project) -> list[tuple[int, str]]:
    codes = list(project.villages.values_list("code", flat=True))
    heads = Prefetch(
        "members",
        queryset=Member.objects.filter(is_active=True, relation=Relation.HEAD),
        to_attr="heads",
    )
    rows = (
        Household.objects.restrict(user)
        .filter(village_id__in=codes)
        .select_related("village")
        .prefetch_related(heads)
        .order_by("village_id", "number")
    )
    return [
        (
            h.pk,
            f"{h.village.name} · {h.number} · {h.heads[0].name if h.heads else ''}"
            f" · {h.get_status_display()}",
        )
        for h in rows
    ]


def _detail_page(request, project, **forms):
    """The project page; `forms` are those of its actions that failed, shown again with
    their input and errors (a 422, as every invalid form)."""
    return render_page(request, "projects/detail.html", _detail_context(request, project, **forms))


def _detail_context(request, project, **forms):
    user = request.user
    lines = selectors.budget_lines(project)
    beneficiaries = list(
        project.beneficiary_set.select_related("household", "household__village").order_by(
            "household__village_id", "household__number"
        )
    )
    may_fund = user.can(Capability.MANAGE_FUNDS)
    payments = selectors.disbursements(project)
    for d in payments:
        d.may_countersign = funds.may_countersign(user, d, project.area_id)
    history = list(history_of(project)[:200])
    for r in history:
        r.field_changes = display.describe_changes(r)
        r.type_label = display.object_type_label(r.object_type)
    ctx = {
        "history": history,
        "project": project,
        "today": timezone.localdate(),
        "overdue": selectors.is_overdue(project, timezone.localdate()),
        "rate": selectors.rate(project.disbursed, project.budget),
        "villages": list(project.villages.order_by("code")),
        "steps": selectors.project_steps(project),
        "lines": lines,
        "disbursements": payments,
        "countersign_form": forms.get("countersign_form") or CountersignForm(),
        "countersign_above": funds.countersign_threshold(project.area_id),
        "beneficiaries": beneficiaries,
        "actions": services.available_actions(user, project),
        "may_edit": services.may_edit(user, project),
        "step_form": forms.get("step_form") or StepForm(),
    }
    if may_fund and project.state in (
        "proposed",
        "reviewed",
        "approved",
        "in_progress",
    ):
        ctx["line_form"] = forms.get("line_form") or BudgetLineForm(
            allocations=fund_selectors.allocations_for_project(user=user, project=project)
        )
    if funds.may_record(user, project) and project.state in ("in_progress", "accepted") and lines:
        ctx["pay_form"] = forms.get("pay_form") or DisbursementForm(lines=lines)
    if services.may_edit_beneficiaries(user, project):
        ctx["beneficiary_form"] = forms.get("beneficiary_form") or BeneficiaryForm(
            initial={"households": [b.household_id for b in beneficiaries]},
            households=_household_choices(user, project),
        )
    return ctx


@capability_required(Capability.VIEW_REGISTRY)
def project_detail(request, pk):
    project = selectors.project_get(user=request.user, pk=pk)
    return _detail_page(request, project)


@capability_required(Capability.VIEW_REGISTRY)
@require_POST
def project_step(request, pk):
    project = selectors.project_get(user=request.user, pk=pk)
    form = StepForm(request.POST, request.FILES)
    if form.is_valid():
        done = call_service(
            form,
            services.transition,
            actor=request.user,
            project=project,
            action=request.POST.get("action", ""),
            evidence=form.cleaned_data["evidence"],
            upload=form.cleaned_data["file"],
            reason=form.cleaned_data["reason"],
        )
        if done is not None:
            messages.success(request, _("The step was recorded."))
            return redirect("projects:detail", pk=project.pk)
    if not services.available_actions(request.user, project):  # the page offers no step form
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
    return _detail_page(request, project, step_form=form)


@capability_required(Capability.VIEW_REGISTRY)
@require_POST
def budget_line(request, pk):
    project = selectors.project_get(user=request.user, pk=pk)
    require_capability(request.user, Capability.MANAGE_FUNDS)
    allocations = fund_selectors.allocations_for_project(user=request.user, project=project)
    form = BudgetLineForm(request.POST, allocations=allocations)
    if form.is_valid():
        alloc = next(a for a in allocations if a.pk == form.cleaned_data["allocation"])
        call_service(
            form,
            funds.budget_line_set,
            actor=request.user,
            project=project,
            allocation=alloc,
            amount=form.cleaned_data["amount"],
            reason=form.cleaned_data["reason"],
        )
        if not form.errors:
            messages.success(request, _("The budget was saved."))
            return redirect("projects:detail", pk=project.pk)
    project = selectors.project_get(user=request.user, pk=pk)
    return _detail_page(request, project, line_form=form)


@capability_required(Capability.VIEW_REGISTRY)
@require_POST
def disbursement(request, pk):
    project = selectors.project_get(user=request.user, pk=pk)
    if not funds.may_record(request.user, project):
        raise PermissionDenied
    lines = selectors.budget_lines(project)
    form = DisbursementForm(request.POST, lines=lines)
    if form.is_valid():
        line = BudgetLine.objects.get(pk=form.cleaned_data["line"], project=project)
        done = call_service(
            form,
            funds.disburse,
            actor=request.user,
            line=line,
            amount=form.cleaned_data["amount"],
            paid_on=form.cleaned_data["paid_on"],
            voucher=form.cleaned_data["voucher"],
            note=form.cleaned_data["note"],
        )
        if done is not None:
            if done.status == "pending":
                messages.success(
                    request,
                    _("The payment was recorded; another county user must countersign it."),
                )
            else:
                messages.success(request, _("The payment was recorded."))
            return redirect("projects:detail", pk=project.pk)
    return _detail_page(request, project, pay_form=form)


@capability_required(Capability.VIEW_REGISTRY)
@require_POST
def countersign(request, pk, did):
    """Countersign (or refuse) a payment over the threshold: another county user."""
    project = selectors.project_get(user=request.user, pk=pk)
    payment = Disbursement.objects.filter(pk=did, line__project=project).first()
    if payment is None:
        raise Http404
    form = CountersignForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        done = call_service(
            form,
            funds.payment_countersign,
            actor=request.user,
            disbursement=payment,
            approve=approve,
            reason=form.cleaned_data["reason"],
        )
        if done is not None:
            messages.success(
                request,
                _("The payment was countersigned.") if approve else _("The payment was refused."),
            )
            return redirect("projects:detail", pk=project.pk)
    return _detail_page(request, project, countersign_form=form)


@capability_required(Capability.VIEW_REGISTRY)
@require_POST
def beneficiaries(request, pk):
    project = selectors.project_get(user=request.user, pk=pk)
    if not services.may_edit_beneficiaries(request.user, project):
        raise PermissionDenied
    form = BeneficiaryForm(request.POST, households=_household_choices(request.user, project))
    if form.is_valid():
        done = call_service(
            form,
            services.beneficiaries_set,
            actor=request.user,
            project=project,
            household_ids=form.cleaned_data["households"],
            reason=form.cleaned_data["reason"],
        )
        if done is not None:
            messages.success(request, _("The beneficiaries were saved."))
            return redirect("projects:detail", pk=project.pk)
    return _detail_page(request, project, beneficiary_form=form)


@capability_required(Capability.VIEW_REGISTRY)
def step_file(request, pk, sid):
    """Evidence files are served here, in scope, never from /media/."""
    project = selectors.project_get(user=request.user, pk=pk)
    step = project.steps.filter(pk=sid).exclude(file="").first()
    if step is None:
        raise Http404
    return step.file_response()


# ---------------------------------------------------------------- public (no login)


def _public_division(code: str, level: int) -> Division:
    division = Division.objects.select_related("parent").filter(code=code, level=level).first()
    if division is None:
        raise Http404
    return division


def public_index(request):
    """Counties that have disclosed projects."""
    return render_page(
        request, "projects/public_index.html", {"counties": selectors.public_counties()}
    )


def public_county(request, code):
    county = _public_division(code, Level.COUNTY)
    return render_page(
        request,
        "projects/public_county.html",
        {"county": county, "villages": selectors.public_villages(county)},
    )


def _village_context(code):
    village = _public_division(code, Level.VILLAGE)
    township = village.parent
    county = township.parent if township else None
    projects = selectors.public_projects(village.prefix)
    return {
        "village": village,
        "township": township,
        "county": county,
        "projects": projects,
        "total": sum((p.budget for p in projects), start=0),
        "today": timezone.localdate(),
    }


def public_village(request, code):
    return render_page(request, "projects/public_village.html", _village_context(code))


def public_notice(request, code):
    """The printable notice of a village's disclosed projects (A4, print CSS)."""
    return render_page(request, "projects/public_notice.html", _village_context(code))
