"""GET /health/covers and /health/reimbursements: the health-and-insurance ledger's cover
and reimbursements in the user's area (read only: rows are written through the pages and
the workbook import, under the services' rules), keyset paged like the households. The
person's ID number is masked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Query, Router, Schema

from fupin.api.auth import current_user
from fupin.api.queries import keyset
from fupin.api.schemas import MAX_ID, IdPageQuery
from fupin.core.masking import mask_id_number
from fupin.health import selectors
from fupin.programmes.paging import in_division

router = Router(tags=["health"])

AREA = Field("", pattern=r"^\d{0,12}$", description="Division code or code prefix.")


class CoverQuery(IdPageQuery):
    area: str = AREA
    year: int | None = Field(None, ge=2000, le=2100, description="Year covered.")
    kind: str = Field("", description="basic, serious, commercial, prevention")
    household: int | None = Field(None, ge=1, le=MAX_ID, description="Household id.")


class CoverOut(Schema):
    id: int
    household: int
    village: str
    person_name: str
    person_id_number: str = Field(description="masked")
    year: int
    kind: str
    kind_label: str
    insured_on: dt.date
    insurer: str
    premium: Decimal
    subsidy: Decimal


class CoverPage(Schema):
    items: list[CoverOut]
    next_after: int | None


@router.get("/health/covers", response=CoverPage, summary="Insurance cover in your area")
def cover_list(request, filters: Query[CoverQuery]):
    qs = selectors.covers(current_user(request)).select_related("member")
    qs = in_division(qs, "village__code", filters.area)
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.household is not None:
        qs = qs.filter(household_id=filters.household)
    page = keyset(qs, "id", filters.after, filters.limit)
    items = [
        {
            "id": row.pk,
            "household": row.household_id,
            "village": row.village_id,
            "person_name": row.member.name,
            "person_id_number": mask_id_number(row.member.id_number),
            "year": row.year,
            "kind": row.kind,
            "kind_label": row.get_kind_display(),
            "insured_on": row.insured_on,
            "insurer": row.insurer,
            "premium": row.premium,
            "subsidy": row.subsidy,
        }
        for row in page.items
    ]
    return {"items": items, "next_after": page.next_after}


class ReimbursementQuery(IdPageQuery):
    area: str = AREA
    year: int | None = Field(None, ge=2000, le=2100, description="Year of settlement.")
    household: int | None = Field(None, ge=1, le=MAX_ID, description="Household id.")


class ReimbursementOut(Schema):
    id: int
    number: str
    household: int
    village: str
    patient_name: str
    patient_id_number: str = Field(description="masked")
    hospital: str
    admitted_on: dt.date
    settled_on: dt.date
    total_cost: Decimal
    basic_paid: Decimal
    serious_paid: Decimal
    assistance_paid: Decimal
    commercial_paid: Decimal
    prevention_paid: Decimal
    other_paid: Decimal
    out_of_pocket: Decimal


class ReimbursementPage(Schema):
    items: list[ReimbursementOut]
    next_after: int | None


@router.get(
    "/health/reimbursements",
    response=ReimbursementPage,
    summary="Medical reimbursements in your area",
)
def reimbursement_list(request, filters: Query[ReimbursementQuery]):
    qs = selectors.reimbursements(current_user(request)).select_related("member")
    qs = in_division(qs, "village__code", filters.area)
    if filters.year is not None:
        qs = qs.filter(settled_on__year=filters.year)
    if filters.household is not None:
        qs = qs.filter(household_id=filters.household)
    page = keyset(qs, "id", filters.after, filters.limit)
    items = [
        {
            "id": row.pk,
            "number": row.number,
            "household": row.household_id,
            "village": row.village_id,
            "patient_name": row.member.name,
            "patient_id_number": mask_id_number(row.member.id_number),
            "hospital": row.hospital,
            "admitted_on": row.admitted_on,
            "settled_on": row.settled_on,
            "total_cost": row.total_cost,
            "basic_paid": row.basic_paid,
            "serious_paid": row.serious_paid,
            "assistance_paid": row.assistance_paid,
            "commercial_paid": row.commercial_paid,
            "prevention_paid": row.prevention_paid,
            "other_paid": row.other_paid,
            "out_of_pocket": row.out_of_pocket,
        }
        for row in page.items
    ]
    return {"items": items, "next_after": page.next_after}
