"""Reads of the contact system, always scoped to the user (links and reports by their
contact point's division code)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from fupin.accounts.models import User
from fupin.core.errors import OutsideArea
from fupin.core.history import history_of
from fupin.geo.codes import ancestor_codes
from fupin.leaders import rules
from fupin.leaders.models import ContactLink, ContactReport, ContactRule


def rule_rows() -> list[rules.RuleRow]:
    return [
        rules.RuleRow(r.pk, r.region_id, r.target, r.rank, r.period, r.visits_required)
        for r in ContactRule.objects.all()
    ]


def required_for(link: ContactLink, rows: list[rules.RuleRow] | None = None) -> rules.Requirement:
    """The visits a link owes per period (the rule that applies to it, `rules.pick_rule`)."""
    return rules.pick_rule(
        rule_rows() if rows is None else rows,
        ancestors=ancestor_codes(link.area_id),
        target=link.area.level,
        rank=link.leader.rank,
    )


def link_list(
    *, user: User, current_on: dt.date | None = None, area_prefix: str = ""
) -> QuerySet[ContactLink]:
    qs = ContactLink.objects.restrict(user).select_related("leader", "area", "area__parent")
    if area_prefix:
        qs = qs.in_area(area_prefix)
    if current_on is not None:
        qs = qs.current(current_on)
    return qs.order_by("area_id", "start_date", "id")


def link_get(*, user: User, pk: int) -> ContactLink:
    link = link_list(user=user).filter(pk=pk).first()
    if link is None:
        raise OutsideArea()
    return link


def reports_of(*, user: User, link: ContactLink) -> QuerySet[ContactReport]:
    return ContactReport.objects.restrict(user).filter(link=link).select_related("recorded_by")


def report_get(*, user: User, pk: int) -> ContactReport:
    report = ContactReport.objects.restrict(user).select_related("link").filter(pk=pk).first()
    if report is None:
        raise OutsideArea()
    return report


def link_history(link: ContactLink) -> list[Any]:
    """Change records of the link and of its reports (recorded with the link as parent)."""
    return list(history_of(link).select_related("user")[:200])


def rule_list(*, user: User) -> list[ContactRule]:
    """The rules that can apply in the user's area: its own and those above it (and
    the national ones)."""
    prefix_codes = ancestor_codes(user.area_id) if user.area_id else []
    qs = ContactRule.objects.select_related("region")
    if user.area_id:
        own = ContactRule.objects.restrict(user).values("pk")
        qs = (
            qs.filter(region_id__in=prefix_codes)
            | qs.filter(region__isnull=True)
            | qs.filter(pk__in=own)
        )
    return list(qs.order_by("region_id", "target", "rank"))


@dataclass
class Standing:
    """A link's visits in one period: what it owes, what it did, what is missing."""

    link: ContactLink
    requirement: rules.Requirement
    start: dt.date
    end: dt.date
    done: int
    last_report: dt.date | None

    @property
    def required(self) -> int:
        return self.requirement.visits

    @property
    def missing(self) -> int:
        return rules.shortfall(self.required, self.done)

    @property
    def days_left(self) -> int:
        return max((self.end - timezone.localdate()).days, 0)


def standings(
    *, user: User, as_of: dt.date, area_prefix: str = "", previous: bool = False
) -> list[Standing]:
    """Every link in force during its period containing `as_of` (or the period before,
    with `previous`), with the reports dated in that period."""
    rows = rule_rows()
    candidates = list(link_list(user=user, area_prefix=area_prefix).filter(start_date__lte=as_of))
    found: list[tuple[ContactLink, rules.Requirement, dt.date, dt.date]] = []
    for link in candidates:
        req = required_for(link, rows)
        bounds = rules.previous_period if previous else rules.period_of
        start, end = bounds(req.period, as_of)
        if rules.in_force(link.start_date, link.end_date, start, end):
            found.append((link, req, start, end))
    if not found:
        return []
    earliest = min(s for _l, _r, s, _e in found)
    dates: dict[int, list[dt.date]] = {}
    for link_id, day in ContactReport.objects.filter(
        link_id__in=[link.pk for link, *_ in found], date__gte=earliest, date__lte=as_of
    ).values_list("link_id", "date"):
        dates.setdefault(link_id, []).append(day)
    out = []
    for link, req, start, end in found:
        mine = [d for d in dates.get(link.pk, []) if start <= d <= end]
        out.append(Standing(link, req, start, end, len(mine), max(mine, default=None)))
    return out


def overdue(
    *, user: User, as_of: dt.date | None = None, area_prefix: str = "", previous: bool = False
) -> list[Standing]:
    """Links whose visits required in the period containing `as_of` (today) — or the
    period before it — are not all reported, most missing first."""
    as_of = as_of or timezone.localdate()
    rows = [
        s
        for s in standings(user=user, as_of=as_of, area_prefix=area_prefix, previous=previous)
        if s.missing
    ]
    return sorted(rows, key=lambda s: (-s.missing, s.link.area_id, s.link.leader.name))


def report_counts(link_ids: list[int]) -> Counter[int]:
    return Counter(
        ContactReport.objects.filter(link_id__in=link_ids).values_list("link_id", flat=True)
    )
