"""Reads of funds, scoped to the user's area. Execution rate = disbursed ÷ committed
budget: `rate` is its one definition (projects, the API and scoring use it)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from django.db.models import QuerySet, Sum
from django.http import Http404

from fupin.accounts.models import User
from fupin.funds.models import ZERO, Allocation, BudgetLine, FundSource


class FundedProject(Protocol):
    """What funds reads of a project (projects imports funds, never the reverse)."""

    @property
    def year(self) -> int: ...
    @property
    def area_id(self) -> str: ...
    @property
    def type(self) -> str: ...


RATE_PLACES = Decimal("0.0001")


def rate(disbursed: Decimal | None, budget: Decimal | None) -> Decimal | None:
    """disbursed ÷ budget to 4 places (0.8523 = 85.23%), None without a budget."""
    if not budget:
        return None
    return (Decimal(disbursed or 0) / Decimal(budget)).quantize(RATE_PLACES, ROUND_HALF_UP)


def allocation_list(
    *, user: User, year: int | None = None, source: int | None = None
) -> QuerySet[Any]:
    qs = Allocation.objects.restrict(user).select_related("source", "area")
    if year:
        qs = qs.filter(year=year)
    if source:
        qs = qs.filter(source_id=source)
    return qs.order_by("-year", "area_id", "source__kind", "source__name", "id")


def allocation_get(*, user: User, pk: int) -> Allocation:
    alloc: Allocation | None = allocation_list(user=user).filter(pk=pk).first()
    if alloc is None:
        raise Http404
    return alloc


def allocation_lines(allocation: Allocation) -> list[BudgetLine]:
    return list(
        allocation.budget_lines.select_related("project", "project__area").order_by(
            "project__area_id", "project_id"
        )
    )


def allocations_for_project(*, user: User, project: FundedProject) -> list[Allocation]:
    """Allocations a project may draw on: same year, allowed use, covering its area."""
    out = []
    for a in allocation_list(user=user, year=project.year):
        if project.area_id.startswith(a.area.prefix) and a.allows(project.type):
            out.append(a)
    return out


def years(*, user: User) -> list[int]:
    return sorted(
        set(Allocation.objects.restrict(user).values_list("year", flat=True)), reverse=True
    )


@dataclass
class SourceTotal:
    source: FundSource
    amount: Decimal
    committed: Decimal
    disbursed: Decimal

    @property
    def balance(self) -> Decimal:
        return self.amount - self.committed

    @property
    def rate(self) -> Decimal | None:
        return rate(self.disbursed, self.committed)


def totals_by_source(*, user: User, year: int | None = None) -> list[SourceTotal]:
    rows = (
        allocation_list(user=user, year=year)
        .order_by()
        .values("source")
        .annotate(a=Sum("amount"), c=Sum("committed"), d=Sum("disbursed"))
    )
    sources = {s.pk: s for s in FundSource.objects.all()}
    out = [
        SourceTotal(sources[r["source"]], r["a"] or ZERO, r["c"] or ZERO, r["d"] or ZERO)
        for r in rows
    ]
    return sorted(out, key=lambda t: (t.source.kind, t.source.name))


def sources() -> list[FundSource]:
    return list(FundSource.objects.order_by("kind", "name"))
