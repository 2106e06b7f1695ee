"""Pages of tips: the public report and tracking pages (no login) and the staff pages.
Thin: parse input, call a selector or service, render."""

from __future__ import annotations

from django import forms as forms_lib
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fupin.accounts.models import User
from fupin.core import abuse
from fupin.geo.models import Level
from fupin.registry import selectors as registry_selectors
from fupin.registry.models import Household
from fupin.tips import selectors, services
from fupin.tips.forms import (
    AssignForm,
    ConcludeForm,
    PublicTipForm,
    ReplyForm,
    StaffTipForm,
    TipFilterForm,
    TrackForm,
)
from fupin.web import queries
from fupin.web.views.common import Action, call_service, dispatch_action, render_page

NEW_CODE = "tips_new_code"


# --- public ---------------------------------------------------------------------------


def _public_area_choices() -> list[tuple[str, str]]:
    out = []
    for d in services.public_areas().order_by("code"):
        out.append((d.code, ("\u3000" if d.level == Level.VILLAGE else "") + d.name))
    return out


def _too_many(request) -> HttpResponse:
    return render_page(request, "tips/too_many.html", status=429)


@never_cache
def report(request):
    form = PublicTipForm(request.POST or None, area_choices=_public_area_choices())
    if request.method == "POST":
        if abuse.over_limit(request, "submit", abuse.submit_limit()):
            return _too_many(request)
        if form.is_valid():
            d = form.cleaned_data
            done = call_service(
                form,
                services.tip_submit_public,
                area_code=d["area"],
                household_number=d["household_number"],
                subject=d["subject"],
                content=d["content"],
                reporter_name=d["reporter_name"],
                reporter_phone=d["reporter_phone"],
            )
            if done is not None:
                request.session[NEW_CODE] = done[1]
                return redirect("tips:report_done")
    return render_page(request, "tips/report.html", {"form": form})


@never_cache
def report_done(request):
    code = request.session.pop(NEW_CODE, None)
    if code is None:
        return redirect("tips:track")
    return render_page(request, "tips/report_done.html", {"code": code})


@never_cache
def track(request):
    form = TrackForm(request.POST or None)
    view = None
    searched = False
    if request.method == "POST":
        if abuse.over_limit(request, "track", abuse.track_limit()):
            return _too_many(request)
        if form.is_valid():
            searched = True
            view = selectors.tip_track(form.cleaned_data["code"])
    return render_page(
        request, "tips/track.html", {"form": form, "view": view, "searched": searched}
    )


# --- staff ----------------------------------------------------------------------------


@login_required
def tip_list(request):
    selectors.require_list(request.user)
    form = TipFilterForm(request.GET, area_choices=queries.area_choices(request.user))
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    filters = selectors.TipFilters(
        status=data.get("status", ""),
        channel=data.get("channel", ""),
        overdue=bool(data.get("overdue")),
    )
    # The select offers only divisions of the user's area; the selector takes the code
    # (geo.codes.significant_prefix), so the division is not read again.
    filters.area = data.get("area", "")
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    rows, has_next = selectors.tip_list(user=request.user, filters=filters, page=page)
    return render_page(
        request,
        "tips/tip_list.html",
        {
            "form": form,
            "rows": rows,
            "page": page,
            "has_next": has_next,
            "overdue_count": selectors.overdue_count(request.user),
            "may_read": selectors.may_read_tips(request.user),
            # A tip this user just recorded and may not read (it went to the office above).
            "new_code": request.session.pop(NEW_CODE, None),
        },
    )


def _staff_area_choices(user) -> list[tuple[str, str]]:
    node = queries.user_area_node(user)
    own = [(node.code, node.name)] if node is not None else []
    return own + queries.area_choices(user)


@login_required
def tip_create(request):
    if not selectors.may_record_tips(request.user):
        raise PermissionDenied
    form = StaffTipForm(request.POST or None, area_choices=_staff_area_choices(request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        household = None
        if d["household_number"]:
            household = (
                Household.objects.restrict(request.user)
                .select_related("village")
                .filter(number=d["household_number"].strip())
                .first()
            )
            if household is None:
                form.add_error("household_number", _("No household with this number in your area."))
        if not form.errors:
            done = call_service(
                form,
                services.tip_record,
                actor=request.user,
                channel=d["channel"],
                received_at=d["received_at"],
                subject_kind=d["subject_kind"],
                area_code=d["area"],
                household=household,
                subject=d["subject"],
                case_id=d["case_id"],
                content=d["content"],
                reporter_name=d["reporter_name"],
                reporter_phone=d["reporter_phone"],
                reason=d["reason"],
            )
            if done is not None:
                tip, code = done
                request.session[NEW_CODE] = code
                if selectors.tip_queryset(request.user).filter(pk=tip.pk).exists():
                    messages.success(request, _("The tip was recorded."))
                    return redirect("tips:detail", pk=tip.pk)
                messages.success(
                    request,
                    _("The tip was recorded and passed to %(office)s, which verifies it.")
                    % {"office": tip.routed_to.name},
                )
                return redirect("tips:list")
    return render_page(request, "tips/tip_form.html", {"form": form})


@login_required
def tip_detail(request, pk):
    tip = selectors.tip_get(user=request.user, pk=pk)
    user = request.user
    may = selectors.tip_actions(user, tip)
    candidates = services.verifier_candidates(actor=user, tip=tip) if may.assign else []
    forms: dict[str, forms_lib.BaseForm] = {
        "assign_form": AssignForm(candidates=candidates),
        "conclude_form": ConcludeForm(),
        "reply_form": ReplyForm(),
    }
    status = None

    def assign(d):
        verifier = User.objects.filter(pk=d["verifier"]).first() if "verifier" in d else None
        return services.tip_assign(
            actor=user, tip=tip, verifier=verifier, reason=d.get("reason", "")
        )

    if request.method == "POST":
        outcome = dispatch_action(
            request,
            {
                # An invalid form of a user who may not act: the service's refusal (403).
                "assign": Action(
                    form=lambda: AssignForm(request.POST, candidates=candidates),
                    run=assign,
                    run_invalid=not may.assign,
                ),
                # No fields: a bound empty form only carries the service's refusal.
                "start": Action(
                    form=lambda: forms_lib.Form(request.POST),
                    run=lambda d: services.tip_start_verification(actor=user, tip=tip),
                    run_invalid=True,
                ),
                "conclude": Action(
                    form=lambda: ConcludeForm(request.POST),
                    run=lambda d: services.tip_conclude(
                        actor=user,
                        tip=tip,
                        outcome=d.get("outcome", ""),
                        findings=d.get("findings", ""),
                    ),
                    run_invalid=not may.verify,
                ),
                "reply": Action(
                    form=lambda: ReplyForm(request.POST),
                    run=lambda d: services.tip_reply(
                        actor=user,
                        tip=tip,
                        reply=d.get("reply", ""),
                        replied_on=d.get("replied_on"),
                    ),
                    run_invalid=not may.reply,
                ),
            },
        )
        if outcome.done is not None:
            messages.success(request, _("Saved."))
            return redirect("tips:detail", pk=tip.pk)
        if outcome.name == "start":  # the page has no form for it: say why as messages
            for error in outcome.form.non_field_errors():
                messages.error(request, str(error))
            status = 422
        else:
            forms[f"{outcome.name}_form"] = outcome.form
    history = list(selectors.tip_history(tip)[:50])
    return render_page(
        request,
        "tips/tip_detail.html",
        {
            "tip": tip,
            "new_code": request.session.pop(NEW_CODE, None),
            "may": may,
            "show_reporter": selectors.may_see_reporter(user, tip),
            **forms,
            "history": history,
        },
        status=status,
    )


@login_required
@require_POST
def reveal_phone(request, pk):
    """The reporter's full phone for the assigned verifier, if the role may reveal; logged."""
    tip = selectors.tip_get(user=request.user, pk=pk)
    if not selectors.may_see_reporter(request.user, tip):
        raise PermissionDenied
    value = registry_selectors.reveal(user=request.user, obj=tip, field_name="reporter_phone")
    response = HttpResponse(format_html('<span class="revealed">{}</span>', value))
    response["Cache-Control"] = "no-store"
    return response
