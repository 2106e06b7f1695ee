"""GET /allocations: the fund allocations (资金分配) of the user's area with what is
committed to projects, paid out and still free. Read only: money moves on the pages,
under the funds services' locks."""

from __future__ import annotations

from decimal import Decimal

from ninja import Field, Query, Router, Schema

from fupin.api.auth import current_user
from fupin.api.queries import keyset
from fupin.api.schemas import MAX_ID, IdPageQuery
from fupin.funds import selectors
from fupin.funds.selectors import rate

router = Router(tags=["funds"])


class AllocationQuery(IdPageQuery):
    year: int | None = Field(None, ge=2000, le=2100)
    source: int | None = Field(None, ge=1, le=MAX_ID, description="a fund source's id")


class AllocationOut(Schema):
    id: int
    source: str
    source_kind: str
    source_kind_label: str
    area: str
    area_name: str
    year: int
    document: str
    allowed_uses: list[str] = Field(description="project types it may pay for; empty: any")
    amount: Decimal
    committed: Decimal = Field(description="budgeted to projects")
    disbursed: Decimal = Field(description="paid out")
    balance: Decimal = Field(description="amount not yet committed")
    execution_rate: Decimal | None = Field(description="disbursed ÷ committed")


class AllocationPage(Schema):
    items: list[AllocationOut]
    next_after: int | None


@router.get("/allocations", response=AllocationPage, summary="Fund allocations in your area")
def allocation_list(request, filters: Query[AllocationQuery]):
    qs = selectors.allocation_list(
        user=current_user(request), year=filters.year, source=filters.source
    )
    page = keyset(qs, "id", filters.after, filters.limit)
    items = [
        {
            "id": a.pk,
            "source": a.source.name,
            "source_kind": a.source.kind,
            "source_kind_label": a.source.get_kind_display(),
            "area": a.area_id,
            "area_name": a.area.name,
            "year": a.year,
            "document": a.document,
            "allowed_uses": list(a.allowed_uses or []),
            "amount": a.amount,
            "committed": a.committed,
            "disbursed": a.disbursed,
            "balance": a.balance,
            "execution_rate": rate(a.disbursed, a.committed),
        }
        for a in page.items
    ]
    return {"items": items, "next_after": page.next_after}
