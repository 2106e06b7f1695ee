from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from fupin.accounts.roles import Capability
from fupin.accounts.types import SignedInRequest
from fupin.registry import selectors, services
from fupin.registry.forms import MemberAddForm, MemberForm, MemberLeaveForm
from fupin.registry.models import Member
from fupin.web.views.common import call_service, render_page, require_capability


def _member(request: SignedInRequest, pk: int, mid: int) -> Member:
    m = (
        Member.objects.restrict(request.user)
        .select_related("household", "household__village")
        .filter(household_id=pk, pk=mid)
        .first()
    )
    if m is None:
        raise Http404
    return m


@login_required
def member_add(request: SignedInRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(user=request.user, pk=pk)
    require_capability(request.user, Capability.EDIT_REGISTRY)
    form = MemberAddForm(request.POST or None, instance=Member(household=household))
    if request.method == "POST" and form.is_valid():
        m = call_service(
            form,
            services.member_add,
            actor=request.user,
            household=household,
            data=form.data_for_service(),
            kind=form.cleaned_data["kind"],
            date=form.cleaned_data["date"],
            reason=form.cleaned_data["reason"],
        )
        if m is not None:
            messages.success(request, _("The member was added."))
            return redirect("household_detail", pk=household.pk)
    return render_page(
        request, "registry/member_form.html", {"form": form, "h": household, "member": None}
    )


@login_required
def member_edit(request: SignedInRequest, pk: int, mid: int) -> HttpResponse:
    member = _member(request, pk, mid)
    require_capability(request.user, Capability.EDIT_REGISTRY)
    form = MemberForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        m = call_service(
            form,
            services.member_update,
            actor=request.user,
            member=member,
            data=form.data_for_service(),
            reason=form.cleaned_data["reason"],
        )
        if m is not None:
            messages.success(request, _("The member was saved."))
            return redirect("household_detail", pk=pk)
    return render_page(
        request,
        "registry/member_form.html",
        {"form": form, "h": member.household, "member": member},
    )


@login_required
def member_leave(request: SignedInRequest, pk: int, mid: int) -> HttpResponse:
    member = _member(request, pk, mid)
    require_capability(request.user, Capability.EDIT_REGISTRY)
    if not member.is_active:
        raise Http404
    form = MemberLeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        change = call_service(
            form,
            services.member_leave,
            actor=request.user,
            member=member,
            kind=form.cleaned_data["kind"],
            date=form.cleaned_data["date"],
            reason=form.cleaned_data["reason"],
        )
        if change is not None:
            messages.success(request, _("The member's leaving was recorded."))
            return redirect("household_detail", pk=pk)
    return render_page(
        request,
        "registry/member_leave.html",
        {"form": form, "h": member.household, "member": member},
    )
