"""Reads of the education-aid ledger, every one scoped to the user (`.restrict(user)`,
which reads the row's own village column)."""

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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from fupin.accounts import authority
from fupin.core.bulk import in_batches
from fupin.core.scope import may_edit_in
from fupin.education import rules
from fupin.education.models import DropoutCase, DropoutStatus, StudentAid
from fupin.programmes.due import may_be_due
from fupin.programmes.frames import area_rows, dates
from fupin.programmes.ledgers import LedgerAction
from fupin.programmes.paging import Page, in_division, keyset_page
from fupin.quality.hooks import FindingLink
from fupin.registry import panels

PANEL_AID = "panel_student_aid"
PANEL_DROPOUT = "panel_dropout"


def aids(user: Any) -> QuerySet[StudentAid]:
    return StudentAid.objects.restrict(user)


def dropouts(user: Any) -> QuerySet[DropoutCase]:
    return DropoutCase.objects.restrict(user)


@dataclass
class AidFilters:
    area: str = ""
    kind: str = ""
    stage: str = ""
    school_year: int | None = None
    household: int | None = None


def aid_page(
    *, user: Any, filters: AidFilters, older: int | None = None, newer: int | None = None
) -> Page[StudentAid]:
    """The benefits of the user's area matching the filters, newest paid first, by keyset."""
    qs = in_division(aids(user), "village__code", filters.area).select_related(
        "household", "member", "village"
    )
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.school_year is not None:
        qs = qs.filter(school_year=filters.school_year)
    if filters.household is not None:
        qs = qs.filter(household_id=filters.household)
    return keyset_page(qs, order="paid_on", older=older, newer=newer)


@dataclass
class DropoutFilters:
    area: str = ""
    status: str = ""


def dropout_page(
    *, user: Any, filters: DropoutFilters, older: int | None = None, newer: int | None = None
) -> Page[DropoutCase]:
    qs = in_division(dropouts(user), "village__code", filters.area).select_related(
        "household", "member", "village"
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    return keyset_page(qs, order="opened_on", older=older, newer=newer)


def aid_get(*, user: Any, pk: int) -> StudentAid:
    row = aids(user).select_related("household", "member", "village", "recorded_by")
    found = row.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def dropout_get(*, user: Any, pk: int) -> DropoutCase:
    qs = dropouts(user).select_related("household", "member", "village", "opened_by", "closed_by")
    found = qs.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def may_close(user: Any, case: DropoutCase) -> bool:
    return case.status == DropoutStatus.OPEN and authority.may(
        user, "dropout.close", case.village_id, authors=[case.opened_by_id]
    )


def school_years(user: Any) -> list[int]:
    return list(
        aids(user).order_by("-school_year").values_list("school_year", flat=True).distinct()
    )


# ------------------------------------------------------------------ the household page


@dataclass
class HouseholdRows:
    aids: list[StudentAid]
    dropouts: list[DropoutCase]

    def __bool__(self) -> bool:
        return bool(self.aids or self.dropouts)

    def __len__(self) -> int:
        return len(self.aids) + len(self.dropouts)


def household_rows(user: Any, household: Any) -> HouseholdRows:
    """The household page's panel: its benefits and dropout cases the user may read, each
    read only when the page's flag says the household has some (no query otherwise)."""
    found = HouseholdRows([], [])
    if panels.may_have(household, PANEL_AID):
        found.aids = list(aids(user).filter(household=household).select_related("member"))
    if panels.may_have(household, PANEL_DROPOUT):
        found.dropouts = list(dropouts(user).filter(household=household).select_related("member"))
    return found


NEW_AID = _l("Record a student benefit")
NEW_DROPOUT = _l("Open a dropout case")


def household_actions(user: Any, household: Any) -> list[LedgerAction]:
    """The household page's links to record a benefit or open a dropout case, for a user
    who may edit the household's village, when the household may be due assistance
    (its status; the day of payment is checked by the service). No query."""
    if not may_be_due(household.status):
        return []
    if not may_edit_in(user, household.village_id):
        return []
    return [
        LedgerAction(NEW_AID, reverse("education:aid_new", args=[household.pk])),
        LedgerAction(NEW_DROPOUT, reverse("education:dropout_new", args=[household.pk])),
    ]


# ------------------------------------------------------------------ quality rule Q06


def dropout_links(user: Any, member_ids: Collection[int]) -> dict[int, list[FindingLink]]:
    """The dropout cases of these children that the user may read, for the findings of
    data-quality rule Q06 (fupin.quality.hooks): each child's cases, the open one first."""
    out: dict[int, list[FindingLink]] = {}
    cases = in_batches(
        sorted(set(member_ids)),
        lambda part: (
            dropouts(user)
            .filter(member_id__in=part)
            .order_by("member_id", "-opened_on")
            .only("id", "member_id", "opened_on", "status")
        ),
    )
    for case in cases:
        out.setdefault(case.member_id, []).append(
            FindingLink(
                _("Dropout case of %(day)s: %(status)s")
                % {"day": case.opened_on.isoformat(), "status": case.get_status_display()},
                reverse("education:dropout_detail", args=[case.pk]),
                open=case.status == DropoutStatus.OPEN,
            )
        )
    for links in out.values():
        links.sort(key=lambda link: not link.open)
    return out


# ------------------------------------------------------------------ the indicator engine


def engine_rows(
    prefix: str, household_ids: Sequence[int], start: dt.date, as_of: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows the figures count (`rules.household_counts`), set-based: the benefits
    paid from `start` to `as_of` and the dropout cases found by `as_of`, of the area now
    and of `household_ids` (households of the area on the date, outside now: their rows
    went with them)."""
    day = connection.ops.adapt_datefield_value
    aid = area_rows(
        "SELECT t.household_id, t.member_id, t.kind, CAST(t.amount AS TEXT) AS amount "  # noqa: S608 - table names only
        f"FROM {StudentAid._meta.db_table} t",
        where="t.paid_on >= %s AND t.paid_on <= %s",
        params=[day(start), day(as_of)],
        area="t.village_id",
        household="t.household_id",
        prefix=prefix,
        household_ids=household_ids,
        schema=rules.AID_ROWS,
    )
    cases = area_rows(
        "SELECT t.household_id, t.member_id, CAST(t.opened_on AS TEXT) AS opened_on, "  # noqa: S608 - table names only
        f"CAST(t.closed_on AS TEXT) AS closed_on FROM {DropoutCase._meta.db_table} t",
        where="t.opened_on <= %s",
        params=[day(as_of)],
        area="t.village_id",
        household="t.household_id",
        prefix=prefix,
        household_ids=household_ids,
        schema=rules.CASE_ROWS,
    )
    return aid, dates(cases, "opened_on", "closed_on")
