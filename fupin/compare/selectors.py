"""Reads for the comparison: the registry as a columnar frame (one SQL query), and the
scoped lists of findings, runs and unmatched people."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from fupin.accounts.models import User
from fupin.accounts.types import Actor
from fupin.compare import engine
from fupin.compare.engine import REGISTRY_SCHEMA
from fupin.compare.models import ComparisonRun, Finding, FindingStatus, UnmatchedPerson
from fupin.core.frames import read_frame
from fupin.core.masking import mask_id_number
from fupin.core.scope import code_range
from fupin.geo.codes import significant_prefix
from fupin.registry import panels
from fupin.registry.models import Household, Member

PAGE_SIZE = 50


def registry_frame(*, area_prefix: str = "") -> pl.DataFrame:
    """Active members as (id_number, member_id, household_id, village_code, health,
    disability_grade), read with one query: COPY on PostgreSQL, a cursor elsewhere."""
    member, household = Member._meta.db_table, Household._meta.db_table
    sql = (
        f"SELECT m.id_number, m.id, m.household_id, h.village_id, m.health, m.disability_grade "  # noqa: S608
        f"FROM {member} m JOIN {household} h ON h.id = m.household_id WHERE m.is_active = %s"
    )
    params: list[Any] = [True]
    if area_prefix:
        sql += " AND h.village_id BETWEEN %s AND %s"
        params += list(code_range(area_prefix))
    frame = read_frame(sql, params)
    frame = frame.rename(dict(zip(frame.columns, REGISTRY_SCHEMA, strict=True)))
    return frame.with_columns(pl.col(k).cast(v) for k, v in REGISTRY_SCHEMA.items())


@dataclass
class FindingFilters:
    kind: str = ""
    status: str = ""
    rule: str = ""
    area: str = ""  # a division prefix inside the user's area

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass
class Page:
    rows: list[Any]
    next_before: int | None
    prev_after: int | None
    filters: FindingFilters = field(default_factory=FindingFilters)


def findings_queryset(user: User) -> QuerySet[Finding]:
    return Finding.objects.restrict(user)


def finding_list(
    *,
    user: User,
    filters: FindingFilters,
    before: int | None = None,
    after: int | None = None,
    page_size: int = PAGE_SIZE,
) -> Page:
    """One page of findings, newest first (keyset pagination on id)."""
    qs = findings_queryset(user).select_related(
        "household", "household__village", "household__village__parent", "member"
    )
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.rule:
        qs = qs.filter(rule=filters.rule)
    if filters.area:
        qs = qs.filter(household__village__code__range=code_range(significant_prefix(filters.area)))
    if after is not None:
        rows = list(qs.filter(id__gt=after).order_by("id")[: page_size + 1])
        has_more = len(rows) > page_size
        rows = list(reversed(rows[:page_size]))
        prev_after = rows[0].id if rows and has_more else None
        next_before = rows[-1].id if rows else None
    else:
        if before is not None:
            qs = qs.filter(id__lt=before)
        rows = list(qs.order_by("-id")[: page_size + 1])
        has_more = len(rows) > page_size
        rows = rows[:page_size]
        next_before = rows[-1].id if rows and has_more else None
        prev_after = rows[0].id if rows and before is not None else None
    return Page(rows=rows, next_before=next_before, prev_after=prev_after, filters=filters)


def finding_get(*, user: User, pk: int) -> Finding:
    f = (
        findings_queryset(user)
        .select_related("household", "household__village", "member", "run", "resolved_by")
        .filter(pk=pk)
        .first()
    )
    if f is None:
        raise Http404
    return f


# The household page's flag: whether the household has any finding (registry.panels).
PANEL_FINDINGS = "panel_findings"


def household_findings(*, user: Actor | None, household: Household) -> list[Finding]:
    """The household's findings, open ones first (for the household page); none for an
    anonymous visitor."""
    if not isinstance(user, User) or not panels.may_have(household, PANEL_FINDINGS):
        return []
    rows = list(
        findings_queryset(user)
        .filter(household_id=household.pk)
        .select_related("member")
        .order_by("-id")[:200]
    )
    rows.sort(key=lambda f: f.status != FindingStatus.OPEN)
    return rows


def run_list(*, user: User, limit: int = 200) -> list[ComparisonRun]:
    return list(ComparisonRun.objects.restrict(user).order_by("-started_at", "-id")[:limit])


def run_get(*, user: User, pk: int) -> ComparisonRun:
    run = ComparisonRun.objects.restrict(user).filter(pk=pk).first()
    if run is None:
        raise Http404
    return run


def unmatched_of(*, user: User, run: ComparisonRun, limit: int = 1000) -> list[UnmatchedPerson]:
    return list(UnmatchedPerson.objects.restrict(user).filter(run=run).order_by("id")[:limit])


def finding_details(finding: Finding) -> list[tuple[str, Any]]:
    """The department record's fields with their labels, in the kind's column order; the
    ID number masked (the member's own number can be revealed on the household page)."""
    labels: dict[str, Any] = {engine.ROW: _("Row in the file")}
    labels.update({c.name: c.label for c in engine.columns_of(finding.kind)})
    data = dict(finding.details or {})
    if data.get("id_number"):
        data["id_number"] = mask_id_number(data["id_number"])
    return [(labels[k], data[k]) for k in labels if data.get(k) not in (None, "")]
