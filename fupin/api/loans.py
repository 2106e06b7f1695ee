"""GET /loans: the microcredit ledger's loans in the user's area (read only: loans are
written through the pages and the workbook import, under the services' rules), keyset
paged like the households. The borrower's ID number is masked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Query, Router, Schema

from fupin.api.auth import current_user
from fupin.api.queries import keyset
from fupin.api.schemas import MAX_ID, IdPageQuery
from fupin.core.masking import mask_id_number
from fupin.core.scope import code_range
from fupin.geo.codes import significant_prefix
from fupin.microcredit import selectors

router = Router(tags=["microcredit"])


class LoanQuery(IdPageQuery):
    area: str = Field("", pattern=r"^\d{0,12}$", description="Division code or code prefix.")
    status: str = Field("", description="current, overdue, repaid, extended, written_off")
    bank: str = Field("", max_length=60)
    household: int | None = Field(None, ge=1, le=MAX_ID, description="Household id.")


class LoanOut(Schema):
    id: int
    number: str
    household: int
    village: str
    borrower_name: str
    borrower_id_number: str = Field(description="masked")
    bank: str
    amount: Decimal
    term_months: int
    annual_rate: Decimal
    subsidy_rate: Decimal
    credit_rating: str
    purpose: str
    disbursed_on: dt.date
    due_on: dt.date
    status: str
    status_label: str


class LoanPage(Schema):
    items: list[LoanOut]
    next_after: int | None


@router.get("/loans", response=LoanPage, summary="Microcredit loans in your area")
def loan_list(request, filters: Query[LoanQuery]):
    qs = selectors.loans(current_user(request)).select_related("member")
    if filters.area:
        qs = qs.filter(village__code__range=code_range(significant_prefix(filters.area)))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.bank:
        qs = qs.filter(bank=filters.bank)
    if filters.household is not None:
        qs = qs.filter(household_id=filters.household)
    page = keyset(qs, "id", filters.after, filters.limit)
    items = [
        {
            "id": loan.pk,
            "number": loan.number,
            "household": loan.household_id,
            "village": loan.village_id,
            "borrower_name": loan.member.name if loan.member else "",
            "borrower_id_number": mask_id_number(loan.member.id_number) if loan.member else "",
            "bank": loan.bank,
            "amount": loan.amount,
            "term_months": loan.term_months,
            "annual_rate": loan.annual_rate,
            "subsidy_rate": loan.subsidy_rate,
            "credit_rating": loan.credit_rating,
            "purpose": loan.purpose,
            "disbursed_on": loan.disbursed_on,
            "due_on": loan.due_on,
            "status": loan.status,
            "status_label": loan.get_status_display(),
        }
        for loan in page.items
    ]
    return {"items": items, "next_after": page.next_after}
