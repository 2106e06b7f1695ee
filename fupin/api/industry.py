"""GET /industry/enterprises, /industry/links, /industry/dividends and
/industry/purchases: the benefit-linking ledger in the user's area (read only: written
through the pages and the workbook import, under the services' rules), keyset paged like
the households. Households appear by id and number: nothing personal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Query, Router, Schema

from fupin.api.auth import current_user
from fupin.api.queries import keyset
from fupin.api.schemas import MAX_ID, IdPageQuery
from fupin.core.scope import code_range
from fupin.geo.codes import significant_prefix
from fupin.industry import selectors

router = Router(tags=["industry"])
AREA = Field("", pattern=r"^\d{0,12}$", description="Division code or code prefix.")


def _area(qs, lookup: str, area: str):
    if not area:
        return qs
    return qs.filter(**{f"{lookup}__range": code_range(significant_prefix(area))})


class EnterpriseQuery(IdPageQuery):
    area: str = AREA
    kind: str = Field("", description="enterprise, cooperative, family_farm")


class EnterpriseOut(Schema):
    id: int
    name: str
    credit_code: str
    kind: str
    sector: str
    area: str
    representative: str


class EnterprisePage(Schema):
    items: list[EnterpriseOut]
    next_after: int | None


@router.get(
    "/industry/enterprises",
    response=EnterprisePage,
    summary="Enterprises, cooperatives and family farms of your area",
)
def enterprise_list(request, filters: Query[EnterpriseQuery]):
    qs = _area(selectors.enterprises(current_user(request)), "division__code", filters.area)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    page = keyset(qs, "id", filters.after, filters.limit)
    items = [
        {
            "id": e.pk,
            "name": e.name,
            "credit_code": e.credit_code,
            "kind": e.kind,
            "sector": e.sector,
            "area": e.division_id,
            "representative": e.representative,
        }
        for e in page.items
    ]
    return {"items": items, "next_after": page.next_after}


class LinkQuery(IdPageQuery):
    area: str = AREA
    mode: str = Field("", description="direct, entrusted, shareholding, employment, order")
    status: str = Field("", description="proposed, confirmed, refused")
    household: int | None = Field(None, ge=1, le=MAX_ID, description="Household id.")


class LinkOut(Schema):
    id: int
    enterprise: str = Field(description="The enterprise's credit code.")
    household: int
    village: str
    mode: str
    starts_on: dt.date
    ends_on: dt.date | None
    amount: Decimal | None
    status: str


class LinkPage(Schema):
    items: list[LinkOut]
    next_after: int | None


@router.get(
    "/industry/links", response=LinkPage, summary="Benefit links of the households of your area"
)
def link_list(request, filters: Query[LinkQuery]):
    qs = _area(selectors.links(current_user(request)), "village__code", filters.area)
    qs = qs.select_related("enterprise")
    if filters.mode:
        qs = qs.filter(mode=filters.mode)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.household is not None:
        qs = qs.filter(household_id=filters.household)
    page = keyset(qs, "id", filters.after, filters.limit)
    items = [
        {
            "id": x.pk,
            "enterprise": x.enterprise.credit_code,
            "household": x.household_id,
            "village": x.village_id,
            "mode": x.mode,
            "starts_on": x.starts_on,
            "ends_on": x.ends_on,
            "amount": x.amount,
            "status": x.status,
        }
        for x in page.items
    ]
    return {"items": items, "next_after": page.next_after}


class DividendQuery(IdPageQuery):
    area: str = AREA
    year: int | None = Field(None, ge=1900, le=2200, description="Dividend year.")
    household: int | None = Field(None, ge=1, le=MAX_ID, description="Household id.")


class DividendOut(Schema):
    id: int
    link: int
    household: int
    village: str
    year: int
    amount: Decimal
    paid_on: dt.date


class DividendPage(Schema):
    items: list[DividendOut]
    next_after: int | None


@router.get(
    "/industry/dividends",
    response=DividendPage,
    summary="Dividends paid to the households of your area",
)
def dividend_list(request, filters: Query[DividendQuery]):
    qs = _area(selectors.dividends(current_user(request)), "village__code", filters.area)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.household is not None:
        qs = qs.filter(household_id=filters.household)
    page = keyset(qs, "id", filters.after, filters.limit)
    items = [
        {
            "id": d.pk,
            "link": d.link_id,
            "household": d.household_id,
            "village": d.village_id,
            "year": d.year,
            "amount": d.amount,
            "paid_on": d.paid_on,
        }
        for d in page.items
    ]
    return {"items": items, "next_after": page.next_after}


class PurchaseQuery(IdPageQuery):
    area: str = AREA
    year: int | None = Field(None, ge=1900, le=2200, description="Purchases of this year.")


class PurchaseOut(Schema):
    id: int
    buyer: str
    product: str
    supplier_enterprise: str | None = Field(description="The enterprise's credit code.")
    supplier_household: int | None
    area: str
    amount: Decimal
    purchased_on: dt.date


class PurchasePage(Schema):
    items: list[PurchaseOut]
    next_after: int | None


@router.get(
    "/industry/purchases",
    response=PurchasePage,
    summary="Consumption-assistance purchases from suppliers of your area",
)
def purchase_list(request, filters: Query[PurchaseQuery]):
    qs = _area(selectors.purchases(current_user(request)), "division__code", filters.area)
    qs = qs.select_related("supplier_enterprise")
    if filters.year:
        qs = qs.filter(purchased_on__year=filters.year)
    page = keyset(qs, "id", filters.after, filters.limit)
    items = [
        {
            "id": p.pk,
            "buyer": p.buyer,
            "product": p.product,
            "supplier_enterprise": p.supplier_enterprise.credit_code
            if p.supplier_enterprise
            else None,
            "supplier_household": p.supplier_household_id,
            "area": p.division_id,
            "amount": p.amount,
            "purchased_on": p.purchased_on,
        }
        for p in page.items
    ]
    return {"items": items, "next_after": page.next_after}
