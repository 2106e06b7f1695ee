"""Indicator pages: figures of an area and its children, definitions, exit readiness,
snapshots. Thin: parse, call a selector or service, render."""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import BaseForm
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts.roles import Capability, has_capability
from fupin.core.errors import DomainError
from fupin.core.scope import area_prefix_of, user_covers
from fupin.geo.codes import ancestor_codes
from fupin.geo.models import Division, Level
from fupin.indicators import readiness, reports, selectors, services
from fupin.indicators.definitions import (
    DEFINITIONS,
    GROUP_LABELS,
    UNIT_LABELS,
    Definition,
    by_group,
)
from fupin.indicators.forms import CriteriaForm, DecisionForm, proposal_rows
from fupin.web.views.common import (
    Action,
    capability_required,
    dispatch_action,
    render_page,
    require_capability,
)

if TYPE_CHECKING:  # a name of django-stubs only
    from django.utils.functional import _StrOrPromise as StrOrPromise


def _may_snapshot(user) -> bool:
    return has_capability(user, Capability.CONFIGURE) or has_capability(
        user, Capability.RUN_ASSESSMENT
    )


def _home_code(user) -> str:
    prefix = area_prefix_of(user)
    if prefix is None:
        raise Http404
    if user.area_id:
        return user.area_id
    top = Division.objects.order_by("level", "code").first()
    if top is None:
        raise Http404
    return top.code


def _parse_day(request, value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        messages.error(request, _("Not a date: %(v)s (use YYYY-MM-DD).") % {"v": value})
        return None
    if day > timezone.localdate():
        messages.error(request, _("The date cannot be in the future."))
        return None
    return day


def _trail(user, code: str) -> list[Division]:
    """The node's ancestors inside the user's area, then the node."""
    codes = ancestor_codes(code)[::-1]
    divisions = {d.code: d for d in Division.objects.filter(code__in=codes)}
    return [divisions[c] for c in codes if c in divisions and user_covers(user, c)]


def _unit(d: Definition) -> StrOrPromise:
    """The unit shown after a value (a percentage already carries its sign)."""
    return "" if d.unit == "percent" else UNIT_LABELS[d.unit]


@capability_required(Capability.VIEW_REGISTRY, deny=Http404)
def index(request):
    code = (request.GET.get("area") or _home_code(request.user)).strip()
    as_of = _parse_day(request, request.GET.get("as_of"))
    snap_id = request.GET.get("snapshot") or None
    snap = selectors.snapshot_get(user=request.user, pk=snap_id) if snap_id else None
    group = request.GET.get("group") or "population"
    if group not in GROUP_LABELS:
        group = "population"
    try:
        nodes = selectors.figures_for(
            user=request.user,
            area_code=code,
            as_of=None if snap else as_of,
            snapshot=snap,
            depth=1,
        )
    except DomainError as e:
        messages.error(request, str(e.message))
        return redirect("indicators:index")
    node, children = nodes[0], nodes[1:]
    if request.GET.get("format") == "xlsx":
        buffer = io.BytesIO()
        reports.write_xlsx(nodes, reports.meta(nodes, as_of=as_of, snapshot=snap), buffer)
        day = (snap.as_of if snap else as_of or timezone.localdate()).isoformat()
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="indicators-{node.code}-{day}.xlsx"'
        )
        return response
    group_defs = [d for d in DEFINITIONS.values() if d.group == group]
    children_rows = [(n, [(d, n.values.get(d.code)) for d in group_defs]) for n in children]
    node_row = [(d, node.values.get(d.code)) for d in group_defs]
    sections = [
        (key, label, [(d, node.values.get(d.code), _unit(d)) for d in defs])
        for key, label, defs in by_group()
    ]
    context = {
        "node": node,
        "trail": _trail(request.user, node.code),
        "sections": sections,
        "group": group,
        "groups": list(GROUP_LABELS.items()),
        "group_defs": group_defs,
        "children_rows": children_rows,
        "node_row": node_row,
        "as_of": snap.as_of if snap else (as_of or timezone.localdate()),
        "as_of_param": as_of.isoformat() if as_of and not snap else "",
        "snapshot": snap,
        "snapshots": selectors.snapshot_list(user=request.user)[:50],
        "units": UNIT_LABELS,
        "is_village": node.level == Level.VILLAGE,
        "is_county": node.level == Level.COUNTY,
        "child_is_village": node.level == Level.TOWNSHIP,
    }
    return render_page(request, "indicators/index.html", context)


@capability_required(Capability.VIEW_REGISTRY, deny=Http404)
def definitions(request):
    return render_page(
        request, "indicators/definitions.html", {"groups": by_group(), "units": UNIT_LABELS}
    )


def _readiness(request, code: str, level: int, template: str, checklist):
    require_capability(request.user, Capability.VIEW_REGISTRY, deny=Http404)
    code = code.ljust(12, "0")
    division = Division.objects.filter(code=code, level=level).first()
    if division is None or not user_covers(request.user, code):
        raise Http404
    as_of = _parse_day(request, request.GET.get("as_of"))
    snap_id = request.GET.get("snapshot") or None
    snap = selectors.snapshot_get(user=request.user, pk=snap_id) if snap_id else None
    items = checklist(code, None if snap else as_of, snapshot=snap)
    context = {
        "division": division,
        "items": items,
        "all_met": all(i.met for i in items),
        "as_of": snap.as_of if snap else (as_of or timezone.localdate()),
        "snapshot": snap,
        "criteria": readiness.criteria_for(code),
    }
    if level == Level.VILLAGE:
        context["households"] = readiness.household_exit_tests(code)
    return render_page(request, template, context)


@login_required
def village_readiness(request, code: str):
    return _readiness(
        request,
        code,
        Level.VILLAGE,
        "indicators/village_readiness.html",
        readiness.village_checklist,
    )


@login_required
def county_readiness(request, code: str):
    template = "indicators/county_readiness.html"
    return _readiness(request, code, Level.COUNTY, template, readiness.county_checklist)


@capability_required(Capability.VIEW_REGISTRY, deny=Http404)
def snapshot_list(request):
    return render_page(
        request,
        "indicators/snapshots.html",
        {
            "snapshots": selectors.snapshot_list(user=request.user),
            "may_create": _may_snapshot(request.user),
            "today": timezone.localdate(),
            "home": _home_code(request.user),
        },
    )


@capability_required(Capability.VIEW_REGISTRY, deny=Http404)
@require_POST
def snapshot_create(request):
    day = _parse_day(request, request.POST.get("as_of"))
    if day is None:
        if not request.POST.get("as_of"):
            messages.error(request, _("Choose the date the data is locked at."))
        return redirect("indicators:snapshots")
    try:
        snap = services.snapshot_create(
            actor=request.user,
            area_code=request.POST.get("area") or _home_code(request.user),
            as_of=day,
            label=request.POST.get("label", "")[:100],
        )
    except DomainError as e:
        if e.status == 404:
            raise Http404 from e
        messages.error(request, str(e.message))
        return redirect("indicators:snapshots")
    messages.success(
        request,
        _("Snapshot %(id)s created: data locked as of %(day)s.")
        % {"id": snap.pk, "day": snap.as_of.isoformat()},
    )
    return redirect("indicators:snapshots")


@capability_required(Capability.VIEW_REGISTRY, deny=Http404)
def criteria(request):
    """The exit criteria in force for the user's area (approved ones only); a county
    office user proposes a change, another county user approves or refuses it."""
    user = request.user
    code = _home_code(user)
    current = readiness.criteria_for(code)
    pending = selectors.pending_proposal(code)
    may_propose = pending is None and services.may_propose_criteria(user, code)
    may_decide = pending is not None and services.may_decide(user, pending)
    initial = {f: getattr(current, f) for f in services.CRITERIA_FIELDS}
    forms: dict[str, BaseForm] = {
        "form": CriteriaForm(initial=initial),
        "decide_form": DecisionForm(),
    }
    if request.method == "POST":
        name = "decide" if "decision" in request.POST else "propose"
        actions = {
            "propose": Action(
                form=lambda: CriteriaForm(request.POST, initial=initial),
                run=lambda d: services.criteria_propose(
                    actor=user,
                    region_code=code,
                    data={k: v for k, v in d.items() if k != "reason"},
                    reason=d.get("reason", ""),
                ),
                run_invalid=not services.may_propose_criteria(user, code),
            ),
        }
        if pending is not None:  # without a pending proposal, "decide" is a 404
            actions["decide"] = Action(
                form=lambda: DecisionForm(request.POST),
                run=lambda d: services.criteria_decide(
                    actor=user,
                    proposal=pending,
                    approve=d.get("decision") == "approve",
                    reason=d.get("reason", ""),
                ),
                # A user who may not act is refused (403) whatever the form holds.
                run_invalid=not may_decide,
            )
        outcome = dispatch_action(request, actions, name=name)
        if outcome.done is not None:
            if name == "propose":
                done = _("Proposed: the change takes effect when another county user approves it.")
            elif outcome.form.cleaned_data["decision"] == "approve":
                done = _("The change was approved and is in force.")
            else:
                done = _("The change was refused.")
            messages.success(request, done)
            return redirect("indicators:criteria")
        forms["decide_form" if name == "decide" else "form"] = outcome.form
    return render_page(
        request,
        "indicators/criteria.html",
        {
            "current": current,
            **forms,
            "may_edit": may_propose,
            "pending": pending,
            "pending_rows": proposal_rows(pending) if pending else [],
            "may_decide": may_decide,
            "proposals": selectors.proposals(code)[:10],
            "area": Division.objects.filter(code=code).first(),
            "labels": readiness.CONDITION_LABELS,
        },
    )
