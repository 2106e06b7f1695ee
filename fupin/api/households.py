"""Households: list (keyset), detail with members, incomes and assessments, create,
update. Reads go through fupin.registry.selectors, writes through its services (which
check the role and area and write the history)."""

from django.http import Http404
from ninja import Query, Router, Status

from fupin.api.auth import current_user
from fupin.api.pii import allow_reveal
from fupin.api.schemas import (
    Error,
    HouseholdCreate,
    HouseholdDetailOut,
    HouseholdPage,
    HouseholdQuery,
    HouseholdUpdate,
)
from fupin.registry import selectors, services

router = Router(tags=["households"])

WRITE_ERRORS = {403: Error, 404: Error, 409: Error, 422: Error}


@router.get("/households", response=HouseholdPage, summary="Households in your area")
def household_list(request, filters: Query[HouseholdQuery]):
    page = selectors.household_list(
        user=current_user(request),
        filters=selectors.HouseholdFilters(
            area=filters.area,
            status=filters.status,
            category=filters.category,
            cause=filters.cause,
            monitoring_type=filters.monitoring_type,
            q=filters.q,
        ),
        after=filters.after,
        page_size=filters.limit,
    )
    return {"items": page.rows, "next_after": page.next_after}


@router.get(
    "/households/{household_id}",
    response={200: HouseholdDetailOut, 403: Error, 404: Error},
    summary="One household with its members, incomes and assessments",
    description="`reveal=true` returns unmasked phone, bank account and ID numbers to roles "
    "allowed to see them; each value revealed is logged. Other roles get 403.",
)
def household_detail(request, household_id: int, reveal: bool = False):
    household = selectors.household_get(user=current_user(request), pk=household_id)
    allow_reveal(request, reveal)
    return household


@router.post(
    "/households",
    response={201: HouseholdDetailOut, **WRITE_ERRORS},
    summary="Register a household",
)
def household_create(request, payload: HouseholdCreate):
    user = current_user(request)
    household = services.household_create(
        actor=user, village_code=payload.village, data=payload.data(), reason=payload.reason
    )
    return Status(201, selectors.household_get(user=user, pk=household.pk))


@router.patch(
    "/households/{household_id}",
    response={200: HouseholdDetailOut, **WRITE_ERRORS},
    summary="Change a household",
)
def household_update(request, household_id: int, payload: HouseholdUpdate):
    user = current_user(request)
    household = selectors.household_queryset(user).filter(pk=household_id).first()
    if household is None:
        raise Http404
    services.household_update(
        actor=user, household=household, data=payload.data(), reason=payload.reason
    )
    return selectors.household_get(user=user, pk=household_id)
