"""Pages of the posts and employment ledgers: the posts of the user's area and a post
with its holders, a holding with its pay and the forms of the services, the proposals
waiting for an appointment, the jobs and a job with its transport subsidies, the
household's new proposal and new job, and the areas' workbooks. Thin: parse, call a
selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.forms import BaseForm
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts.roles import Capability
from fupin.accounts.types import SignedInRequest
from fupin.employment import selectors, services
from fupin.employment.forms import (
    CloseForm,
    DecisionForm,
    EndHoldingForm,
    EndPlacementForm,
    PaymentForm,
    PendingForm,
    PlacementFilterForm,
    PlacementForm,
    PostFilterForm,
    PostForm,
    ProposeForm,
    SubsidyForm,
)
from fupin.employment.models import HoldingStatus
from fupin.programmes.checks import may_edit
from fupin.programmes.downloads import ledger_download
from fupin.registry import selectors as registry_selectors
from fupin.web import params, queries
from fupin.web.views.common import (
    Action,
    call_service,
    capability_required,
    dispatch_action,
    render_page,
)


def _data(form: BaseForm) -> dict[str, Any]:
    form.is_valid()
    return getattr(form, "cleaned_data", {})


@login_required
def post_list(request: SignedInRequest) -> HttpResponse:
    user = request.user
    form = PostFilterForm(request.GET, area_choices=queries.area_choices(user))
    d = _data(form)
    filters = selectors.PostFilters(
        area=d.get("area", ""),
        kind=d.get("kind", ""),
        funding=d.get("funding", ""),
        vacant=bool(d.get("vacant")),
    )
    page, holders = selectors.post_page(
        user=user,
        filters=filters,
        today=timezone.localdate(),
        older=params.parse_int(request.GET.get("older")),
        newer=params.parse_int(request.GET.get("newer")),
    )
    rows = [(p, holders.get(p.pk)) for p in page.rows]
    return render_page(
        request,
        "employment/post_list.html",
        {
            "form": form,
            "rows": rows,
            "page": page,
            "may_create": getattr(user, "may_edit", False),
            "pending": len(selectors.pending(user)),
        },
    )


@login_required
def post_new(request: SignedInRequest) -> HttpResponse:
    user = request.user
    villages = queries.village_choices(user)
    form = PostForm(request.POST or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        post = call_service(form, services.post_create, actor=user, data=dict(form.cleaned_data))
        if post is not None:
            return redirect("employment:post", pk=post.pk)
    return render_page(request, "employment/post_new.html", {"form": form})


@login_required
def post_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    post = selectors.post_get(user=user, pk=pk)
    post_data = request.POST if request.method == "POST" else None
    forms: dict[str, BaseForm] = {"close": CloseForm()}
    if request.method == "POST":
        outcome = dispatch_action(
            request,
            {
                "close": Action(
                    lambda: CloseForm(post_data),
                    lambda d: services.post_close(
                        actor=user, post=post, closed_on=d["closed_on"], reason=d["reason"]
                    ),
                )
            },
        )
        if outcome.done is not None:
            return redirect("employment:post", pk=post.pk)
        forms[outcome.name] = outcome.form
    return render_page(
        request,
        "employment/post_detail.html",
        {
            "post": post,
            "holdings": selectors.post_holdings(post),
            "may_edit": may_edit(user, post.village_id),
            "forms": forms,
        },
    )


@login_required
def holding_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    holding = selectors.holding_get(user=user, pk=pk)
    post_data = request.POST if request.method == "POST" else None
    actions = {
        "decide": Action(
            lambda: DecisionForm(post_data),
            lambda d: services.holding_decide(
                actor=user, holding=holding, approve=d["approve"], reason=d.get("reason", "")
            ),
        ),
        "end": Action(
            lambda: EndHoldingForm(post_data),
            lambda d: services.holding_end(
                actor=user, holding=holding, end_on=d["end_on"], end_reason=d["end_reason"]
            ),
        ),
        "pay": Action(
            lambda: PaymentForm(post_data),
            lambda d: services.payment_record(
                actor=user,
                holding=holding,
                month=d["month"],
                amount=d["amount"],
                paid_on=d["paid_on"],
            ),
        ),
    }
    forms: dict[str, BaseForm] = {
        "decide": DecisionForm(),
        "end": EndHoldingForm(),
        "pay": PaymentForm(initial={"amount": holding.post.monthly_pay}),
    }
    if request.method == "POST":
        outcome = dispatch_action(request, actions)
        if outcome.done is not None:
            return redirect("employment:holding", pk=holding.pk)
        forms[outcome.name] = outcome.form
    return render_page(
        request,
        "employment/holding_detail.html",
        {
            "holding": holding,
            "payments": list(holding.payments.order_by("-month")),
            "may_edit": may_edit(user, holding.village_id),
            "may_decide": holding.status == HoldingStatus.PROPOSED
            and selectors.may_decide(user, holding),
            "forms": forms,
        },
    )


@login_required
def propose(request: SignedInRequest, household: int) -> HttpResponse:
    user = request.user
    h = registry_selectors.household_queryset(user).filter(pk=household).first()
    if h is None:
        raise Http404
    members = list(h.members.filter(is_active=True).order_by("id"))
    posts = selectors.vacant_posts_for(h, timezone.localdate())
    form = ProposeForm(request.POST or None, members=members, posts=posts)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        member = next(m for m in members if m.pk == d["member"])
        post = next(p for p in posts if p.pk == d["post"])
        holding = call_service(
            form,
            services.holding_propose,
            actor=user,
            post=post,
            member=member,
            start_on=d["start_on"],
        )
        if holding is not None:
            return redirect("employment:holding", pk=holding.pk)
    return render_page(
        request, "employment/propose.html", {"form": form, "household": h, "posts": posts}
    )


@login_required
def pending(request: SignedInRequest) -> HttpResponse:
    """The proposals the user may decide, several at once (an imported roster)."""
    user = request.user
    rows = selectors.pending(user)
    form = PendingForm(request.POST or None, pending=rows)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        chosen = [h for h in rows if h.pk in set(d["holdings"])]
        with transaction.atomic():
            for h in chosen:
                if (
                    call_service(
                        form,
                        services.holding_decide,
                        actor=user,
                        holding=h,
                        approve=d["approve"],
                        reason=d.get("reason", ""),
                    )
                    is None
                ):
                    transaction.set_rollback(True)
                    break
        if not form.errors:
            messages.success(request, _("%(n)d proposals decided.") % {"n": len(chosen)})
            return redirect("employment:pending")
    return render_page(request, "employment/pending.html", {"form": form, "rows": rows})


@login_required
def placement_list(request: SignedInRequest) -> HttpResponse:
    user = request.user
    form = PlacementFilterForm(request.GET, area_choices=queries.area_choices(user))
    d = _data(form)
    filters = selectors.PlacementFilters(
        area=d.get("area", ""),
        kind=d.get("kind", ""),
        place_scope=d.get("place_scope", ""),
        current=bool(d.get("current")),
    )
    page = selectors.placement_page(
        user=user,
        filters=filters,
        older=params.parse_int(request.GET.get("older")),
        newer=params.parse_int(request.GET.get("newer")),
    )
    return render_page(request, "employment/placement_list.html", {"form": form, "page": page})


@login_required
def placement_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    placement = selectors.placement_get(user=user, pk=pk)
    post_data = request.POST if request.method == "POST" else None
    actions = {
        "end": Action(
            lambda: EndPlacementForm(post_data),
            lambda d: services.placement_end(actor=user, placement=placement, end_on=d["end_on"]),
        ),
        "subsidy": Action(
            lambda: SubsidyForm(post_data),
            lambda d: services.subsidy_record(
                actor=user, placement=placement, paid_on=d["paid_on"], amount=d["amount"]
            ),
        ),
    }
    forms: dict[str, BaseForm] = {"end": EndPlacementForm(), "subsidy": SubsidyForm()}
    if request.method == "POST":
        outcome = dispatch_action(request, actions)
        if outcome.done is not None:
            return redirect("employment:placement", pk=placement.pk)
        forms[outcome.name] = outcome.form
    return render_page(
        request,
        "employment/placement_detail.html",
        {
            "placement": placement,
            "subsidies": list(placement.subsidies.order_by("-paid_on")),
            "may_edit": may_edit(user, placement.village_id),
            "forms": forms,
        },
    )


@login_required
def placement_new(request: SignedInRequest, household: int) -> HttpResponse:
    user = request.user
    h = registry_selectors.household_queryset(user).filter(pk=household).first()
    if h is None:
        raise Http404
    members = list(h.members.filter(is_active=True).order_by("id"))
    form = PlacementForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        member = next((m for m in members if m.pk == d.pop("member")), None)
        placement = call_service(
            form, services.placement_record, actor=user, household=h, member=member, data=d
        )
        if placement is not None:
            return redirect("employment:placement", pk=placement.pk)
    return render_page(request, "employment/placement_new.html", {"form": form, "household": h})


@capability_required(Capability.EXPORT_AREA)
def export_posts(request: SignedInRequest) -> HttpResponseBase:
    """The area's posts, holders and pay in the import's layout."""
    return ledger_download(request, "posts")


@capability_required(Capability.EXPORT_AREA)
def export_jobs(request: SignedInRequest) -> HttpResponseBase:
    """The area's jobs and transport subsidies in the import's layout."""
    return ledger_download(request, "jobs")
