"""Pages of the third-party-style assessment: list, create, detail (draw the sample,
finish), the printable survey sheet of a village, the survey form of a sampled household,
and the results. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.assessment import estimators as E
from fupin.assessment import forms as F
from fupin.assessment import selectors, services
from fupin.assessment.models import AssessmentStatus
from fupin.registry import choices as c
from fupin.web.views.common import access_required, call_service, render_page


def _require_run(user, county_code: str | None = None) -> None:
    if not selectors.may_run(user, county_code):
        raise PermissionDenied


@access_required(selectors.may_read)
def index(request):
    rows = list(selectors.assessments_for(request.user)[:200])
    return render_page(
        request,
        "assessment/index.html",
        {"rows": rows, "may_run": selectors.may_run(request.user)},
    )


@login_required
def create(request):
    _require_run(request.user)
    counties = selectors.counties_for(request.user)
    if not counties:
        raise PermissionDenied
    form = F.AssessmentForm(request.POST or None, counties=counties)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        a = call_service(
            form,
            services.assessment_create,
            actor=request.user,
            county_code=d["county"],
            name=d["name"],
            seed=d["seed"],
            sizes=form.sizes(),
            targets=form.targets(),
            snapshot_ref=d["snapshot_ref"],
            reason=d["reason"],
        )
        if a is not None:
            messages.success(request, _("The assessment is created. Draw its sample next."))
            return redirect("assessment:detail", pk=a.pk)
    return render_page(request, "assessment/create.html", {"form": form})


@access_required(selectors.may_read)
def detail(request, pk):
    a = selectors.assessment_get(request.user, pk)
    res = selectors.results(a, request.user)
    return render_page(
        request,
        "assessment/detail.html",
        {
            "a": a,
            "res": res,
            "may_run": selectors.may_run(request.user, a.county_id),
            "history": selectors.history(a),
        },
    )


@login_required
@require_POST
def draw(request, pk):
    a = selectors.assessment_get(request.user, pk)
    _require_run(request.user, a.county_id)
    form = F.forms.Form(request.POST)
    n = call_service(form, services.sample_draw, actor=request.user, assessment=a)
    if n is None:
        for e in form.non_field_errors():
            messages.error(request, str(e))
    else:
        messages.success(request, _("%(n)s households drawn.") % {"n": n})
    return redirect("assessment:detail", pk=a.pk)


@login_required
@require_POST
def finish(request, pk):
    a = selectors.assessment_get(request.user, pk)
    _require_run(request.user, a.county_id)
    form = F.forms.Form(request.POST)
    done = call_service(form, services.assessment_finish, actor=request.user, assessment=a)
    if done is None:
        for e in form.non_field_errors():
            messages.error(request, str(e))
        return redirect("assessment:detail", pk=a.pk)
    messages.success(request, _("The assessment is finished; its results are final."))
    return redirect("assessment:results", pk=a.pk)


@access_required(selectors.may_read)
def sheet(request, pk, village):
    a = selectors.assessment_get(request.user, pk)
    reveal = request.GET.get("reveal") == "1" and request.user.may_reveal
    rows = selectors.sheet(request.user, a, village, reveal=reveal)
    if not rows:
        raise Http404
    return render_page(
        request,
        "assessment/sheet.html",
        {
            "a": a,
            "rows": rows,
            "village": rows[0].unit.village,
            "reveal": reveal,
            "may_reveal": request.user.may_reveal,
            "may_run": selectors.may_run(request.user, a.county_id),
        },
    )


@login_required
def unit(request, pk, unit_pk):
    a = selectors.assessment_get(request.user, pk)
    _require_run(request.user, a.county_id)
    u = selectors.unit_get(request.user, a, unit_pk)
    existing = getattr(u, "response", None)
    initial = F.answer_initial(existing) if existing else {}
    form = F.ResponseForm(request.POST or None, stratum=u.stratum, initial=initial)
    if request.method == "POST" and a.status == AssessmentStatus.SURVEYING and form.is_valid():
        r = call_service(
            form,
            services.response_record,
            actor=request.user,
            unit=u,
            data=form.data_for_service(),
            reason=form.cleaned_data["reason"],
        )
        if r is not None:
            messages.success(request, _("Saved."))
            return redirect("assessment:sheet", pk=a.pk, village=u.village_id)
    head = ""
    if u.household is not None:
        m = u.household.members.filter(relation=c.Relation.HEAD, is_active=True).first()
        head = m.name if m else ""
    return render_page(
        request,
        "assessment/unit.html",
        {
            "a": a,
            "u": u,
            "form": form,
            "head": head,
            "open": a.status == AssessmentStatus.SURVEYING,
        },
    )


@access_required(selectors.may_read)
def results(request, pk):
    a = selectors.assessment_get(request.user, pk)
    res = selectors.results(a, request.user)
    rows = [
        {
            "key": key,
            "e": res.estimates[key],
            "label": label,
            "definition": definition,
            "verdict": verdict(res.estimates[key]),
        }
        for key, label, definition in rate_text()
    ]
    return render_page(request, "assessment/results.html", {"a": a, "res": res, "rows": rows})


def pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def verdict(e) -> str:
    """Whether the target is met, in plain words, with the uncertainty said honestly."""

    v = {"target": pct(e.target), "point": pct(e.point), "low": pct(e.low), "high": pct(e.high)}
    if e.n == 0:
        return _("No household surveyed yet: nothing can be said.")
    if e.higher_is_better:
        if e.status == E.MET:
            return (
                _(
                    "Met: at least %(target)s with 95%% confidence (the whole interval "
                    "%(low)s–%(high)s is at or above it)."
                )
                % v
            )
        if e.status == E.NOT_ESTABLISHED:
            return (
                _(
                    "The point estimate %(point)s reaches %(target)s, but this is not "
                    "established with 95%% confidence: the interval goes down to %(low)s."
                )
                % v
            )
        return _("Not met: the point estimate %(point)s is below %(target)s.") % v
    if e.status == E.MET:
        return (
            _(
                "Met: below %(target)s with 95%% confidence (the whole interval "
                "%(low)s–%(high)s is below it)."
            )
            % v
        )
    if e.status == E.NOT_ESTABLISHED:
        return (
            _(
                "The point estimate %(point)s is under %(target)s, but this is not "
                "established with 95%% confidence: the interval reaches %(high)s."
            )
            % v
        )
    return _("Not met: the point estimate %(point)s is not below %(target)s.") % v


def rate_text():
    """(key, label, definition) of the four rates, translated at call time."""
    return [
        (
            "missed_poor",
            _("Missed-poor rate (漏评率)"),
            _(
                "Non-registered households found poor by the policy test ÷ non-registered "
                "households."
            ),
        ),
        (
            "wrong_inclusion",
            _("Wrong-inclusion rate (错评率)"),
            _(
                "Registered households in poverty found not poor ÷ registered households in "
                "poverty."
            ),
        ),
        (
            "wrong_exit",
            _("Wrong-exit rate (错退率)"),
            _("Exited households found not meeting the exit standard ÷ exited households."),
        ),
        (
            "approval",
            _("Approval (群众认可度)"),
            _("Households approving of the work ÷ households (registered and not)."),
        ),
    ]
