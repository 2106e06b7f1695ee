"""Reads of the posts and employment ledgers, every one scoped to the user
(`.restrict(user)`), and the set-based reads of the rules' column forms (the indicator
engine, the grading signal)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fupin.accounts import authority
from fupin.employment import rules
from fupin.employment.models import (
    Holding,
    HoldingStatus,
    Payment,
    Placement,
    Post,
    TransportSubsidy,
)
from fupin.employment.services import APPOINT
from fupin.programmes.checks import may_edit
from fupin.programmes.frames import area_rows, dates
from fupin.programmes.ledgers import LedgerAction
from fupin.programmes.paging import PAGE_SIZE as PAGE_SIZE
from fupin.programmes.paging import Page, in_division, keyset_page

PANEL_HOLDINGS = "panel_post_holdings"
PANEL_PLACEMENTS = "panel_placements"


def posts(user: Any) -> QuerySet[Post]:
    return Post.objects.restrict(user)


def holdings(user: Any) -> QuerySet[Holding]:
    return Holding.objects.restrict(user)


def placements(user: Any) -> QuerySet[Placement]:
    return Placement.objects.restrict(user)


def subsidies(user: Any) -> QuerySet[TransportSubsidy]:
    return TransportSubsidy.objects.restrict(user)


def payments(user: Any) -> QuerySet[Payment]:
    return Payment.objects.restrict(user)


@dataclass
class PostFilters:
    area: str = ""
    kind: str = ""
    funding: str = ""
    vacant: bool = False


def post_page(
    *,
    user: Any,
    filters: PostFilters,
    today: dt.date,
    older: int | None = None,
    newer: int | None = None,
) -> tuple[Page[Post], dict[int, Holding]]:
    """A keyset page of the posts, and each post's current holder by post id."""
    qs = in_division(posts(user).select_related("village"), "village__code", filters.area)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.funding:
        qs = qs.filter(funding=filters.funding)
    if filters.vacant:
        qs = qs.filter(Q(closed_on__isnull=True) | Q(closed_on__gt=today)).exclude(
            pk__in=current_holdings().values("post_id")
        )
    page = keyset_page(qs, order="id", older=older, newer=newer, page_size=PAGE_SIZE)
    holders = {
        h.post_id: h
        for h in current_holdings()
        .filter(post__in=[p.pk for p in page.rows])
        .select_related("member")
    }
    return page, holders


def current_holdings() -> QuerySet[Holding]:
    """Appointments not ended (the holder of a post today)."""
    return Holding.objects.filter(status=HoldingStatus.APPROVED, end_on__isnull=True)


def post_get(*, user: Any, pk: int) -> Post:
    post = posts(user).select_related("village").filter(pk=pk).first()
    if post is None:
        raise Http404
    return post


def post_holdings(post: Post) -> list[Holding]:
    return list(
        post.holdings.select_related("member", "household", "proposed_by", "decided_by").order_by(
            "-start_on", "-id"
        )
    )


def holding_get(*, user: Any, pk: int) -> Holding:
    h = holdings(user).select_related("post", "member", "household").filter(pk=pk).first()
    if h is None:
        raise Http404
    return h


def pending(user: Any) -> list[Holding]:
    """Proposals the user may decide (township or county, not their own)."""
    rows = (
        holdings(user)
        .filter(status=HoldingStatus.PROPOSED)
        .select_related("post", "member", "household", "proposed_by")
        .order_by("start_on", "id")[:200]
    )
    return [h for h in rows if may_decide(user, h)]


def may_decide(user: Any, holding: Holding) -> bool:
    return authority.may(user, APPOINT, holding.village_id, authors=[holding.proposed_by_id])


def vacant_posts_for(household: Any, on: dt.date) -> list[Post]:
    """Posts of the household's township open on `on` without a current holder (the
    choices of a proposal; the service checks again)."""
    township = household.village_id[:9]
    return list(
        Post.objects.filter(village__code__range=(township + "000", township + "999"))
        .filter(opened_on__lte=on)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=on))
        .exclude(pk__in=current_holdings().values("post_id"))
        .exclude(pk__in=Holding.objects.filter(status=HoldingStatus.PROPOSED).values("post_id"))
        .order_by("code")
    )


@dataclass
class PlacementFilters:
    area: str = ""
    kind: str = ""
    place_scope: str = ""
    current: bool = False


def placement_page(
    *,
    user: Any,
    filters: PlacementFilters,
    older: int | None = None,
    newer: int | None = None,
) -> Page[Placement]:
    qs = in_division(
        placements(user).select_related("village", "member", "household"),
        "village__code",
        filters.area,
    )
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.place_scope:
        qs = qs.filter(place_scope=filters.place_scope)
    if filters.current:
        qs = qs.filter(end_on__isnull=True)
    return keyset_page(qs, order="start_on", older=older, newer=newer, page_size=PAGE_SIZE)


def placement_get(*, user: Any, pk: int) -> Placement:
    p = placements(user).select_related("member", "household", "village").filter(pk=pk).first()
    if p is None:
        raise Http404
    return p


# ------------------------------------------------------------------ household page


def household_holdings(user: Any, household: Any) -> list[Holding]:
    return list(holdings(user).filter(household=household).select_related("post", "member"))


def household_placements(user: Any, household: Any) -> list[Placement]:
    return list(placements(user).filter(household=household).select_related("member"))


PROPOSE = _("Propose for a public-welfare post")
NEW_PLACEMENT = _("Record a job or migrant work")


def _editor(user: Any, household: Any) -> bool:
    return may_edit(user, household.village_id)


def post_actions(user: Any, household: Any) -> list[LedgerAction]:
    """ "Propose for a post", for an editing user of the household's village (the rules
    are checked by the form's service). No query."""
    if not _editor(user, household):
        return []
    return [LedgerAction(PROPOSE, reverse("employment:propose", args=[household.pk]))]


def placement_actions(user: Any, household: Any) -> list[LedgerAction]:
    if not _editor(user, household):
        return []
    return [LedgerAction(NEW_PLACEMENT, reverse("employment:placement_new", args=[household.pk]))]


# ------------------------------------------------------------------ column reads


def _rows(
    select: str, alias: str, prefix: str | None, household_ids: Sequence[int], schema: Any
) -> pl.DataFrame:
    """`programmes.frames.area_rows` over a select from the holdings or the placements
    (`alias`): the rows of the area's households (their village now) and of
    `household_ids`, dates read as text."""
    frame = area_rows(
        select,
        area=f"{alias}.village_id",
        household=f"{alias}.household_id",
        prefix=prefix,
        household_ids=household_ids,
        schema={k: pl.String if v == pl.Date else v for k, v in schema.items()},
    )
    return dates(frame, *(k for k, v in schema.items() if v == pl.Date))


def read_holdings(*, prefix: str | None = "", household_ids: Sequence[int] = ()) -> pl.DataFrame:
    """Every holding of an area (the household's village now) and of the given
    households: rules.HOLDING_SCHEMA."""
    return _rows(
        "SELECT h.member_id, h.household_id, h.status, "  # noqa: S608 - model metadata only
        "CAST(h.start_on AS TEXT) AS start_on, CAST(h.decided_on AS TEXT) AS decided_on, "
        f"CAST(h.end_on AS TEXT) AS end_on FROM {Holding._meta.db_table} h",
        "h",
        prefix,
        household_ids,
        rules.HOLDING_SCHEMA,
    )


def read_placements(*, prefix: str | None = "", household_ids: Sequence[int] = ()) -> pl.DataFrame:
    """Every placement of an area and of the given households: rules.PLACEMENT_SCHEMA."""
    return _rows(
        "SELECT p.member_id, CAST(p.start_on AS TEXT) AS start_on, "  # noqa: S608
        f"CAST(p.end_on AS TEXT) AS end_on FROM {Placement._meta.db_table} p",
        "p",
        prefix,
        household_ids,
        rules.PLACEMENT_SCHEMA,
    )


def read_payments(*, prefix: str | None = "", household_ids: Sequence[int] = ()) -> pl.DataFrame:
    """Every payment of the holdings of an area and of the given households:
    rules.PAYMENT_SCHEMA."""
    return _rows(
        "SELECT h.member_id, CAST(p.month AS TEXT) AS month, "  # noqa: S608
        f"CAST(p.paid_on AS TEXT) AS paid_on FROM {Holding._meta.db_table} h "
        f"JOIN {Payment._meta.db_table} p ON h.id = p.holding_id",
        "h",
        prefix,
        household_ids,
        rules.PAYMENT_SCHEMA,
    )


def people_in_work(
    day: dt.date, *, prefix: str | None = "", household_ids: Sequence[int] = ()
) -> pl.DataFrame:
    """member_id, post, work on `day` (rules.people_in_work) of the people with a holding
    or a placement in the area and in the given households."""
    return rules.people_in_work(
        read_holdings(prefix=prefix, household_ids=household_ids),
        read_placements(prefix=prefix, household_ids=household_ids),
        day,
    )


def lost_post_households(household_ids: Collection[int], as_of: dt.date) -> set[int]:
    """The grading rounds' signal "lost post" (fupin.monitoring.hooks): the households
    among `household_ids` with a member who lost a public-welfare post on `as_of`
    (rules.lost_post_people). Reads only these households' holdings and pay."""
    if not household_ids:
        return set()
    ids = sorted(set(household_ids))
    lost = rules.lost_post_people(
        read_holdings(prefix=None, household_ids=ids),
        read_payments(prefix=None, household_ids=ids),
        as_of,
    )
    wanted = set(household_ids)
    return {h for h in lost["household_id"].unique().to_list() if h in wanted}
