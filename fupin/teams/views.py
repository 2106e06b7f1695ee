"""Pages of the work teams: the roster with its flags, a team's page (members and
their terms, rules, this month's attendance, leave and the first secretary's records,
with the actions the user may take), check-in, leave, attendance by township and its
workbook, and the rules per region. Thin: parse, call a selector or service, render."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.forms import BaseForm
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from fupin.accounts import authority
from fupin.accounts.roles import Capability, has_capability
from fupin.assistance import services as assistance
from fupin.assistance.models import Cadre, TeamMembership
from fupin.core.errors import ValidationFailed
from fupin.core.scope import may_edit_in
from fupin.geo.codes import ancestor_codes
from fupin.geo.models import Division
from fupin.registry.models import Household
from fupin.teams import reports, selectors, services
from fupin.teams.attendance import Days
from fupin.teams.forms import (
    CheckInForm,
    DiaryForm,
    LeaveDecideForm,
    LeaveForm,
    LedgerForm,
    MemberAddForm,
    MemberEndForm,
    MonthForm,
    ReceiveForm,
    ReportForm,
    RosterFilterForm,
    RulesForm,
)
from fupin.teams.models import Leave, QuarterlyReport
from fupin.web import queries
from fupin.web.views.common import (
    Action,
    call_service,
    capability_required,
    dispatch_action,
    render_page,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _team(request, pk: int):
    team = selectors.team_get(request.user, pk)
    if team is None:
        raise Http404
    return team


def _month(request) -> dt.date:
    form = MonthForm(request.GET)
    month = form.cleaned_data.get("month") if form.is_valid() else None
    return (month or timezone.localdate()).replace(day=1)


@capability_required(Capability.VIEW_REGISTRY)
def team_list(request):
    user = request.user
    form = RosterFilterForm(request.GET, area_choices=queries.area_choices(user))
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    on = data.get("on") or timezone.localdate()
    rows = selectors.roster_for(
        user, on, area=data.get("area", ""), flagged_only=bool(data.get("flagged"))
    )
    start, end = selectors.month_span(on)
    rates = selectors.rates_for(user, start, end)
    return render_page(
        request,
        "teams/team_list.html",
        {"form": form, "rows": [(r, rates.teams.get(r.team.pk)) for r in rows], "on": on},
    )


@login_required
def team_detail(request, pk: int):
    user = request.user
    team = _team(request, pk)
    today = timezone.localdate()
    post = request.POST if request.method == "POST" else None
    cadres = Cadre.objects.in_area(team.village_id[:6]).filter(active=True).order_by("name")
    terms = list(
        TeamMembership.objects.filter(team=team)
        .select_related("cadre")
        .order_by("end_date", "-is_first_secretary", "-is_leader", "start_date")
    )
    term_by_pk = {t.pk: t for t in terms}

    def end_term(d: dict[str, Any]):
        term = term_by_pk.get(d["term"])
        if term is None:
            raise Http404
        return assistance.membership_end(
            actor=user, membership=term, date=d["date"], reason=d["reason"]
        )

    def add_member(d: dict[str, Any]):
        cadre = next(x for x in cadres if x.pk == d.pop("cadre"))
        return assistance.membership_add(actor=user, team=team, cadre=cadre, **d)

    def ledger(d: dict[str, Any]):
        numbers = [n for n in re.split(r"[\s,，、]+", d.pop("households")) if n]
        found = list(Household.objects.filter(village_id=team.village_id, number__in=numbers))
        if len(found) != len(set(numbers)):
            missing = sorted(set(numbers) - {h.number for h in found})
            raise ValidationFailed({"households": [", ".join(missing)]})
        return services.ledger_add(actor=user, team=team, households=found, **d)

    def decide(d: dict[str, Any]):
        leave = Leave.objects.filter(team=team, pk=d["leave"]).first()
        if leave is None:
            raise Http404
        return services.leave_decide(actor=user, leave=leave, approve=d["approve"], note=d["note"])

    def receive(d: dict[str, Any]):
        report = QuarterlyReport.objects.filter(team=team, pk=d["report"]).first()
        if report is None:
            raise Http404
        return services.report_receive(actor=user, report=report)

    actions = {
        "add_member": Action(lambda: MemberAddForm(post, cadres=cadres), add_member),
        "end_term": Action(lambda: MemberEndForm(post), end_term),
        "diary": Action(
            lambda: DiaryForm(post), lambda d: services.diary_add(actor=user, team=team, **d)
        ),
        "ledger": Action(lambda: LedgerForm(post), ledger),
        "report": Action(
            lambda: ReportForm(post), lambda d: services.report_submit(actor=user, team=team, **d)
        ),
        "receive": Action(lambda: ReceiveForm(post), receive, run_invalid=True),
        "decide": Action(lambda: LeaveDecideForm(post), decide, run_invalid=True),
    }
    forms: dict[str, BaseForm] = {
        "add_member": MemberAddForm(cadres=cadres, initial={"start_date": today}),
        "diary": DiaryForm(initial={"date": today}),
        "ledger": LedgerForm(initial={"date": today}),
        "report": ReportForm(initial={"year": today.year, "quarter": (today.month - 1) // 3 + 1}),
    }
    if request.method == "POST":
        outcome = dispatch_action(request, actions)
        if outcome.done is not None:
            return redirect("teams:team", pk=team.pk)
        forms[outcome.name] = outcome.form
    start, end = selectors.month_span(today)
    rates = selectors.attendance_rates(team.village_id, start, end)
    status = selectors.roster([team], today)[0]
    fs = selectors.first_secretary_on(team, today)
    own = bool(fs and fs.cadre.user_id == user.pk)
    return render_page(
        request,
        "teams/team_detail.html",
        {
            "team": team,
            "status": status,
            "terms": terms,
            "month": start,
            "team_days": rates.teams.get(team.pk),
            "member_days": [(t, rates.members.get(t.cadre_id)) for t in status.terms],
            "leaves": selectors.leaves(team)[:20],
            "records": selectors.records(team),
            "forms": forms,
            "may_edit": may_edit_in(user, team.village_id),
            "may_write": own or authority.may(user, "team.write_for_secretary", team.village_id),
            "may_decide": authority.may(user, "team.leave_decide", team.village_id),
            "may_receive": authority.may(user, "team.report_receive", team.village_id),
            "today": today,
        },
    )


def _members_for(user, team, day):
    """The members the user may record for: all of them for an office user the table
    allows, otherwise only the user's own cadre."""
    terms = selectors.terms_on(team, day)
    if authority.may(user, "team.record_for", team.village_id):
        return terms
    return [t for t in terms if t.cadre.user_id == user.pk]


@login_required
def checkin(request, pk: int):
    user = request.user
    team = _team(request, pk)
    today = timezone.localdate()
    members = _members_for(user, team, today)
    form = CheckInForm(request.POST or None, members=members, initial={"date": today})
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        cadre = next(t.cadre for t in members if t.cadre_id == d.pop("cadre"))
        row = call_service(form, services.checkin_record, actor=user, team=team, cadre=cadre, **d)
        if row is not None:
            return redirect("teams:checkin", pk=team.pk)
    return render_page(
        request,
        "teams/checkin.html",
        {
            "team": team,
            "form": form,
            "members": members,
            "rows": selectors.checkins(team, today - dt.timedelta(days=13), today)[:60],
        },
    )


@login_required
def leave(request, pk: int):
    user = request.user
    team = _team(request, pk)
    today = timezone.localdate()
    members = _members_for(user, team, today)
    form = LeaveForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        cadre = next(t.cadre for t in members if t.cadre_id == d.pop("cadre"))
        row = call_service(form, services.leave_request, actor=user, team=team, cadre=cadre, **d)
        if row is not None:
            return redirect("teams:team", pk=team.pk)
    return render_page(
        request,
        "teams/leave.html",
        {"team": team, "form": form, "members": members, "leaves": selectors.leaves(team)},
    )


@dataclass(frozen=True)
class TownshipRow:
    code: str
    name: str
    teams: int
    days: Days


@dataclass(frozen=True)
class UnderRow:
    cadre: Cadre
    team_id: int
    village: str
    township: str
    days: Days


def _attendance_rows(
    user, month: dt.date
) -> tuple[selectors.AttendanceRates, list[TownshipRow], list[UnderRow], Days]:
    start, end = selectors.month_span(month)
    rates = selectors.rates_for(user, start, end)
    townships = rates.by_township()
    names = dict(Division.objects.filter(code__in=townships).values_list("code", "name"))
    teams_per: dict[str, int] = {}
    for village in rates.villages.values():
        code = village[:9] + "000"
        teams_per[code] = teams_per.get(code, 0) + 1
    rows = sorted(
        (
            TownshipRow(code, names.get(code, code), teams_per[code], d)
            for code, d in townships.items()
        ),
        key=lambda r: (r.days.rate is None, -(r.days.rate or 0), r.code),
    )
    under_terms = [t for t in rates.terms if t.days.under]
    cadres = Cadre.objects.in_bulk([t.cadre_id for t in under_terms])
    villages = dict(
        Division.objects.filter(code__in=set(rates.villages.values())).values_list("code", "name")
    )
    under = sorted(
        (
            UnderRow(
                cadres[t.cadre_id],
                t.team_id,
                villages.get(rates.villages[t.team_id], ""),
                names.get(rates.villages[t.team_id][:9] + "000", ""),
                t.days,
            )
            for t in under_terms
        ),
        key=lambda r: (r.days.rate or 0, r.cadre.name),
    )
    total = sum(rates.teams.values(), Days())
    return rates, rows, under, total


@capability_required(Capability.VIEW_REGISTRY)
def attendance(request):
    month = _month(request)
    rates, rows, under, total = _attendance_rows(request.user, month)
    return render_page(
        request,
        "teams/attendance.html",
        {
            "form": MonthForm(initial={"month": month}),
            "month": month,
            "rates": rates,
            "rows": rows,
            "under": under,
            "total": total,
            "may_export": has_capability(request.user, Capability.EXPORT_AREA),
        },
    )


@capability_required(Capability.EXPORT_AREA)
def attendance_export(request):
    month = _month(request)
    _rates, rows, under, total = _attendance_rows(request.user, month)
    data = reports.attendance_workbook(month, rows, under, total)
    response = HttpResponse(data, content_type=XLSX)
    name = f"attendance-{month:%Y-%m}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@capability_required(Capability.VIEW_REGISTRY)
def rules(request):
    user = request.user
    may_set = has_capability(user, Capability.CONFIGURE) and bool(user.area_id)
    regions = []
    if may_set:
        regions = [(user.area_id, user.area.name)]
        # The user's area and the townships below it (villages follow their township).
        regions += [(code, n) for code, n in queries.area_choices(user) if code.endswith("000")]
    form = RulesForm(
        request.POST or None,
        regions=regions,
        initial={
            "effective_from": timezone.localdate(),
            "min_members": 3,
            "rotation_months": 12,
            "required_days": 20,
            "needs_first_secretary": True,
            "needs_leader": True,
        },
    )
    if request.method == "POST":
        if not may_set:
            raise Http404
        if form.is_valid():
            d = dict(form.cleaned_data)
            row = call_service(
                form, services.rules_save, actor=user, region_code=d.pop("region"), **d
            )
            if row is not None:
                return redirect("teams:rules")
    code = user.area_id or ""
    in_force = selectors.rules_for(code, timezone.localdate()) if code else selectors.Rules()
    return render_page(
        request,
        "teams/rules.html",
        {
            "versions": selectors.rules_versions(user),
            "form": form if may_set else None,
            "in_force": in_force,
            "above": ancestor_codes(code) if code else [],
        },
    )
