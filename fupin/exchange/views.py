"""Pages of registry import and export. Thin: parse input, call jobs, render."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from fupin.accounts.roles import Capability
from fupin.accounts.types import SignedInRequest, User
from fupin.core.errors import OutsideArea
from fupin.core.masking import mask_text
from fupin.core.models import SensitiveRead
from fupin.exchange import jobs
from fupin.exchange.forms import ExportForm, ImportForm
from fupin.exchange.models import ExchangeRun
from fupin.web import queries
from fupin.web.views.common import capability_required, render_page, require_capability


def _area_choices(user: User) -> list[tuple[str, str]]:
    """The user's own area first, then the divisions below it (as the household list)."""
    area = user.area
    own = [(area.code, area.name)] if area is not None else []
    return own + queries.area_choices(user)


def _index(
    request: SignedInRequest,
    export_form: ExportForm | None = None,
    import_form: ImportForm | None = None,
) -> HttpResponse:
    user = request.user
    context = {
        "export_form": export_form or ExportForm(area_choices=_area_choices(user)),
        "import_form": (import_form or ImportForm()) if user.may_edit else None,
        "runs": jobs.recent_runs(user),
    }
    return render_page(request, "exchange/index.html", context)


@capability_required(Capability.EXPORT_AREA)
def index(request: SignedInRequest) -> HttpResponse:
    return _index(request)


@capability_required(Capability.EXPORT_AREA)
@require_POST
def export(request: SignedInRequest) -> HttpResponseBase:
    form = ExportForm(request.POST, area_choices=_area_choices(request.user))
    if not form.is_valid():
        return _index(request, export_form=form)
    try:
        download = jobs.export_download(
            actor=request.user,
            area_code=form.cleaned_data["area"],
            fmt=form.cleaned_data["format"],
            template=form.cleaned_data["template"],
            language=request.LANGUAGE_CODE,
        )
    except OutsideArea:
        raise Http404 from None
    return FileResponse(download, as_attachment=True, filename=Path(download.name).name)


@capability_required(Capability.EDIT_REGISTRY)
@require_POST
def import_upload(request: SignedInRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _index(request, import_form=form)
    upload = form.cleaned_data["file"]
    try:
        path = jobs.save_upload(upload)
    except jobs.UploadError as exc:
        form.add_error("file", str(exc))
        return _index(request, import_form=form)
    token = jobs.start_import(
        actor=request.user,
        path=path,
        file_name=upload.name,
        mode=form.cleaned_data["mode"],
        dry_run=form.cleaned_data["dry_run"],
        language=request.LANGUAGE_CODE,
    )
    return redirect("exchange:progress", token=token)


def _progress_state(request: SignedInRequest, token: str) -> dict[str, Any]:
    state = jobs.progress_of(token, request.user)
    if state is None:
        raise Http404
    return state


@login_required
def progress(request: SignedInRequest, token: str) -> HttpResponse:
    state = _progress_state(request, token)
    if state["run"] is not None:
        return redirect("exchange:run_detail", pk=state["run"])
    return render_page(
        request,
        "exchange/progress.html",
        {"state": state, "label": jobs.phase_label(state), "token": token},
    )


@login_required
def progress_json(request: SignedInRequest, token: str) -> JsonResponse:
    state = _progress_state(request, token)
    run = state["run"]
    return JsonResponse(
        {
            "phase": state["phase"],
            "label": jobs.phase_label(state),
            "fraction": state["fraction"],
            "failed": state["failed"],
            "url": reverse("exchange:run_detail", args=[run]) if run is not None else None,
        }
    )


def _run_get(request: SignedInRequest, pk: int) -> ExchangeRun:
    require_capability(request.user, Capability.VIEW_REGISTRY)
    return get_object_or_404(ExchangeRun.objects.restrict(request.user), pk=pk)


@login_required
def run_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    run = _run_get(request, pk)
    summary = run.summary if isinstance(run.summary, dict) else {}
    errors = summary.get("errors") or []
    warnings = summary.get("warnings") or []
    if not request.user.may_reveal:
        # Reasons may quote a birth date the ID number says, cells the date typed.
        errors, warnings = _masked_rows(errors), _masked_rows(warnings)
    context = {
        "run": run,
        "sheets": jobs.sheet_rows(run),
        "exported": jobs.export_rows(run),
        "errors": errors,
        "errors_total": summary.get("errors_total", len(errors)),
        "warnings": warnings,
        "warnings_total": summary.get("warnings_total", 0),
        "has_report": jobs.report_file(run) is not None and _may_read_report(request, run),
    }
    return render_page(request, "exchange/run_detail.html", context)


def _masked_rows(rows: list[list[Any]]) -> list[list[Any]]:
    return [
        [mask_text(v) if isinstance(v, str) and i >= 3 else v for i, v in enumerate(row)]
        for row in rows
    ]


def _may_read_report(request: SignedInRequest, run: ExchangeRun) -> bool:
    # The report repeats the rejected rows as typed, ID numbers and all: a bulk read of
    # unmasked values, for roles that may reveal only (even the run's own user).
    return request.user.may_reveal


@login_required
def run_report(request: SignedInRequest, pk: int) -> FileResponse:
    run = _run_get(request, pk)
    path = jobs.report_file(run)
    if path is None:
        raise Http404
    if not _may_read_report(request, run):
        raise PermissionDenied
    summary = run.summary if isinstance(run.summary, dict) else {}
    count = int(summary.get("errors_total", 0) or 0) + int(summary.get("warnings_total", 0) or 0)
    SensitiveRead.log_bulk(
        user=request.user,
        object_type="exchange.report",
        object_id=str(run.pk),
        field="rows",
        area_code=run.area_code,
        count=max(count, 1),
    )
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=f"fupin-import-{run.pk}-report.xlsx"
    )
