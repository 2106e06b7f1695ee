"""Pages of the comparison. Thin: parse input, call a selector or service, render."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts.roles import Capability
from fupin.compare import selectors, services
from fupin.compare.forms import FindingFilterForm, RunForm, StatusForm
from fupin.compare.models import FindingStatus
from fupin.core.history import history_of
from fupin.web import params, queries
from fupin.web.views.common import call_service, capability_required, render_page


@capability_required(Capability.VIEW_REGISTRY)
def finding_list(request):
    form = FindingFilterForm(request.GET, area_choices=queries.area_choices(request.user))
    form.is_valid()
    data = {k: v for k, v in getattr(form, "cleaned_data", {}).items() if v}
    # The select offers only divisions of the user's area; the selector takes the code
    # (geo.codes.significant_prefix), so the division is not read again.
    filters = selectors.FindingFilters(**data)
    page = selectors.finding_list(
        user=request.user,
        filters=filters,
        before=params.parse_int(request.GET.get("before")),
        after=params.parse_int(request.GET.get("after")),
    )
    for f in page.rows:  # the buttons of each row: only what the user may do
        f.allowed = services.allowed_statuses(request.user, f)
    return render_page(request, "compare/finding_list.html", {"form": form, "page": page})


def _finding_page(request, finding, form=None):
    """The finding with its history and a status form offering only the statuses the user
    may give it (none: no form)."""
    allowed = services.allowed_statuses(request.user, finding)
    if allowed:
        form = form or StatusForm(initial={"status": allowed[0]})
        labels = dict(FindingStatus.choices)
        form.fields["status"].choices = [(s, labels[s]) for s in allowed]
    history = list(history_of(finding).select_related("user")[:50])
    return render_page(
        request,
        "compare/finding_detail.html",
        {
            "f": finding,
            "details": selectors.finding_details(finding),
            "form": form if allowed else None,
            "history": history,
        },
    )


def _set_status(request, finding, form):
    """Run the status change; a refusal is a 403 page that says why (call_service)."""
    return call_service(
        form,
        services.finding_set_status,
        actor=request.user,
        finding=finding,
        status=form.cleaned_data["status"],
        reason=form.cleaned_data["reason"],
    )


@capability_required(Capability.VIEW_REGISTRY)
def finding_detail(request, pk):
    finding = selectors.finding_get(user=request.user, pk=pk)
    if request.method != "POST":
        return _finding_page(request, finding)
    form = StatusForm(request.POST)
    if form.is_valid() and _set_status(request, finding, form) is not None:
        messages.success(request, _("The finding's status was changed."))
        return redirect("compare:finding_detail", pk=finding.pk)
    finding.refresh_from_db()
    return _finding_page(request, finding, form)


@capability_required(Capability.VIEW_REGISTRY)
@require_POST
def finding_status(request, pk):
    """The confirm buttons of the list post here. Success goes back to the list; an
    invalid change is the finding's page with the errors (422), a refusal a 403 page."""
    finding = selectors.finding_get(user=request.user, pk=pk)
    form = StatusForm(request.POST)
    if form.is_valid() and _set_status(request, finding, form) is not None:
        messages.success(request, _("The finding's status was changed."))
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = "compare:finding_list"
        return redirect(target)
    finding.refresh_from_db()
    return _finding_page(request, finding, form)


@capability_required(Capability.VIEW_REGISTRY)
def run_list(request):
    return render_page(
        request,
        "compare/run_list.html",
        {
            "runs": selectors.run_list(user=request.user),
            "may_run": request.user.can(Capability.RUN_COMPARISON),
        },
    )


@capability_required(Capability.VIEW_REGISTRY)
def run_detail(request, pk):
    run = selectors.run_get(user=request.user, pk=pk)
    return render_page(
        request,
        "compare/run_detail.html",
        {"run": run, "unmatched": selectors.unmatched_of(user=request.user, run=run)},
    )


@capability_required(Capability.RUN_COMPARISON)
def run_create(request):
    form = RunForm(
        request.POST or None,
        request.FILES or None,
        area_choices=queries.area_choices(request.user),
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"department{suffix}"
            with open(path, "wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            threshold = form.cleaned_data["medical_threshold"]
            outcome = call_service(
                form,
                services.run_comparison,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                path=path,
                file_name=upload.name,
                area_code=form.cleaned_data["area"] or "",
                medical_threshold=float(threshold) if threshold is not None else None,
            )
        if outcome is not None:
            messages.success(request, _("The comparison was run."))
            return redirect("compare:run_detail", pk=outcome.run.pk)
    return render_page(request, "compare/run_form.html", {"form": form})
