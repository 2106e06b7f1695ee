"""GET /education/aids and /education/dropouts: the education-aid ledger's benefits and
dropout cases in the user's area (read only: rows are written through the pages and the
workbook import, under the services' rules), keyset paged like the households. The
student's ID number is masked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Query, Router, Schema

from fupin.api.auth import current_user
from fupin.api.queries import keyset
from fupin.api.schemas import MAX_ID, IdPageQuery
from fupin.core.masking import mask_id_number
from fupin.education import selectors
from fupin.programmes.paging import in_division

router = Router(tags=["education"])

AREA = Field("", pattern=r"^\d{0,12}$", description="Division code or code prefix.")


class AidQuery(IdPageQuery):
    area: str = AREA
    kind: str = Field("", description="two_exemptions, grant, rainbow_plan")
    school_year: int | None = Field(
        None, ge=2000, le=2100, description="The year the school year starts in."
    )
    household: int | None = Field(None, ge=1, le=MAX_ID, description="Household id.")


class AidOut(Schema):
    id: int
    household: int
    village: str
    student_name: str
    student_id_number: str = Field(description="masked")
    kind: str
    kind_label: str
    stage: str
    school: str
    school_year: int
    term: str
    amount: Decimal
    paid_on: dt.date


class AidPage(Schema):
    items: list[AidOut]
    next_after: int | None


@router.get("/education/aids", response=AidPage, summary="Student benefits in your area")
def aid_list(request, filters: Query[AidQuery]):
    qs = selectors.aids(current_user(request)).select_related("member")
    qs = in_division(qs, "village__code", filters.area)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.school_year is not None:
        qs = qs.filter(school_year=filters.school_year)
    if filters.household is not None:
        qs = qs.filter(household_id=filters.household)
    page = keyset(qs, "id", filters.after, filters.limit)
    items = [
        {
            "id": row.pk,
            "household": row.household_id,
            "village": row.village_id,
            "student_name": row.member.name,
            "student_id_number": mask_id_number(row.member.id_number),
            "kind": row.kind,
            "kind_label": row.get_kind_display(),
            "stage": row.stage,
            "school": row.school,
            "school_year": row.school_year,
            "term": row.term,
            "amount": row.amount,
            "paid_on": row.paid_on,
        }
        for row in page.items
    ]
    return {"items": items, "next_after": page.next_after}


class DropoutQuery(IdPageQuery):
    area: str = AREA
    status: str = Field("", description="open, returned, home, closed")
    household: int | None = Field(None, ge=1, le=MAX_ID, description="Household id.")


class DropoutOut(Schema):
    id: int
    household: int
    village: str
    child_name: str
    child_id_number: str = Field(description="masked")
    opened_on: dt.date
    school: str
    stage: str
    cause: str
    status: str
    status_label: str
    closed_on: dt.date | None
    returned_stage: str


class DropoutPage(Schema):
    items: list[DropoutOut]
    next_after: int | None


@router.get("/education/dropouts", response=DropoutPage, summary="Dropout cases in your area")
def dropout_list(request, filters: Query[DropoutQuery]):
    qs = selectors.dropouts(current_user(request)).select_related("member")
    qs = in_division(qs, "village__code", filters.area)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.household is not None:
        qs = qs.filter(household_id=filters.household)
    page = keyset(qs, "id", filters.after, filters.limit)
    items = [
        {
            "id": case.pk,
            "household": case.household_id,
            "village": case.village_id,
            "child_name": case.member.name,
            "child_id_number": mask_id_number(case.member.id_number),
            "opened_on": case.opened_on,
            "school": case.school,
            "stage": case.stage,
            "cause": case.cause,
            "status": case.status,
            "status_label": case.get_status_display(),
            "closed_on": case.closed_on,
            "returned_stage": case.returned_stage,
        }
        for case in page.items
    ]
    return {"items": items, "next_after": page.next_after}
