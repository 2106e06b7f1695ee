"""Members: list (keyset), detail, add to a household (with the kind of change),
update. Writes go through fupin.registry.services."""

from django.http import Http404
from ninja import Query, Router, Status

from fupin.api import queries
from fupin.api.auth import current_user
from fupin.api.pii import allow_reveal
from fupin.api.schemas import (
    Error,
    MemberCreate,
    MemberDetailOut,
    MemberPage,
    MemberQuery,
    MemberUpdate,
)
from fupin.registry import selectors, services

router = Router(tags=["members"])

WRITE_ERRORS = {403: Error, 404: Error, 409: Error, 422: Error}


@router.get("/members", response=MemberPage, summary="Members in your area")
def member_list(request, filters: Query[MemberQuery]):
    page = queries.member_list(
        user=current_user(request),
        household=filters.household,
        q=filters.q,
        active=filters.active,
        after=filters.after,
        limit=filters.limit,
    )
    return {"items": page.items, "next_after": page.next_after}


@router.get(
    "/members/{member_id}",
    response={200: MemberDetailOut, 403: Error, 404: Error},
    summary="One member with their changes",
    description="`reveal=true` returns the unmasked ID number and phone to roles allowed to "
    "see them; each value revealed is logged. Other roles get 403.",
)
def member_detail(request, member_id: int, reveal: bool = False):
    member = queries.member_get(user=current_user(request), pk=member_id)
    allow_reveal(request, reveal)
    return member


@router.post(
    "/households/{household_id}/members",
    response={201: MemberDetailOut, **WRITE_ERRORS},
    summary="Add a person to a household (registration, birth, marriage, moving in, "
    "member missing from the record)",
)
def member_add(request, household_id: int, payload: MemberCreate):
    user = current_user(request)
    household = selectors.household_queryset(user).filter(pk=household_id).first()
    if household is None:
        raise Http404
    member = services.member_add(
        actor=user,
        household=household,
        data=payload.data(),
        kind=payload.kind,
        date=payload.date,
        reason=payload.reason,
    )
    return Status(201, queries.member_get(user=user, pk=member.pk))


@router.patch(
    "/members/{member_id}",
    response={200: MemberDetailOut, **WRITE_ERRORS},
    summary="Change a member's registered data",
)
def member_update(request, member_id: int, payload: MemberUpdate):
    user = current_user(request)
    member = queries.member_get(user=user, pk=member_id)
    services.member_update(actor=user, member=member, data=payload.data(), reason=payload.reason)
    return queries.member_get(user=user, pk=member_id)
