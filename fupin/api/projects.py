"""GET /projects, GET /projects/{id}: the project library (项目库) in the user's area,
with budget, disbursement and execution rate, for finance and partner systems. Read only:
projects move through their lifecycle on the pages, where each step is signed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from fupin.api.auth import current_user
from fupin.api.queries import keyset
from fupin.api.schemas import IdPageQuery
from fupin.projects import selectors
from fupin.projects.models import ProjectState, ProjectType

router = Router(tags=["projects"])
CENT = Decimal("0.01")


class ProjectQuery(IdPageQuery):
    state: ProjectState | None = Field(None, description="lifecycle state")
    type: ProjectType | None = Field(None, description="project type")
    year: int | None = Field(None, ge=2000, le=2100)
    village: str | None = Field(
        None, pattern=r"^\d{1,12}$", description="projects touching this division (code)"
    )
    overdue: bool = Field(False, description="past the scheduled end, not yet accepted")


class ProjectOut(Schema):
    id: int
    name: str
    type: str
    type_label: str
    state: str
    state_label: str
    area: str
    area_name: str
    villages: list[str]
    year: int
    responsible_unit: str
    starts_on: dt.date
    ends_on: dt.date
    budget: Decimal
    disbursed: Decimal
    execution_rate: Decimal | None = Field(description="disbursed ÷ budget (0.8523 = 85.23%)")
    overdue: bool


class ProjectPage(Schema):
    items: list[ProjectOut]
    next_after: int | None


class BudgetLineOut(Schema):
    source: str
    source_kind: str
    allocation_year: int
    amount: Decimal
    disbursed: Decimal


class StepOut(Schema):
    action: str
    from_state: str
    to_state: str
    actor_name: str
    done_at: dt.datetime


class ProjectDetailOut(ProjectOut):
    description: str
    beneficiary_households: int
    budget_lines: list[BudgetLineOut]
    steps: list[StepOut]


def _yuan(value) -> Decimal:
    """Money to the fen, as stored (SQLite's sums come back without decimals)."""
    return Decimal(value or 0).quantize(CENT)


def _out(p: selectors.ProjectWithMoney, today: dt.date, villages: list[str]) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "type": p.type,
        "type_label": p.get_type_display(),
        "state": p.state,
        "state_label": p.get_state_display(),
        "area": p.area_id,
        "area_name": p.area.name,
        "villages": villages,
        "year": p.year,
        "responsible_unit": p.responsible_unit,
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "budget": _yuan(p.budget),
        "disbursed": _yuan(p.disbursed),
        "execution_rate": selectors.rate(p.disbursed, p.budget),
        "overdue": selectors.is_overdue(p, today),
    }


@router.get("/projects", response=ProjectPage, summary="Projects in your area")
def project_list(request, filters: Query[ProjectQuery]):
    today = timezone.localdate()
    qs = selectors.project_list(
        user=current_user(request),
        filters=selectors.ProjectFilters(
            state=filters.state or "",
            type=filters.type or "",
            village=filters.village or "",
            year=filters.year,
            overdue=filters.overdue,
        ),
        today=today,
    ).prefetch_related("villages")
    page = keyset(qs, "id", filters.after, filters.limit)
    items = [_out(p, today, [v.code for v in p.villages.all()]) for p in page.items]
    return {"items": items, "next_after": page.next_after}


@router.get("/projects/{project_id}", response=ProjectDetailOut, summary="One project")
def project_detail(request, project_id: int):
    p = selectors.project_get(user=current_user(request), pk=project_id)
    out = _out(p, timezone.localdate(), list(p.villages.values_list("code", flat=True)))
    out["description"] = p.description
    out["beneficiary_households"] = p.beneficiaries.count()
    out["budget_lines"] = [
        {
            "source": line.allocation.source.name,
            "source_kind": line.allocation.source.kind,
            "allocation_year": line.allocation.year,
            "amount": line.amount,
            "disbursed": line.disbursed,
        }
        for line in selectors.budget_lines(p)
    ]
    out["steps"] = [
        {
            "action": s.action,
            "from_state": s.from_state,
            "to_state": s.to_state,
            "actor_name": s.actor_name,
            "done_at": s.done_at,
        }
        for s in selectors.project_steps(p)
    ]
    return out
