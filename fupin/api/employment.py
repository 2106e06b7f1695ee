"""GET /posts, /post-holdings, /placements: the posts and employment ledgers in the
user's area (read only: written through the pages and the workbook import, under the
services' rules), keyset paged like the households. ID numbers are masked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Query, Router, Schema

from fupin.api.auth import current_user
from fupin.api.queries import keyset
from fupin.api.schemas import MAX_ID, IdPageQuery
from fupin.core.masking import mask_id_number
from fupin.employment import selectors
from fupin.programmes.paging import in_division

router = Router(tags=["employment"])


class AreaQuery(IdPageQuery):
    area: str = Field("", pattern=r"^\d{0,12}$", description="Division code or code prefix.")


class PostQuery(AreaQuery):
    kind: str = Field("", description="forest_ranger, cleaner, road_keeper, …")


class PostOut(Schema):
    id: int
    code: str
    kind: str
    kind_label: str
    unit: str
    village: str
    monthly_pay: Decimal
    funding: str
    opened_on: dt.date
    closed_on: dt.date | None


class PostPage(Schema):
    items: list[PostOut]
    next_after: int | None


@router.get("/posts", response=PostPage, summary="Public-welfare posts in your area")
def post_list(request, filters: Query[PostQuery]):
    qs = in_division(selectors.posts(current_user(request)), "village__code", filters.area)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    page = keyset(qs, "id", filters.after, filters.limit)
    items = [
        {
            "id": p.pk,
            "code": p.code,
            "kind": p.kind,
            "kind_label": p.get_kind_display(),
            "unit": p.unit,
            "village": p.village_id,
            "monthly_pay": p.monthly_pay,
            "funding": p.funding,
            "opened_on": p.opened_on,
            "closed_on": p.closed_on,
        }
        for p in page.items
    ]
    return {"items": items, "next_after": page.next_after}


class HoldingQuery(AreaQuery):
    status: str = Field("", description="proposed, approved, refused")
    household: int | None = Field(None, ge=1, le=MAX_ID, description="Household id.")


class HoldingOut(Schema):
    id: int
    post: int
    post_code: str
    household: int
    village: str
    holder_name: str
    holder_id_number: str = Field(description="masked")
    status: str
    start_on: dt.date
    decided_on: dt.date | None
    end_on: dt.date | None
    end_reason: str


class HoldingPage(Schema):
    items: list[HoldingOut]
    next_after: int | None


@router.get("/post-holdings", response=HoldingPage, summary="Public-welfare post holders")
def holding_list(request, filters: Query[HoldingQuery]):
    qs = in_division(selectors.holdings(current_user(request)), "village__code", filters.area)
    qs = qs.select_related("post", "member")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.household is not None:
        qs = qs.filter(household_id=filters.household)
    page = keyset(qs, "id", filters.after, filters.limit)
    items = [
        {
            "id": h.pk,
            "post": h.post_id,
            "post_code": h.post.code,
            "household": h.household_id,
            "village": h.village_id,
            "holder_name": h.member.name if h.member else "",
            "holder_id_number": mask_id_number(h.member.id_number) if h.member else "",
            "status": h.status,
            "start_on": h.start_on,
            "decided_on": h.decided_on,
            "end_on": h.end_on,
            "end_reason": h.end_reason,
        }
        for h in page.items
    ]
    return {"items": items, "next_after": page.next_after}


class PlacementQuery(AreaQuery):
    kind: str = Field("", description="migrant, local, workshop, self_employed")
    household: int | None = Field(None, ge=1, le=MAX_ID, description="Household id.")


class PlacementOut(Schema):
    id: int
    household: int
    village: str
    worker_name: str
    worker_id_number: str = Field(description="masked")
    kind: str
    employer: str
    place: str
    place_scope: str
    start_on: dt.date
    end_on: dt.date | None
    monthly_income: Decimal


class PlacementPage(Schema):
    items: list[PlacementOut]
    next_after: int | None


@router.get("/placements", response=PlacementPage, summary="Jobs and migrant work")
def placement_list(request, filters: Query[PlacementQuery]):
    qs = in_division(selectors.placements(current_user(request)), "village__code", filters.area)
    qs = qs.select_related("member")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.household is not None:
        qs = qs.filter(household_id=filters.household)
    page = keyset(qs, "id", filters.after, filters.limit)
    items = [
        {
            "id": p.pk,
            "household": p.household_id,
            "village": p.village_id,
            "worker_name": p.member.name if p.member else "",
            "worker_id_number": mask_id_number(p.member.id_number) if p.member else "",
            "kind": p.kind,
            "employer": p.employer,
            "place": p.place,
            "place_scope": p.place_scope,
            "start_on": p.start_on,
            "end_on": p.end_on,
            "monthly_income": p.monthly_income,
        }
        for p in page.items
    ]
    return {"items": items, "next_after": page.next_after}
