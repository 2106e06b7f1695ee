"""The household file's pages: a household's file (checklist, completeness, who
surveyed, the signed statement, print links), an area's completeness (villages, and a
village's households with what each is missing), and the PDFs. Thin: selectors read,
services write and print."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fupin.accounts.roles import Capability
from fupin.accounts.types import SignedInRequest
from fupin.core.errors import DomainError, OutsideArea, ValidationFailed
from fupin.core.scope import area_prefix_of, may_edit_in
from fupin.dossier import prints, selectors, services
from fupin.dossier.choices import PrintStatus
from fupin.dossier.forms import StatementForm
from fupin.dossier.models import SurveyorStatement, VillagePrint
from fupin.geo.codes import significant_prefix
from fupin.geo.models import Level
from fupin.web.views.common import call_service, capability_required, render_page


def _size(request: SignedInRequest) -> str:
    size = request.GET.get("size", "A4").upper()
    if size not in ("A4", "A5"):
        raise Http404
    return size


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@capability_required(Capability.VIEW_REGISTRY, deny=Http404)
def index(request: SignedInRequest) -> HttpResponse:
    prefix = area_prefix_of(request.user)
    if not prefix:
        return redirect("household_list")
    return redirect("dossier:area", code=prefix.ljust(12, "0"))


@capability_required(Capability.VIEW_REGISTRY, deny=Http404)
def checklist(request: SignedInRequest) -> HttpResponse:
    prefix = area_prefix_of(request.user) or ""
    current = selectors.checklist_for(prefix.ljust(12, "0") if prefix else "")
    items = list(current.items.all()) if current else []
    return render_page(request, "dossier/checklist.html", {"checklist": current, "items": items})


@capability_required(Capability.VIEW_REGISTRY, deny=Http404)
def household(request: SignedInRequest, pk: int) -> HttpResponse:
    h = selectors.household_get(user=request.user, pk=pk)
    may_sign = may_edit_in(request.user, h.village_id)
    form = StatementForm(request.POST or None, request.FILES or None) if may_sign else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            done = call_service(
                form,
                services.statement_sign,
                actor=request.user,
                household=h,
                surveyed_on=form.cleaned_data["surveyed_on"],
                statement=form.cleaned_data["statement"],
                upload=form.cleaned_data["upload"],
                surveyor_name=form.cleaned_data["surveyor_name"],
            )
            if done is not None:
                messages.success(request, _("The surveyor's statement was recorded."))
                return redirect("dossier:household", pk=h.pk)
    file = selectors.household_file(h)
    return render_page(
        request,
        "dossier/household.html",
        {
            "h": h,
            "file": file,
            "surveyed": selectors.surveyed_by(h),
            "statements": selectors.statements(user=request.user, household=h),
            "form": form,
            "may_handbook": services.may_print_handbook(request.user),
            "tab": "dossier",
        },
    )


@capability_required(Capability.VIEW_REGISTRY, deny=Http404)
def household_pdf(request: SignedInRequest, pk: int) -> HttpResponse:
    h = selectors.household_get(user=request.user, pk=pk)
    data = services.print_files(
        actor=request.user, households=[h], area_code=h.village_id, size=_size(request)
    )
    return _pdf(data, f"household-file-{h.number}.pdf")


@capability_required(Capability.VIEW_REGISTRY, deny=Http404)
def handbook_pdf(request: SignedInRequest, pk: int) -> HttpResponse:
    h = selectors.household_get(user=request.user, pk=pk)
    size = _size(request)
    if not services.may_print_handbook(request.user):
        raise Http404
    data = services.print_handbooks(
        actor=request.user,
        households=[h],
        area_code=h.village_id,
        size=size,
        base_url=request.build_absolute_uri("/").rstrip("/"),
    )
    return _pdf(data, f"handbook-{h.number}-{size}.pdf")


@capability_required(Capability.VIEW_REGISTRY, deny=Http404)
def statement_file(request: SignedInRequest, pk: int):
    statement = SurveyorStatement.objects.restrict(request.user).filter(pk=pk).first()
    if statement is None:
        raise Http404
    return statement.file_response()


@capability_required(Capability.VIEW_REGISTRY, deny=Http404)
def area(request: SignedInRequest, code: str) -> HttpResponse:
    division = selectors.division_get(user=request.user, code=code)
    prefix = significant_prefix(division.code)
    is_village = division.level == Level.VILLAGE
    result = selectors.completeness(user=request.user, prefix=prefix, with_households=is_village)
    only_incomplete = request.GET.get("incomplete") == "1"
    households = [r for r in result.households if not (only_incomplete and r.complete)]
    total = sum(v.total for v in result.villages)
    complete = sum(v.complete for v in result.villages)
    missing: Counter[str] = Counter()
    for v in result.villages:
        missing.update(v.missing)
    return render_page(
        request,
        "dossier/area.html",
        {
            "division": division,
            "is_village": is_village,
            "villages": result.villages,
            "households": households,
            "only_incomplete": only_incomplete,
            "total": total,
            "complete": complete,
            "missing": missing.most_common(),
            "may_handbook": services.may_print_handbook(request.user),
            "today": timezone.localdate(),
            "prints": prints.prints_of(user=request.user, village_code=division.code)
            if is_village
            else [],
        },
    )


@capability_required(Capability.VIEW_REGISTRY, deny=Http404)
@require_POST
def village_print_start(request: SignedInRequest, code: str) -> HttpResponse:
    """Queue a whole village's files or handbooks for the job worker."""
    division = selectors.division_get(user=request.user, code=code)
    if division.level != Level.VILLAGE:
        raise Http404
    try:
        vp = prints.start_village_print(
            actor=request.user,
            village_code=division.code,
            kind=request.POST.get("kind", ""),
            size=request.POST.get("size", "A4").upper(),
            base_url=request.build_absolute_uri("/").rstrip("/"),
            language=translation.get_language() or "",
        )
    except OutsideArea:
        raise Http404 from None
    except DomainError as exc:
        texts = (
            [e for errors in exc.errors.values() for e in errors]
            if isinstance(exc, ValidationFailed)
            else [str(exc.message)]
        )
        for text in texts:
            messages.error(request, text)
        return redirect("dossier:area", code=division.code)
    return redirect("dossier:print", pk=vp.pk)


def _print(request: SignedInRequest, pk: int) -> VillagePrint:
    try:
        return prints.print_get(user=request.user, pk=pk)
    except OutsideArea:
        raise Http404 from None


@capability_required(Capability.VIEW_REGISTRY, deny=Http404)
@require_GET
def village_print(request: SignedInRequest, pk: int) -> HttpResponse:
    vp = _print(request, pk)
    state = prints.progress_of(vp)
    division = selectors.division_get(user=request.user, code=vp.area_code)
    return render_page(
        request,
        "dossier/print.html",
        {"vp": vp, "division": division, "state": state, "label": prints.phase_label(state)},
    )


@capability_required(Capability.VIEW_REGISTRY, deny=Http404)
@require_GET
def village_print_progress(request: SignedInRequest, pk: int) -> JsonResponse:
    vp = _print(request, pk)
    state = prints.progress_of(vp)
    return JsonResponse(
        {
            "phase": state["phase"],
            "label": prints.phase_label(state),
            "fraction": state["fraction"],
            "failed": state["failed"],
            "url": reverse("dossier:print_file", args=[vp.pk])
            if state["phase"] == "finished"
            else None,
        }
    )


@capability_required(Capability.VIEW_REGISTRY, deny=Http404)
@require_GET
def village_print_file(request: SignedInRequest, pk: int):
    vp = _print(request, pk)
    if vp.status != PrintStatus.FINISHED:
        raise Http404
    return vp.file_response()
