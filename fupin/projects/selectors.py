"""Reads of the project library. Page selectors take the user (scope applied once);
`execution_rate` and `overdue_projects` take an area code and are the contract other
apps (scoring, performance assessment) call.

Definitions (one place):

- **Budget** of a project: the sum of its budget lines (money committed from fund
  allocations). **Disbursed**: the sum of what was paid against them.
- **Execution rate** (资金执行率 / 支出进度) = disbursed ÷ budget, over the projects
  counted (rejected projects excluded); None when there is no budget.
- **Overdue** (逾期): the scheduled end has passed (`ends_on < today`) and the project is
  not yet accepted — its state is proposed, reviewed, approved or in progress.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from fupin.accounts.models import User
from fupin.core.scope import RestrictedQuerySet, code_range
from fupin.funds.models import BudgetLine, Disbursement
from fupin.funds.selectors import rate as rate  # the execution rate, defined once in funds
from fupin.geo.codes import significant_prefix
from fupin.geo.models import PREFIX_LENGTH, Division, Level
from fupin.projects.models import LIVE_STATES, OPEN_STATES, Project, ProjectState
from fupin.registry import panels
from fupin.registry.models import Household

if TYPE_CHECKING:  # a name of django-stubs only
    from django_stubs_ext import WithAnnotations

ZERO = Decimal("0.00")


class Money(TypedDict):
    """What `with_money` annotates a project with."""

    budget: Decimal
    disbursed: Decimal


type ProjectWithMoney = WithAnnotations[Project, Money]


def with_money(qs: QuerySet[Project]) -> QuerySet[ProjectWithMoney]:
    """Annotate projects with `budget` and `disbursed` (subqueries: no row multiplication)."""
    lines = BudgetLine.objects.filter(project=OuterRef("pk")).order_by().values("project")
    dec = DecimalField(max_digits=16, decimal_places=2)
    return qs.annotate(
        budget=Coalesce(
            Subquery(lines.annotate(t=Sum("amount")).values("t"), output_field=dec),
            Value(ZERO),
            output_field=dec,
        ),
        disbursed=Coalesce(
            Subquery(lines.annotate(t=Sum("disbursed")).values("t"), output_field=dec),
            Value(ZERO),
            output_field=dec,
        ),
    )


def _in_area(qs: RestrictedQuerySet[Project], area_code: str) -> RestrictedQuerySet[Project]:
    prefix = significant_prefix((area_code or "").strip())
    return qs.in_area(prefix) if prefix else qs


def execution_rate(area_code: str, year: int) -> Decimal | None:
    """Execution rate (disbursed ÷ budget) of the area's projects of that year; None when
    they have no budget. `area_code` is a 12-digit division code or a prefix."""
    lines = BudgetLine.objects.filter(project__year=year, project__state__in=LIVE_STATES).in_area(
        significant_prefix(area_code)
    )
    totals = lines.aggregate(budget=Sum("amount"), disbursed=Sum("disbursed"))
    return rate(totals["disbursed"], totals["budget"])


def overdue_projects(area_code: str, today: dt.date) -> RestrictedQuerySet[Project]:
    """Projects of the area past their scheduled end and not yet accepted (see above),
    the most overdue first."""
    qs = Project.objects.filter(state__in=OPEN_STATES, ends_on__lt=today)
    return _in_area(qs, area_code).order_by("ends_on", "id")


def is_overdue(project: Project, today: dt.date) -> bool:
    return project.state in OPEN_STATES and project.ends_on < today


@dataclass
class ProjectFilters:
    state: str = ""
    type: str = ""
    village: str = ""
    year: int | None = None
    overdue: bool = False
    q: str = ""


def project_queryset(user: User) -> RestrictedQuerySet[Project]:
    return Project.objects.restrict(user)


def project_list(
    *, user: User, filters: ProjectFilters | None = None, today: dt.date
) -> QuerySet[ProjectWithMoney]:
    f = filters or ProjectFilters()
    qs = project_queryset(user).select_related("area")
    if f.state:
        qs = qs.filter(state=f.state)
    if f.type:
        qs = qs.filter(type=f.type)
    if f.village:
        qs = qs.filter(villages__code__range=code_range(significant_prefix(f.village))).distinct()
    if f.year:
        qs = qs.filter(year=f.year)
    if f.overdue:
        qs = qs.filter(state__in=OPEN_STATES, ends_on__lt=today)
    if f.q:
        qs = qs.filter(Q(name__icontains=f.q) | Q(responsible_unit__icontains=f.q))
    return with_money(qs).order_by("-year", "area_id", "id")


def project_get(*, user: User, pk: int) -> ProjectWithMoney:
    project = (
        with_money(project_queryset(user))
        .select_related("area", "proposed_by")
        .filter(pk=pk)
        .first()
    )
    if project is None:
        raise Http404
    return project


@dataclass(frozen=True)
class HouseholdProject:
    project: Project
    visible: bool  # the project itself lies in the user's area (its page opens)


# The household page's flag: whether the household is a beneficiary of any project
# (registry.panels).
PANEL_PROJECTS = "panel_projects"


def household_projects(*, user: User, household: Household) -> list[HouseholdProject]:
    """The projects a household is an expected beneficiary of, for its page. The caller
    has already opened the household (in scope); a project spanning several villages
    belongs to their township, so a village user sees it listed but not linked."""
    if not panels.may_have(household, PANEL_PROJECTS):
        return []  # the page read that it is a beneficiary of none
    # One query: whether each project is in the user's scope is a subquery of its row.
    mine = project_queryset(user)
    in_scope = Value(False) if mine.query.is_empty() else Exists(mine.filter(pk=OuterRef("pk")))
    projects = (
        with_money(Project.objects.filter(beneficiaries=household))
        .annotate(in_scope=in_scope)
        .order_by("-year", "id")
    )
    return [HouseholdProject(project=p, visible=p.in_scope) for p in projects]


def project_steps(project: Project) -> list[Any]:
    return list(project.steps.select_related("actor").order_by("done_at", "id"))


def budget_lines(project: Project) -> list[BudgetLine]:
    return list(
        project.budget_lines.select_related(
            "allocation", "allocation__source", "allocation__area"
        ).order_by("allocation__source__kind", "id")
    )


def disbursements(project: Project) -> list[Any]:
    return list(
        Disbursement.objects.filter(line__project=project)
        .select_related("line__allocation__source")
        .order_by("-paid_on", "-id")
    )


@dataclass
class AreaRate:
    code: str
    name: str
    projects: int
    overdue: int
    budget: Decimal
    disbursed: Decimal

    @property
    def rate(self) -> Decimal | None:
        return rate(self.disbursed, self.budget)


def rates_by_child_area(*, user: User, year: int | None, today: dt.date) -> list[AreaRate]:
    """Per area one level below the user's (county → townships, township → villages):
    projects, overdue, budget, disbursed and execution rate. One query; projects whose
    area is the user's own area (spanning several children) are not in any row."""
    area = user.area
    if area is None or area.level >= Level.VILLAGE:
        return []
    children = {d.prefix: d for d in Division.objects.filter(parent=area).order_by("code")}
    if not children:
        return []
    n = PREFIX_LENGTH[area.level + 1]
    qs = project_queryset(user).filter(state__in=LIVE_STATES)
    if year:
        qs = qs.filter(year=year)
    rows: dict[str, AreaRate] = {}
    for code, state, ends_on, budget, disbursed in with_money(qs).values_list(
        "area_id", "state", "ends_on", "budget", "disbursed"
    ):
        child = children.get(code[:n])
        if child is None:
            continue
        row = rows.get(child.prefix)
        if row is None:
            row = rows[child.prefix] = AreaRate(child.code, child.name, 0, 0, ZERO, ZERO)
        row.projects += 1
        row.overdue += state in OPEN_STATES and ends_on < today
        row.budget += budget or ZERO
        row.disbursed += disbursed or ZERO
    return [rows[p] for p in children if p in rows]


# ---------------------------------------------------------------- public disclosure

PUBLIC_STATES = (ProjectState.DISCLOSED,)


@dataclass
class PublicProject:
    """What the public page shows of a project: no names, ID numbers or phones of
    beneficiaries — only how many households are expected to benefit."""

    name: str
    type_label: str
    villages: str
    year: int
    responsible_unit: str
    starts_on: dt.date
    ends_on: dt.date
    budget: Decimal
    disbursed: Decimal
    by_source: list[tuple[str, Decimal]]
    households: int


def public_projects(prefix: str) -> list[PublicProject]:
    """Disclosed projects whose villages lie in the area (a village's page lists the
    projects that include it, also those spanning several villages)."""
    lo, hi = code_range(prefix)
    qs = (
        Project.objects.filter(state__in=PUBLIC_STATES, villages__code__range=(lo, hi))
        .distinct()
        .prefetch_related("villages", "budget_lines__allocation__source")
        .annotate(households=Count("beneficiary", distinct=True))
        .order_by("-year", "name", "id")
    )
    out = []
    for p in qs:
        by_source: dict[str, Decimal] = {}
        budget = disbursed = ZERO
        for line in p.budget_lines.all():
            name = line.allocation.source.name
            by_source[name] = by_source.get(name, ZERO) + line.amount
            budget += line.amount
            disbursed += line.disbursed
        out.append(
            PublicProject(
                name=p.name,
                type_label=str(p.get_type_display()),
                villages="、".join(v.name for v in sorted(p.villages.all(), key=lambda v: v.code)),
                year=p.year,
                responsible_unit=p.responsible_unit,
                starts_on=p.starts_on,
                ends_on=p.ends_on,
                budget=budget,
                disbursed=disbursed,
                by_source=sorted(by_source.items()),
                households=p.households,
            )
        )
    return out


def public_villages(county: Division) -> list[tuple[Division, int]]:
    """Villages of a county (with their township) that have disclosed projects, and how
    many."""
    lo, hi = code_range(county.prefix)
    counts = (
        Project.objects.filter(state__in=PUBLIC_STATES, villages__code__range=(lo, hi))
        .values("villages__code")
        .annotate(n=Count("id", distinct=True))
    )
    by_code = {r["villages__code"]: r["n"] for r in counts}
    villages = Division.objects.filter(code__in=by_code).select_related("parent").order_by("code")
    return [(v, by_code[v.code]) for v in villages]


def public_counties() -> list[Division]:
    codes = {
        c[:6]
        for c in Project.objects.filter(state__in=PUBLIC_STATES).values_list("area_id", flat=True)
    }
    return list(
        Division.objects.filter(
            level=Level.COUNTY, code__in=[c + "000000" for c in codes]
        ).order_by("code")
    )
