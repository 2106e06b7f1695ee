"""GET /resettlement-sites, /relocations: the relocation ledger in the user's area (read
only), keyset paged like the households. No personal data but the household's id."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Query, Router, Schema

from fupin.api.auth import current_user
from fupin.api.queries import keyset
from fupin.api.schemas import MAX_ID, IdPageQuery
from fupin.programmes.paging import in_division
from fupin.relocation import selectors

router = Router(tags=["relocation"])


class AreaQuery(IdPageQuery):
    area: str = Field("", pattern=r"^\d{0,12}$", description="Division code or code prefix.")


class SiteOut(Schema):
    id: int
    name: str
    kind: str
    village: str
    address: str
    homes: int
    capacity: int
    completed_on: dt.date | None


class SitePage(Schema):
    items: list[SiteOut]
    next_after: int | None


@router.get("/resettlement-sites", response=SitePage, summary="Resettlement sites in your area")
def site_list(request, filters: Query[AreaQuery]):
    qs = in_division(selectors.sites(current_user(request)), "village__code", filters.area)
    page = keyset(qs, "id", filters.after, filters.limit)
    items = [
        {
            "id": s.pk,
            "name": s.name,
            "kind": s.kind,
            "village": s.village_id,
            "address": s.address,
            "homes": s.homes,
            "capacity": s.capacity,
            "completed_on": s.completed_on,
        }
        for s in page.items
    ]
    return {"items": items, "next_after": page.next_after}


class RelocationQuery(AreaQuery):
    site: int | None = Field(None, ge=1, le=MAX_ID, description="Site id.")
    household: int | None = Field(None, ge=1, le=MAX_ID, description="Household id.")


class RelocationOut(Schema):
    id: int
    household: int
    village: str
    site: int
    people: int
    home: str
    home_area: Decimal
    handed_over_on: dt.date | None
    moved_in_on: dt.date | None
    old_house: str
    demolished_on: dt.date | None
    demolition_verified_on: dt.date | None


class RelocationPage(Schema):
    items: list[RelocationOut]
    next_after: int | None


@router.get("/relocations", response=RelocationPage, summary="Relocated households in your area")
def relocation_list(request, filters: Query[RelocationQuery]):
    qs = in_division(selectors.relocations(current_user(request)), "village__code", filters.area)
    if filters.site is not None:
        qs = qs.filter(site_id=filters.site)
    if filters.household is not None:
        qs = qs.filter(household_id=filters.household)
    page = keyset(qs, "id", filters.after, filters.limit)
    items = [
        {
            "id": r.pk,
            "household": r.household_id,
            "village": r.village_id,
            "site": r.site_id,
            "people": r.people,
            "home": r.home,
            "home_area": r.home_area,
            "handed_over_on": r.handed_over_on,
            "moved_in_on": r.moved_in_on,
            "old_house": r.old_house,
            "demolished_on": r.demolished_on,
            "demolition_verified_on": r.demolition_verified_on,
        }
        for r in page.items
    ]
    return {"items": items, "next_after": page.next_after}
