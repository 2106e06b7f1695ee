from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from fupin.accounts.models import User
from fupin.accounts.roles import Capability
from fupin.accounts.types import SignedInRequest
from fupin.core.files import INLINE_TYPES
from fupin.core.models import SensitiveRead
from fupin.geo.models import Division, Level
from fupin.registry import choices as c
from fupin.registry import display, panels, selectors, services
from fupin.registry.forms import AttachmentForm, HouseholdFilterForm, HouseholdForm
from fupin.registry.models import Attachment, Household, MemberChange
from fupin.registry.views import hooks
from fupin.web import params, queries
from fupin.web.views.common import (
    call_service,
    capability_required,
    render_page,
    require_capability,
)


def _filters(request: SignedInRequest) -> tuple[HouseholdFilterForm, selectors.HouseholdFilters]:
    form = HouseholdFilterForm(request.GET, area_choices=queries.area_choices(request.user))
    form.is_valid()
    data = {k: v for k, v in form.cleaned_data.items() if v}
    # The select only offers divisions in the user's area (a code outside it is not a
    # valid choice); the selector filters by the division's code (its significant prefix).
    return form, selectors.HouseholdFilters(**data)


@login_required
def household_list(request: SignedInRequest) -> HttpResponse:
    form, filters = _filters(request)
    page = selectors.household_list(
        user=request.user,
        filters=filters,
        after=params.parse_int(request.GET.get("after")),
        before=params.parse_int(request.GET.get("before")),
    )
    if filters.q and (echo := selectors.search_echo(request.user, filters.q)) != filters.q:
        # A full ID number searched by a role that may not reveal: the person's page when
        # found, else the list with the number masked; no page repeats the digits.
        if len(page.rows) == 1:
            return redirect("household_detail", pk=page.rows[0].pk)
        return redirect(reverse("household_list") + "?" + urlencode({"q": echo}))
    return render_page(request, "registry/household_list.html", {"form": form, "page": page})


def _villages(user: User) -> list[tuple[str, str]]:
    rows = (
        Division.objects.restrict(user)
        .filter(level=Level.VILLAGE)
        .select_related("parent")
        .order_by("code")
    )
    return [(d.code, f"{d.parent.name if d.parent else ''} {d.name}") for d in rows]


@login_required
def household_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    # With the household, whether it has any rows of each panel's kinds (registry.panels):
    # a panel with nothing to show reads nothing.
    household = selectors.household_get(user=request.user, pk=pk, flags=panels.flags())
    as_of = request.GET.get("as_of")
    if as_of is not None:
        return _as_of(request, household, as_of)
    changes = (
        MemberChange.objects.restrict(request.user)
        .filter(household=household)
        .select_related("member", "target_household")
    )
    # household_get prefetched incomes and assessments: the tables below and the policy
    # panel's decisions (policy.evaluation.HouseholdFacts.of) read those rows.
    members = list(household.members.all())
    today = timezone.localdate()
    for m in members:
        m.age = m.age_on(today)
    context = {
        "h": household,
        "groups": display.household_groups(household),
        "members": members,
        "income": display.income_table(household.incomes.all()),
        "assessments": list(household.assessments.all()),
        "member_changes": (
            list(changes) if panels.may_have(household, panels.MEMBER_CHANGES) else []
        ),
        "attachments": (
            list(household.attachments.all())
            if panels.may_have(household, panels.ATTACHMENTS)
            else []
        ),
        "tab": "detail",
    }
    return render_page(request, "registry/household_detail.html", context)


@login_required
def household_history(request: SignedInRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(user=request.user, pk=pk, rows=False)
    records = list(selectors.household_history(user=request.user, household=household)[:500])
    for r in records:
        r.field_changes = display.describe_changes(r, request.user)
        r.type_label = display.object_type_label(r.object_type)
    return render_page(
        request,
        "registry/household_history.html",
        {"h": household, "records": records, "tab": "history"},
    )


@login_required
def household_as_of(request: SignedInRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(user=request.user, pk=pk, rows=False)
    return _as_of(request, household, request.GET.get("as_of") or request.GET.get("date"))


def _as_of(request: SignedInRequest, household: Household, text: str | None) -> HttpResponse:
    day = params.parse_date(text)
    state = None
    if day is not None:
        when = timezone.make_aware(dt.datetime.combine(day, dt.time.max))
        state = selectors.household_as_of(user=request.user, household=household, when=when)
    return render_page(
        request,
        "registry/household_as_of.html",
        {
            "h": household,
            "day": day,
            "bad_date": bool(text) and day is None,
            "state": display.as_of_view(state, request.user) if state else None,
            "tab": "as_of",
        },
    )


@capability_required(Capability.EDIT_REGISTRY)
def household_create(request: SignedInRequest) -> HttpResponse:
    form = HouseholdForm(
        request.POST or None, instance=Household(), villages=_villages(request.user)
    )
    if request.method == "POST" and form.is_valid():
        h = call_service(
            form,
            services.household_create,
            actor=request.user,
            village_code=form.cleaned_data["village_code"],
            data=form.data_for_service(),
            reason=form.cleaned_data["reason"],
        )
        if h is not None:
            messages.success(request, _("The household was registered."))
            return redirect("household_detail", pk=h.pk)
    return render_page(request, "registry/household_form.html", {"form": form, "h": None})


def _procedures(household: Household) -> list[tuple[str, str]]:
    """The procedures that may change this household's status now (the only way its
    status changes), as (label, link): the page shows its status read-only and links
    here. The cases app adds the cases that may be opened (`hooks`); a monitored
    household leaves monitoring from its own page, once its risks are eliminated."""
    links = hooks.procedure_links(household)
    if household.status == c.HouseholdStatus.MONITORED:
        links.append(
            (
                _("End the monitoring once its risks are eliminated (household page)"),
                reverse("household_detail", args=[household.pk]),
            )
        )
    return links


@login_required
def household_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(user=request.user, pk=pk, rows=False)
    require_capability(request.user, Capability.EDIT_REGISTRY)
    form = HouseholdForm(request.POST or None, instance=household, villages=_villages(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.data_for_service()
        if form.cleaned_data["village_code"] != household.village_id:
            data["village"] = form.cleaned_data["village_code"]
        h = call_service(
            form,
            services.household_update,
            actor=request.user,
            household=household,
            data=data,
            reason=form.cleaned_data["reason"],
        )
        if h is not None:
            messages.success(request, _("The household was saved."))
            return redirect("household_detail", pk=h.pk)
    return render_page(
        request,
        "registry/household_form.html",
        {"form": form, "h": household, "procedures": _procedures(household)},
    )


@login_required
def attachment_upload(request: SignedInRequest, pk: int) -> HttpResponse:
    """The "Add a file" page (the household page links here rather than render the form
    on every view of it)."""
    household = selectors.household_get(user=request.user, pk=pk, rows=False)
    require_capability(request.user, Capability.EDIT_REGISTRY)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        a = call_service(
            form,
            services.attachment_add,
            actor=request.user,
            household=household,
            kind=form.cleaned_data["kind"],
            title=form.cleaned_data["title"],
            upload=form.cleaned_data["file"],
            reason=form.cleaned_data["reason"],
        )
        if a is not None:
            messages.success(request, _("The file was added to the household's dossier."))
            return redirect("household_detail", pk=household.pk)
    return render_page(request, "registry/attachment_form.html", {"form": form, "h": household})


@login_required
def attachment_download(request: SignedInRequest, pk: int, aid: int) -> HttpResponseBase:
    """Household files are personal data: served here, in scope, never from /media/."""
    a = (
        Attachment.objects.restrict(request.user)
        .select_related("household")
        .filter(household_id=pk, pk=aid)
        .first()
    )
    if a is None:
        raise Http404
    # A scan of an ID card or a bank book is a file read of unmasked values: logged, and
    # refused to roles that may not reveal.
    require_capability(request.user, Capability.REVEAL_PII)
    SensitiveRead.log_bulk(
        user=request.user,
        object_type="registry.attachment",
        object_id=str(a.pk),
        field="file",
        area_code=a.household.village_id,
        count=1,
    )
    # Shown in the page only when the stored type and the bytes both say it may be.
    return a.file_response(as_attachment=a.content_type not in INLINE_TYPES)
