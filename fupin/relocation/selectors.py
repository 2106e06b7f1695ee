"""Reads of the relocation ledger, every one scoped to the user (`.restrict(user)`),
and the set-based read of the relocations for the indicator engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fupin.accounts import authority
from fupin.core.scope import code_range
from fupin.programmes.checks import may_edit
from fupin.programmes.frames import area_rows
from fupin.programmes.ledgers import LedgerAction
from fupin.programmes.paging import PAGE_SIZE as PAGE_SIZE
from fupin.programmes.paging import Page, in_division, keyset_page
from fupin.relocation import rules
from fupin.relocation.models import OldHouse, Relocation, Site, Support
from fupin.relocation.services import VERIFY

PANEL_RELOCATION = "panel_relocation"


def sites(user: Any) -> QuerySet[Site]:
    return Site.objects.restrict(user)


def relocations(user: Any) -> QuerySet[Relocation]:
    return Relocation.objects.restrict(user)


def supports(user: Any) -> QuerySet[Support]:
    return Support.objects.restrict(user)


@dataclass
class RelocationFilters:
    area: str = ""
    site: int | None = None
    moved_in: bool = False
    demolition_overdue: bool = False


def relocation_page(
    *,
    user: Any,
    filters: RelocationFilters,
    today: dt.date,
    older: int | None = None,
    newer: int | None = None,
) -> Page[Relocation]:
    qs = in_division(
        relocations(user).select_related("household", "village", "site"),
        "village__code",
        filters.area,
    )
    if filters.site is not None:
        qs = qs.filter(site_id=filters.site)
    if filters.moved_in:
        qs = qs.filter(moved_in_on__lte=today)
    if filters.demolition_overdue:
        qs = qs.filter(overdue_q(today))
    return keyset_page(qs, order="id", older=older, newer=newer, page_size=PAGE_SIZE)


def overdue_q(day: dt.date) -> Q:
    """Queryset form of `rules.demolition_overdue` on `day`."""
    return (
        Q(moved_in_on__lt=rules.overdue_cut(day))
        & ~Q(old_house=OldHouse.KEPT)
        & (Q(demolished_on__isnull=True) | Q(demolished_on__gt=day))
    )


def relocation_get(*, user: Any, pk: int) -> Relocation:
    r = relocations(user).select_related("household", "village", "site").filter(pk=pk).first()
    if r is None:
        raise Http404
    return r


@dataclass
class SiteRow:
    site: Site
    households: int
    people: int
    moved_in: int


def site_rows(user: Any) -> list[SiteRow]:
    """The sites of the user's area with their households, people and households moved
    in (a county has tens of sites)."""
    out = []
    qs = (
        sites(user)
        .select_related("village")
        .annotate(
            n=Count("relocations"),
            p=Sum("relocations__people"),
            m=Count("relocations", filter=Q(relocations__moved_in_on__isnull=False)),
        )
        .order_by("village_id", "name")
    )
    for s in qs:
        out.append(
            SiteRow(s, getattr(s, "n", 0) or 0, getattr(s, "p", 0) or 0, getattr(s, "m", 0) or 0)
        )
    return out


def site_get(*, user: Any, pk: int) -> Site:
    s = sites(user).select_related("village").filter(pk=pk).first()
    if s is None:
        raise Http404
    return s


def sites_for(household: Any) -> list[Site]:
    """The sites of the household's county (the choices of a relocation: the county's
    register is read to choose from it; the service checks the rules)."""
    county = household.village_id[:6]
    return list(
        Site.objects.filter(village__code__range=code_range(county)).order_by("village_id", "name")
    )


def household_relocations(user: Any, household: Any) -> list[Relocation]:
    return list(relocations(user).filter(household=household).select_related("site"))


RECORD = _("Record a relocation")


def household_actions(user: Any, household: Any) -> list[LedgerAction]:
    """ "Record a relocation", for an editing user of the household's village, when the
    page's flag says it has none. No query."""
    if getattr(household, PANEL_RELOCATION, False) or not may_edit(user, household.village_id):
        return []
    return [LedgerAction(RECORD, reverse("relocation:new", args=[household.pk]))]


def overdue(r: Relocation, day: dt.date) -> bool:
    """`rules.demolition_overdue` of one relocation."""
    values = {
        "moved_in_on": r.moved_in_on,
        "old_house": r.old_house,
        "demolished_on": r.demolished_on,
    }
    return rules.demolition_overdue(values, day)


def may_verify(user: Any, r: Relocation) -> bool:
    return (
        r.old_house == OldHouse.DEMOLISHED
        and r.demolition_verified_on is None
        and authority.may(user, VERIFY, r.village_id, authors=[r.demolition_recorded_by_id])
    )


# ------------------------------------------------------------------ column read


def read_relocations(*, prefix: str | None = "", household_ids: Sequence[int] = ()) -> pl.DataFrame:
    """household_id, people, moved_in_on of the relocations of an area (the household's
    village now) and of the given households."""
    frame = area_rows(
        "SELECT household_id, people, CAST(moved_in_on AS TEXT) AS moved_in_on "  # noqa: S608
        f"FROM {Relocation._meta.db_table}",
        area="village_id",
        household="household_id",
        prefix=prefix,
        household_ids=household_ids,
        schema={"household_id": pl.Int64, "people": pl.Int32, "moved_in_on": pl.String},
    )
    return frame.with_columns(
        pl.col("moved_in_on").str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    )


def relocated_households(
    day: dt.date, *, prefix: str = "", moved: Sequence[int] = ()
) -> pl.DataFrame:
    """household_id, rel_moved (moved in on or before `day`), rel_people (the people
    relocated, 0 before the move-in) of the relocations of the area and of the
    households that have moved out of it since (`moved`)."""
    rows = read_relocations(prefix=prefix, household_ids=moved)
    relocated = rules.relocated_expr(day)
    return rows.select(
        "household_id",
        relocated.alias("rel_moved"),
        pl.when(relocated).then(pl.col("people")).otherwise(0).cast(pl.Int32).alias("rel_people"),
    )
