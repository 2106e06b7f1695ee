"""Pages of village scoring and performance assessment. Thin: parse, call, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts.roles import Capability
from fupin.core.errors import OutsideArea
from fupin.core.scope import user_covers
from fupin.geo.models import Division, Level
from fupin.scoring import choices as c
from fupin.scoring import selectors, services
from fupin.scoring.forms import (
    AssessmentItemFormSet,
    AssessmentSchemeForm,
    ItemFormSet,
    ManualPointsForm,
    PeriodForm,
    RoundForm,
    SchemeForm,
    ScoreForm,
    SheetForm,
)
from fupin.scoring.models import VillageScore
from fupin.web.views.common import (
    access_required,
    call_service,
    capability_required,
    render_page,
    require_access,
)


def _get(fn, **kwargs):
    try:
        return fn(**kwargs)
    except OutsideArea:
        raise Http404 from None


@capability_required(Capability.VIEW_REGISTRY)
def index(request):
    rounds = list(selectors.round_list(user=request.user)[:50])
    show_all = request.GET.get("cards") == "all"
    cards = selectors.yellow_cards(user=request.user, open_only=not show_all)[:500]
    return render_page(
        request,
        "scoring/index.html",
        {
            "rounds": [(r, selectors.grade_counts(user=request.user, round=r)) for r in rounds],
            "grades": c.Grade.choices,
            "cards": cards,
            "show_all": show_all,
            "may_supervise": services.may_supervise(request.user),
        },
    )


@capability_required(Capability.VIEW_REGISTRY)
def round_detail(request, pk):
    rnd = _get(selectors.round_get, user=request.user, pk=pk)
    grade = request.GET.get("grade", "")
    rows = selectors.round_villages(user=request.user, round=rnd)
    if grade == "unscored":
        rows = [r for r in rows if r["score"] is None]
    elif grade:
        rows = [r for r in rows if r["score"] is not None and r["score"].grade == grade]
    return render_page(
        request,
        "scoring/round_detail.html",
        {
            "round": rnd,
            "rows": rows,
            "grade": grade,
            "grades": c.Grade.choices,
            "counts": selectors.grade_counts(user=request.user, round=rnd),
            "may_score": services.may_supervise(request.user),
        },
    )


def _area_choices(user) -> list[tuple[str, str]]:
    qs = Division.objects.restrict(user).filter(level__in=(Level.COUNTY, Level.TOWNSHIP))
    return [(d.code, ("\u3000" if d.level == Level.TOWNSHIP else "") + d.name) for d in qs]


def _region_field(user):
    choices = _area_choices(user)
    return forms.ChoiceField(
        label=_("Region"),
        choices=choices,
        initial=user.area_id or (choices[0][0] if choices else ""),
    )


@access_required(services.may_supervise)
def round_create(request):
    sheets = list(selectors.sheet_list(user=request.user, current_only=True))
    form = RoundForm(request.POST or None, sheets=sheets, areas=_area_choices(request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        sheet = next(s for s in sheets if str(s.pk) == d["sheet"])
        rnd = call_service(
            form,
            services.round_create,
            actor=request.user,
            sheet=sheet,
            area_code=d["area"],
            name=d["name"],
            period_start=d["period_start"],
            period_end=d["period_end"],
            reason=d["reason"],
        )
        if rnd is not None:
            messages.success(request, _("The round was created."))
            return redirect("scoring:round_detail", pk=rnd.pk)
    return render_page(request, "scoring/round_form.html", {"form": form})


@access_required(services.may_supervise)
def score_entry(request, pk, code):
    rnd = _get(selectors.round_get, user=request.user, pk=pk)
    village = _get(selectors.village_get, user=request.user, code=code)
    if not village.code.startswith(rnd.area.prefix):
        raise Http404
    items = list(rnd.sheet.items.all())
    existing = selectors.score_get(user=request.user, round=rnd, code=code)
    initial: dict[str, object] = {"scored_on": timezone.localdate()}
    if existing is not None:
        initial = {"scored_on": existing.scored_on, "notes": existing.notes}
        for line in existing.items.all():
            code_ = next((i.code for i in items if i.pk == line.item_id), None)
            if code_:
                initial[f"points_{code_}"] = line.points
                initial[f"evidence_{code_}"] = line.evidence
    form = ScoreForm(request.POST or None, request.FILES or None, items=items, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        score = call_service(
            form,
            services.score_record,
            actor=request.user,
            round=rnd,
            village_code=village.code,
            points=form.points(),
            evidence=form.evidence(),
            scored_on=d["scored_on"],
            notes=d["notes"],
            attachment=d.get("attachment"),
            reason=d["reason"],
        )
        if score is not None:
            messages.success(
                request,
                _("%(village)s scored %(total)s: %(grade)s.")
                % {
                    "village": village.name,
                    "total": score.total,
                    "grade": score.get_grade_display(),
                },
            )
            return redirect("scoring:round_detail", pk=rnd.pk)
    return render_page(
        request,
        "scoring/score_form.html",
        {"form": form, "round": rnd, "village": village, "existing": existing},
    )


@capability_required(Capability.VIEW_REGISTRY)
def village_history(request, code):
    village = _get(selectors.village_get, user=request.user, code=code)
    return render_page(
        request,
        "scoring/village.html",
        {
            "village": village,
            "scores": selectors.village_scores(user=request.user, code=code),
            "cards": selectors.yellow_cards(user=request.user).filter(village=village),
            "history": selectors.village_history(user=request.user, code=code),
        },
    )


@capability_required(Capability.VIEW_REGISTRY)
def score_attachment(request, pk):
    score = VillageScore.objects.restrict(request.user).filter(pk=pk).first()
    if score is None:
        raise Http404
    return score.file_response()


# Sheets ----------------------------------------------------------------------------


@capability_required(Capability.VIEW_REGISTRY)
def sheet_list(request):
    return render_page(
        request,
        "scoring/sheet_list.html",
        {
            "sheets": selectors.sheet_list(user=request.user),
            "may_edit": services.may_supervise(request.user),
        },
    )


@capability_required(Capability.VIEW_REGISTRY)
def sheet_detail(request, pk):
    sheet = _get(selectors.sheet_get, user=request.user, pk=pk)
    return render_page(
        request,
        "scoring/sheet_detail.html",
        {
            "sheet": sheet,
            "items": sheet.items.all(),
            "frozen": services.sheet_is_frozen(sheet),
            "may_edit": services.may_supervise(request.user)
            and user_covers(request.user, sheet.region_id),
            "history": selectors.sheet_history(sheet),
        },
    )


def _items(formset) -> list[dict]:
    return [
        f.cleaned_data
        for f in formset.forms
        if f.cleaned_data and (f.cleaned_data.get("code") or f.cleaned_data.get("text"))
    ]


@access_required(services.may_supervise)
def sheet_edit(request, pk=None):
    sheet = _get(selectors.sheet_get, user=request.user, pk=pk) if pk else None
    if sheet is not None and not user_covers(request.user, sheet.region_id):
        raise Http404
    initial, items_initial = {}, []
    if sheet is not None:
        initial = {f: getattr(sheet, f) for f in services.SHEET_FIELDS}
        items_initial = [
            {
                "code": i.code,
                "text": i.text,
                "max_points": i.max_points,
                "evidence_required": i.evidence_required,
            }
            for i in sheet.items.all()
        ]
    form = SheetForm(request.POST or None, initial=initial)
    if sheet is None:
        form.fields["region"] = _region_field(request.user)
    formset = ItemFormSet(request.POST or None, initial=items_initial, prefix="items")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        d = dict(form.cleaned_data)
        reason = d.pop("reason")
        if sheet is None:
            result = call_service(
                form,
                services.sheet_create,
                actor=request.user,
                region_code=d.pop("region"),
                data=d,
                items=_items(formset),
                reason=reason,
            )
        else:
            result = call_service(
                form,
                services.sheet_update,
                actor=request.user,
                sheet=sheet,
                data=d,
                items=_items(formset),
                reason=reason,
            )
        if result is not None:
            if sheet is not None and result.pk != sheet.pk:
                messages.success(
                    request,
                    _("The sheet is used by a round: version %(v)s was created.")
                    % {"v": result.version},
                )
            else:
                messages.success(request, _("The sheet was saved."))
            return redirect("scoring:sheet_detail", pk=result.pk)
    return render_page(
        request,
        "scoring/sheet_form.html",
        {
            "form": form,
            "formset": formset,
            "sheet": sheet,
            "frozen": sheet is not None and services.sheet_is_frozen(sheet),
        },
    )


# Performance assessment -------------------------------------------------------------


@capability_required(Capability.VIEW_REGISTRY)
def performance_index(request):
    schemes = list(selectors.scheme_list(user=request.user))
    if len(schemes) == 1 and not request.GET:
        return redirect("scoring:performance", pk=schemes[0].pk)
    return render_page(
        request,
        "scoring/performance_index.html",
        {"schemes": schemes, "may_edit": services.may_supervise(request.user)},
    )


@capability_required(Capability.VIEW_REGISTRY)
def performance(request, pk):
    scheme = _get(selectors.scheme_get, user=request.user, pk=pk)
    form = PeriodForm(request.GET or request.POST or None)
    start, end = selectors.default_period(scheme)
    if form.is_valid():
        start = form.cleaned_data.get("start") or start
        end = form.cleaned_data.get("end") or end
    if end < start:
        form.add_error("end", _("The period ends before it starts."))
        start, end = selectors.default_period(scheme)
    if request.method == "POST":
        require_access(request.user, services.may_supervise)
        try:
            services.performance_compute(actor=request.user, scheme=scheme, start=start, end=end)
        except OutsideArea:
            raise Http404 from None
        messages.success(request, _("The ranking was computed."))
        query = urlencode({"start": start.isoformat(), "end": end.isoformat()})
        return redirect(f"{reverse('scoring:performance', args=[scheme.pk])}?{query}")
    result = selectors.performance(user=request.user, scheme=scheme, start=start, end=end)
    labels = dict(c.IndicatorSource.choices)
    rows = []
    if result is not None:
        rows = [
            {
                "row": row,
                "cells": [
                    (row.values[d["code"]], row.scores[d["code"]]) for d in result.definitions
                ],
                "missing": [labels[m] for m in row.missing],
            }
            for row in result.ranking.rows
        ]
    return render_page(
        request,
        "scoring/performance.html",
        {
            "scheme": scheme,
            "form": form,
            "start": start,
            "end": end,
            "result": result,
            "rows": rows,
            "no_data": [labels[m] for m in result.ranking.no_data] if result else [],
            "runs": selectors.run_list(user=request.user, scheme=scheme)[:10],
            "definitions": selectors.indicator_definitions(selectors.indicator_specs(scheme)),
            "may_edit": services.may_supervise(request.user),
        },
    )


@access_required(services.may_supervise)
def scheme_edit(request, pk=None):
    scheme = _get(selectors.scheme_get, user=request.user, pk=pk) if pk else None
    initial = {"year": timezone.localdate().year}
    if scheme is not None:
        initial = {
            "name": scheme.name,
            "year": scheme.year,
            "subjects": scheme.subjects,
            "normalisation": scheme.normalisation,
        }
        for ind in scheme.indicators.all():
            initial[f"use_{ind.source}"] = True
            initial[f"weight_{ind.source}"] = ind.weight
            initial[f"higher_{ind.source}"] = ind.higher_is_better
    form = SchemeForm(request.POST or None, initial=initial)
    if scheme is None:
        form.fields["region"] = _region_field(request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        result = call_service(
            form,
            services.scheme_save,
            actor=request.user,
            scheme=scheme,
            region_code=d.get("region", ""),
            data={k: d[k] for k in ("name", "year", "subjects", "normalisation")},
            indicators=form.indicators(),
            reason=d["reason"],
        )
        if result is not None:
            messages.success(request, _("The scheme was saved."))
            return redirect("scoring:performance", pk=result.pk)
    return render_page(request, "scoring/scheme_form.html", {"form": form, "scheme": scheme})


# Yearly assessment of paired cadres and work teams ------------------------------------


@capability_required(Capability.VIEW_REGISTRY)
def assessment_index(request):
    return render_page(
        request,
        "scoring/assessment_index.html",
        {
            "schemes": selectors.assessment_scheme_list(user=request.user),
            "may_edit": services.may_supervise(request.user),
        },
    )


@capability_required(Capability.VIEW_REGISTRY)
def assessment_ranking(request, pk):
    scheme = _get(selectors.assessment_scheme_get, user=request.user, pk=pk)
    may_compute = services.may_supervise(request.user) and user_covers(
        request.user, scheme.region_id
    )
    if request.method == "POST":
        if not may_compute:
            raise Http404
        services.assessment_compute(actor=request.user, scheme=scheme)
        messages.success(request, _("The assessment was computed."))
        return redirect("scoring:assessment", pk=scheme.pk)
    run = selectors.latest_assessment_run(user=request.user, scheme=scheme)
    rating = request.GET.get("rating", "")
    items = selectors.run_items(run) if run else []
    rows = []
    if run is not None:
        for r in selectors.assessment_results(user=request.user, run=run, rating=rating)[:2000]:
            cells = [(r.rates.get(i["code"]), r.points.get(i["code"])) for i in items]
            rows.append({"result": r, "cells": cells})
    return render_page(
        request,
        "scoring/assessment.html",
        {
            "scheme": scheme,
            "run": run,
            "items": items,
            "rows": rows,
            "rating": rating,
            "ratings": c.Rating.choices,
            "counts": selectors.rating_counts(user=request.user, run=run) if run else {},
            "stale": run is not None and selectors.run_is_stale(run),
            "runs": selectors.assessment_runs(user=request.user, scheme=scheme)[:10],
            "scheme_items": scheme.items.all(),
            "may_compute": may_compute,
        },
    )


@access_required(services.may_supervise)
def assessment_scheme_edit(request, pk=None):
    scheme = _get(selectors.assessment_scheme_get, user=request.user, pk=pk) if pk else None
    if scheme is not None and not user_covers(request.user, scheme.region_id):
        raise Http404
    initial: dict[str, object] = {"year": timezone.localdate().year}
    items_initial: list[dict[str, object]] = []
    if scheme is not None:
        initial = {f: getattr(scheme, f) for f in services.ASSESSMENT_FIELDS}
        items_initial = [
            {"code": i.code, "text": i.text, "source": i.source, "max_points": i.max_points}
            for i in scheme.items.all()
        ]
    form = AssessmentSchemeForm(request.POST or None, initial=initial)
    if scheme is None:
        form.fields["region"] = _region_field(request.user)
    formset = AssessmentItemFormSet(request.POST or None, initial=items_initial, prefix="items")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        d = dict(form.cleaned_data)
        reason = d.pop("reason")
        region = d.pop("region", "")
        result = call_service(
            form,
            services.assessment_scheme_save,
            actor=request.user,
            scheme=scheme,
            region_code=region,
            data=d,
            items=[
                f.cleaned_data
                for f in formset.forms
                if f.cleaned_data and (f.cleaned_data.get("code") or f.cleaned_data.get("text"))
            ],
            reason=reason,
        )
        if result is not None:
            if scheme is not None and result.pk != scheme.pk:
                messages.success(
                    request,
                    _("The scheme was used by a run: version %(v)s was created.")
                    % {"v": result.version},
                )
            else:
                messages.success(request, _("The scheme was saved."))
            return redirect("scoring:assessment", pk=result.pk)
    return render_page(
        request,
        "scoring/assessment_form.html",
        {
            "form": form,
            "formset": formset,
            "scheme": scheme,
            "frozen": scheme is not None and services.assessment_is_frozen(scheme),
        },
    )


@access_required(services.may_supervise)
def assessment_manual(request, pk):
    scheme = _get(selectors.assessment_scheme_get, user=request.user, pk=pk)
    if not user_covers(request.user, scheme.region_id):
        raise Http404
    manual_items = [i for i in scheme.items.all() if i.source == c.ItemSource.MANUAL]
    run = selectors.latest_assessment_run(user=request.user, scheme=scheme)
    subjects = []
    if run is not None:
        subjects = [
            (r.subject_key, f"{r.subject_name} · {r.detail}")
            for r in selectors.assessment_results(user=request.user, run=run)
        ]
    form = ManualPointsForm(
        request.POST or None,
        subjects=subjects,
        items=[(i.code, f"{i.code} {i.text} (≤ {i.max_points})") for i in manual_items],
        initial={"subject": request.GET.get("subject", "")},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = call_service(
            form,
            services.manual_points_set,
            actor=request.user,
            scheme=scheme,
            subject_key=d["subject"],
            item_code=d["item"],
            points=d["points"],
            note=d["note"],
            reason=d["reason"],
        )
        if done is not None:
            messages.success(
                request,
                _("Points entered for %(name)s: compute the assessment again to apply them.")
                % {"name": done.subject_name},
            )
            return redirect("scoring:assessment_manual", pk=scheme.pk)
    return render_page(
        request,
        "scoring/assessment_manual.html",
        {
            "scheme": scheme,
            "form": form,
            "has_run": run is not None,
            "has_items": bool(manual_items),
            "entered": selectors.manual_points(user=request.user, scheme=scheme)[:500],
        },
    )


@capability_required(Capability.VIEW_REGISTRY)
def assessment_result(request, pk):
    result = _get(selectors.assessment_result_get, user=request.user, pk=pk)
    items = selectors.run_items(result.run)
    return render_page(
        request,
        "scoring/assessment_result.html",
        {
            "result": result,
            "scheme": result.run.scheme,
            "lines": [
                {**i, "rate": result.rates.get(i["code"]), "points": result.points.get(i["code"])}
                for i in items
            ],
            "others": selectors.subject_results(user=request.user, result=result),
            "history": selectors.manual_history(user=request.user, result=result),
        },
    )
