"""Dashboard pages: one per area (the user's own area and every division below it),
the map layer and trends as JSON for the charts, and reports (start, progress, download).
Thin: parse, call a selector or service, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fupin.accounts.roles import Capability
from fupin.core.errors import OutsideArea, ValidationFailed
from fupin.core.scope import area_prefix_of
from fupin.dashboards import maps, reports
from fupin.dashboards import selectors as S
from fupin.dashboards.models import ReportKind
from fupin.geo.models import Division, Level
from fupin.web.views.common import capability_required, render_page, require_capability


def _area(request, code: str) -> Division:
    require_capability(request.user, Capability.VIEW_REGISTRY)
    try:
        return S.area_for(user=request.user, code=code)
    except OutsideArea:
        raise Http404 from None


@capability_required(Capability.VIEW_REGISTRY)
def home(request):
    area = S.home_area(request.user)
    if area is None:
        raise Http404
    return redirect("dashboards:area", code=area.code)


def household_link(user, area_code: str, status: str = "") -> str:
    """The registry's household list filtered to an area (and a status). A user's own
    area needs no filter (a village user's list has none: it is their village)."""
    query = {}
    if area_code != user.area_id:
        query["area"] = area_code
    if status:
        query["status"] = status
    url = reverse("household_list")
    return f"{url}?{urlencode(query)}" if query else url


def _map_codes(board: S.Dashboard) -> list[tuple[str, str]]:
    if board.children:
        return [(n.code, n.name) for n in board.children]
    return [(board.area.code, board.area.name)]


@login_required
@require_GET
def area(request, code: str):
    area = _area(request, code)
    board = S.dashboard(user=request.user, code=area.code)
    codes = _map_codes(board)
    schematic = not maps.all_loaded([c for c, _n in codes])
    rows = [
        {
            "node": n,
            "url": reverse("dashboards:area", args=[n.code]),
            "households": household_link(request.user, n.code, "poor"),
            "cells": [S.figure(c, n.values) for c in S.TABLE],
        }
        for n in board.children
    ]
    statuses = [
        {
            "figure": S.figure(code, board.node.values),
            "url": household_link(request.user, area.code, status),
        }
        for code, status in S.STATUS_FIGURES
    ]
    breadcrumb: list[Division] = []
    prefix = area_prefix_of(request.user) or ""
    parent = area.parent
    while parent is not None and parent.code.startswith(prefix):
        breadcrumb.insert(0, parent)
        parent = parent.parent
    return render_page(
        request,
        "dashboards/area.html",
        {
            "board": board,
            "area": area,
            "rows": rows,
            "statuses": statuses,
            "total_cells": [S.figure(c, board.node.values) for c in S.TABLE],
            "table_heads": [S.figure(c, {}) for c in S.TABLE],
            "chart_data": S.chart_data(board),
            "chart_text": {
                "noData": _("No data"),
                "loadFailed": _("The chart could not be loaded."),
                "missing": _("The chart library is missing: run make install."),
                "year": _("Year"),
                "schematic": _("Schematic map, not official boundaries"),
            },
            "schematic": schematic,
            "child_level": Level(board.child_level).label if board.child_level else "",
            "breadcrumb": breadcrumb,
            "years": list(reversed(S.trend_years(area))),
            "report_kinds": ReportKind.choices,
            "recent_reports": reports.report_list(user=request.user, limit=5),
            "households_url": household_link(request.user, area.code),
        },
    )


@login_required
@require_GET
def area_map(request, code: str):
    area = _area(request, code)
    villages = request.GET.get("level") == "village" and area.level == Level.COUNTY
    if area.level == Level.VILLAGE:
        codes = [(area.code, area.name)]
    elif villages:
        codes = list(
            Division.objects.restrict(request.user)
            .in_area(area.prefix)
            .filter(level=Level.VILLAGE)
            .order_by("code")
            .values_list("code", "name")
        )
    else:
        codes = list(
            Division.objects.restrict(request.user)
            .filter(parent=area)
            .order_by("code")
            .values_list("code", "name")
        )
    layer = maps.layer(codes=codes, county_code=area.code[:6].ljust(12, "0"))
    return JsonResponse(
        {
            "key": layer.key,
            "schematic": layer.schematic,
            "source": layer.source,
            "geojson": layer.geojson,
        }
    )


@login_required
@require_GET
def area_trends(request, code: str):
    area = _area(request, code)
    return JsonResponse(S.trends(user=request.user, code=area.code))


# ------------------------------------------------------------------ reports


@login_required
@require_POST
def report_start(request, code: str):
    area = _area(request, code)
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        year = 0
    try:
        run = reports.start_report(
            actor=request.user,
            area_code=area.code,
            kind=request.POST.get("kind", ""),
            year=year,
            language=translation.get_language(),
        )
    except ValidationFailed as exc:
        for errors in exc.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect("dashboards:area", code=area.code)
    return redirect("dashboards:report", pk=run.pk)


def _report(request, pk: int):
    require_capability(request.user, Capability.VIEW_REGISTRY)
    try:
        return reports.report_get(user=request.user, pk=pk)
    except OutsideArea:
        raise Http404 from None


@capability_required(Capability.VIEW_REGISTRY)
@require_GET
def report_list(request):
    return render_page(
        request,
        "dashboards/report_list.html",
        {"runs": reports.report_list(user=request.user, limit=100)},
    )


@login_required
@require_GET
def report_detail(request, pk: int):
    run = _report(request, pk)
    state = reports.progress_of(run)
    return render_page(
        request,
        "dashboards/report.html",
        {"run": run, "state": state, "label": reports.phase_label(state)},
    )


@login_required
@require_GET
def report_progress(request, pk: int):
    run = _report(request, pk)
    state = reports.progress_of(run)
    return JsonResponse(
        {
            "phase": state["phase"],
            "label": reports.phase_label(state),
            "fraction": state["fraction"],
            "failed": state["failed"],
            "url": reverse("dashboards:report_download", args=[run.pk])
            if state["phase"] == "finished"
            else None,
        }
    )


@login_required
@require_GET
def report_download(request, pk: int):
    run = _report(request, pk)
    try:
        path = reports.report_download(actor=request.user, run=run)
    except OutsideArea:
        raise Http404 from None
    return FileResponse(path.open("rb"), as_attachment=True, filename=reports.file_name(run))
