"""GET /divisions, GET /divisions/{code}: the division tree within the user's area."""

from ninja import Query, Router

from fupin.api import queries
from fupin.api.auth import current_user
from fupin.api.schemas import DivisionDetailOut, DivisionPage, DivisionQuery

router = Router(tags=["divisions"])


@router.get("/divisions", response=DivisionPage, summary="Divisions in your area")
def division_list(request, filters: Query[DivisionQuery]):
    page = queries.division_list(
        user=current_user(request),
        parent=filters.parent,
        level=filters.level,
        after=filters.after,
        limit=filters.limit,
    )
    return {"items": page.items, "next_after": page.next_after}


@router.get("/divisions/{code}", response=DivisionDetailOut, summary="One division")
def division_detail(request, code: str):
    return queries.division_get(user=current_user(request), code=code)
