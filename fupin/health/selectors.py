"""Reads of the health-and-insurance ledger, every one scoped to the user
(`.restrict(user)`, which reads the row's own village column), and the grading signal
"serious illness" (fupin.monitoring.hooks)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _l

from fupin.core.bulk import IN_BATCH
from fupin.core.frames import read_frame
from fupin.core.scope import may_edit_in
from fupin.health import rules
from fupin.health.models import Cover, CoverKind, Reimbursement
from fupin.programmes.frames import area_rows, dates
from fupin.programmes.ledgers import LedgerAction
from fupin.programmes.paging import Page, in_division, keyset_page
from fupin.registry import panels

PANEL_COVER = "panel_cover"
PANEL_REIMBURSEMENT = "panel_reimbursement"


def covers(user: Any) -> QuerySet[Cover]:
    return Cover.objects.restrict(user)


def reimbursements(user: Any) -> QuerySet[Reimbursement]:
    return Reimbursement.objects.restrict(user)


@dataclass
class ReimbursementFilters:
    area: str = ""
    year: int | None = None
    serious: bool = False  # paid by serious-illness insurance


def reimbursement_page(
    *,
    user: Any,
    filters: ReimbursementFilters,
    older: int | None = None,
    newer: int | None = None,
) -> Page[Reimbursement]:
    qs = in_division(reimbursements(user), "village__code", filters.area).select_related(
        "household", "member", "village"
    )
    if filters.year is not None:
        qs = qs.filter(settled_on__year=filters.year)
    if filters.serious:
        qs = qs.filter(serious_paid__gt=0)
    return keyset_page(qs, order="settled_on", older=older, newer=newer)


@dataclass
class CoverFilters:
    area: str = ""
    year: int | None = None
    kind: str = ""


def cover_page(
    *, user: Any, filters: CoverFilters, older: int | None = None, newer: int | None = None
) -> Page[Cover]:
    qs = in_division(covers(user), "village__code", filters.area).select_related(
        "household", "member", "village"
    )
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return keyset_page(qs, order="insured_on", older=older, newer=newer)


def reimbursement_get(*, user: Any, pk: int) -> Reimbursement:
    qs = reimbursements(user).select_related("household", "member", "village", "recorded_by")
    found = qs.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def cover_get(*, user: Any, pk: int) -> Cover:
    qs = covers(user).select_related("household", "member", "village", "recorded_by")
    found = qs.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def years(user: Any) -> list[int]:
    return list(covers(user).order_by("-year").values_list("year", flat=True).distinct())


# ------------------------------------------------------------------ the household page


@dataclass
class HouseholdRows:
    covers: list[Cover]
    reimbursements: list[Reimbursement]

    def __bool__(self) -> bool:
        return bool(self.covers or self.reimbursements)

    def __len__(self) -> int:
        return len(self.covers) + len(self.reimbursements)


# The household page shows the cover of the last few years.
PANEL_YEARS = 3


def household_rows(user: Any, household: Any) -> HouseholdRows:
    """The household page's panel: its recent cover and its reimbursements the user may
    read, each read only when the page's flag says the household has some."""
    found = HouseholdRows([], [])
    if panels.may_have(household, PANEL_COVER):
        qs = covers(user).filter(household=household).select_related("member")
        latest = qs.order_by("-year").values_list("year", flat=True).first()
        if latest is not None:
            found.covers = list(
                qs.filter(year__gt=latest - PANEL_YEARS).order_by("-year", "member_id", "kind")
            )
    if panels.may_have(household, PANEL_REIMBURSEMENT):
        found.reimbursements = list(
            reimbursements(user).filter(household=household).select_related("member")
        )
    return found


NEW_COVER = _l("Record insurance cover")
NEW_REIMBURSEMENT = _l("Record a reimbursement")


def household_actions(user: Any, household: Any) -> list[LedgerAction]:
    """The household page's links to record cover or a reimbursement, for a user who may
    edit the household's village (every household may hold cover). No query."""
    if not may_edit_in(user, household.village_id):
        return []
    return [
        LedgerAction(NEW_COVER, reverse("health:cover_new", args=[household.pk])),
        LedgerAction(NEW_REIMBURSEMENT, reverse("health:reimbursement_new", args=[household.pk])),
    ]


# ------------------------------------------------------------------ the grading signal

REIMBURSEMENT_SCHEMA = {
    "household_id": pl.Int64,
    "settled_on": pl.String,
    "serious_paid": pl.String,
    "out_of_pocket": pl.String,
}


def serious_illness_households(household_ids: Collection[int], as_of: dt.date) -> set[int]:
    """The grading rounds' signal "serious illness" (fupin.monitoring.hooks): the
    households among `household_ids` that have it on `as_of` (`rules.serious_illness`,
    column form), from their reimbursements of the twelve months up to `as_of` only, read
    in batches of households."""
    ids = sorted(set(household_ids))
    if not ids:
        return set()
    since = rules.window_start(as_of)
    day = connection.ops.adapt_datefield_value
    parts = []
    for start in range(0, len(ids), IN_BATCH):
        part = ids[start : start + IN_BATCH]
        marks = ", ".join(["%s"] * len(part))
        parts.append(
            read_frame(
                "SELECT household_id, CAST(settled_on AS TEXT) AS settled_on, "  # noqa: S608
                "CAST(serious_paid AS TEXT) AS serious_paid, "
                "CAST(out_of_pocket AS TEXT) AS out_of_pocket "
                f"FROM {Reimbursement._meta.db_table} WHERE household_id IN ({marks}) "
                "AND settled_on > %s AND settled_on <= %s",
                [*part, day(since), day(as_of)],
                schema=REIMBURSEMENT_SCHEMA,
            )
        )
    frame = pl.concat(parts).with_columns(
        pl.col("settled_on").str.slice(0, 10).str.to_date("%Y-%m-%d"),
        pl.col("serious_paid").cast(pl.Decimal(14, 2)),
        pl.col("out_of_pocket").cast(pl.Decimal(14, 2)),
    )
    flagged = rules.serious_illness_households(frame, as_of, rules.out_of_pocket_threshold())
    return set(flagged.filter(pl.col("serious_illness"))["household_id"].to_list())


# ------------------------------------------------------------------ the indicator engine


def engine_rows(
    prefix: str, household_ids: Sequence[int], start: dt.date, as_of: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows the figures count (`rules.household_counts`), set-based: the basic
    medical cover of the as-of year and the reimbursements settled from `start` to
    `as_of`, of the area now and of `household_ids` (households of the area on the date,
    outside now: their rows went with them)."""
    day = connection.ops.adapt_datefield_value
    cover = area_rows(
        "SELECT t.household_id, t.member_id, t.year, "  # noqa: S608 - table names only
        f"CAST(t.insured_on AS TEXT) AS insured_on FROM {Cover._meta.db_table} t",
        where="t.kind = %s AND t.year = %s",
        params=[CoverKind.BASIC.value, as_of.year],
        area="t.village_id",
        household="t.household_id",
        prefix=prefix,
        household_ids=household_ids,
        schema=rules.COVER_ROWS,
    )
    pays = area_rows(
        "SELECT t.household_id, CAST(t.total_cost AS TEXT) AS cost, "  # noqa: S608 - table names only
        f"CAST(t.out_of_pocket AS TEXT) AS own FROM {Reimbursement._meta.db_table} t",
        where="t.settled_on >= %s AND t.settled_on <= %s",
        params=[day(start), day(as_of)],
        area="t.village_id",
        household="t.household_id",
        prefix=prefix,
        household_ids=household_ids,
        schema=rules.PAY_ROWS,
    )
    return dates(cover, "insured_on"), pays
