from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.core.files import private_file
from fupin.core.models import SensitiveRead
from fupin.geo.models import Division, Level
from fupin.registry import choices as c
from fupin.registry import selectors, services
from fupin.registry.models import Attachment, Household, MemberChange
from fupin.web import display, queries
from fupin.web.forms import AttachmentForm, HouseholdFilterForm, HouseholdForm
from fupin.web.views.common import call_service, require_may_edit


def _filters(request) -> tuple[HouseholdFilterForm, selectors.HouseholdFilters]:
    form = HouseholdFilterForm(request.GET, area_choices=queries.area_choices(request.user))
    form.is_valid()
    data = {k: v for k, v in form.cleaned_data.items() if v}
    filters = selectors.HouseholdFilters(**data)
    if filters.area:
        # The select only offers divisions in the user's area; the filter uses its prefix.
        division = Division.objects.restrict(request.user).filter(code=filters.area).first()
        filters.area = division.prefix if division else ""
    return form, filters


@login_required
def household_list(request):
    form, filters = _filters(request)
    page = selectors.household_list(
        user=request.user,
        filters=filters,
        after=display.parse_int(request.GET.get("after")),
        before=display.parse_int(request.GET.get("before")),
    )
    if filters.q and (echo := selectors.search_echo(request.user, filters.q)) != filters.q:
        # A full ID number searched by a role that may not reveal: the person's page when
        # found, else the list with the number masked; no page repeats the digits.
        if len(page.rows) == 1:
            return redirect("household_detail", pk=page.rows[0].pk)
        return redirect(reverse("household_list") + "?" + urlencode({"q": echo}))
    return render(request, "web/household_list.html", {"form": form, "page": page})


def _villages(user) -> list[tuple[str, str]]:
    rows = (
        Division.objects.restrict(user)
        .filter(level=Level.VILLAGE)
        .select_related("parent")
        .order_by("code")
    )
    return [(d.code, f"{d.parent.name if d.parent else ''} {d.name}") for d in rows]


@login_required
def household_detail(request, pk):
    household = selectors.household_get(user=request.user, pk=pk)
    as_of = request.GET.get("as_of")
    if as_of is not None:
        return _as_of(request, household, as_of)
    changes = (
        MemberChange.objects.restrict(request.user)
        .filter(household=household)
        .select_related("member", "target_household")
    )
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
        "member_changes": list(changes),
        "attachments": list(household.attachments.all()),
        "attachment_form": AttachmentForm() if request.user.may_edit else None,
        "tab": "detail",
    }
    return render(request, "web/household_detail.html", context)


@login_required
def household_history(request, pk):
    household = selectors.household_get(user=request.user, pk=pk)
    records = list(selectors.household_history(user=request.user, household=household)[:500])
    for r in records:
        r.field_changes = display.describe_changes(r, request.user)
        r.type_label = display.object_type_label(r.object_type)
    return render(
        request,
        "web/household_history.html",
        {"h": household, "records": records, "tab": "history"},
    )


@login_required
def household_as_of(request, pk):
    household = selectors.household_get(user=request.user, pk=pk)
    return _as_of(request, household, request.GET.get("as_of") or request.GET.get("date"))


def _as_of(request, household, text):
    day = display.parse_date(text)
    state = None
    if day is not None:
        when = timezone.make_aware(dt.datetime.combine(day, dt.time.max))
        state = selectors.household_as_of(user=request.user, household=household, when=when)
    return render(
        request,
        "web/household_as_of.html",
        {
            "h": household,
            "day": day,
            "bad_date": bool(text) and day is None,
            "state": display.as_of_view(state, request.user) if state else None,
            "tab": "as_of",
        },
    )


@login_required
def household_create(request):
    require_may_edit(request.user)
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
    return render(request, "web/household_form.html", {"form": form, "h": None})


def _procedures(household) -> list[tuple[str, str]]:
    """The status-changing cases that may be opened on this household now (the only way
    its status changes; `cases.selectors.openable_kinds`: from its status, none while one
    runs), as (label, link to open one): the page shows its status read-only and links
    here. A monitored household leaves monitoring from its own page, once its risks are
    eliminated."""
    from fupin.cases.models import ACTIVE_STATUSES, Case
    from fupin.cases.procedures import FINAL_STATUS
    from fupin.cases.selectors import openable_kinds

    base = reverse("cases:case_new", args=[household.pk])
    active = list(Case.objects.filter(household=household, status__in=ACTIVE_STATUSES))
    links = [
        (_("Start a case: %(kind)s") % {"kind": label}, f"{base}?kind={kind}")
        for kind, label in openable_kinds(household, active)
        if FINAL_STATUS[kind] is not None
    ]
    if household.status == c.HouseholdStatus.MONITORED:
        links.append(
            (
                _("End the monitoring once its risks are eliminated (household page)"),
                reverse("household_detail", args=[household.pk]),
            )
        )
    return links


@login_required
def household_edit(request, pk):
    household = selectors.household_get(user=request.user, pk=pk)
    require_may_edit(request.user)
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
    return render(
        request,
        "web/household_form.html",
        {"form": form, "h": household, "procedures": _procedures(household)},
    )


@login_required
@require_POST
def attachment_upload(request, pk):
    household = selectors.household_get(user=request.user, pk=pk)
    require_may_edit(request.user)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
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
    return render(request, "web/attachment_form.html", {"form": form, "h": household})


INLINE_TYPES = {"image/jpeg", "image/png", "image/webp", "application/pdf"}


@login_required
def attachment_download(request, pk, aid):
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
    if not request.user.may_reveal:
        raise PermissionDenied
    SensitiveRead.log_bulk(
        user=request.user,
        object_type="registry.attachment",
        object_id=str(a.pk),
        field="file",
        area_code=a.household.village_id,
        count=1,
    )
    return private_file(a.file, a.content_type, as_attachment=a.content_type not in INLINE_TYPES)
