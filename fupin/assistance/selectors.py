"""Reads of assistance, always scoped to the user (or to an explicit area prefix)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, QuerySet
from django.utils import timezone

from fupin.accounts.models import User
from fupin.assistance import assign, due
from fupin.assistance.assign import Proposal
from fupin.assistance.models import (
    AssistancePolicy,
    Cadre,
    DirectoryEntry,
    HouseholdPlan,
    Measure,
    Pairing,
    Visit,
)
from fupin.core.errors import OutsideArea
from fupin.core.scope import RestrictedQuerySet, covers_household, user_covers
from fupin.core.types import AreaUser
from fupin.geo.codes import ancestor_codes
from fupin.registry import panels
from fupin.registry.models import Household


def policy_for(area_code: str) -> AssistancePolicy:
    """The most specific region's assistance policy; the national one or code defaults."""
    regions = ancestor_codes(area_code)
    found = {p.region_id: p for p in AssistancePolicy.objects.filter(region_id__in=regions)}
    for code in regions:
        if code in found:
            return found[code]
    national = AssistancePolicy.objects.filter(region__isnull=True).first()
    return national or AssistancePolicy()


# Cadres and pairings ------------------------------------------------------------------


def served_household_ids(user: AreaUser) -> QuerySet[Pairing, int]:
    """The households the user's cadre profiles are actively paired with, as a subquery
    of ids (fupin.core.scope narrows a paired cadre's reads to them)."""
    return (
        Pairing.objects.current()
        .filter(cadre__user_id=user.pk, cadre__active=True)
        .values_list("household_id", flat=True)
    )


def cadre_list(*, user: User, area_prefix: str = "") -> QuerySet[Cadre]:
    qs = Cadre.objects.restrict(user).select_related("home_area")
    if area_prefix:
        qs = qs.in_area(area_prefix)
    return qs


def cadre_get(*, user: User, pk: int) -> Cadre:
    cadre = Cadre.objects.restrict(user).select_related("home_area", "user").filter(pk=pk).first()
    if cadre is None:
        raise OutsideArea()
    return cadre


def pairing_list(
    *, user: User, area_prefix: str = "", current_only: bool = True
) -> QuerySet[Pairing]:
    qs = Pairing.objects.restrict(user).select_related("cadre", "household", "household__village")
    if area_prefix:
        qs = qs.in_area(area_prefix)
    if current_only:
        qs = qs.current()
    return qs.order_by("household__village_id", "household_id", "id")


def due_households(
    area_prefix: str = "", on: dt.date | None = None
) -> RestrictedQuerySet[Household]:
    """The households of an area due assistance on `on` (today by default): in poverty,
    monitoring objects, and exited households within the transition period (`due`)."""
    on = on or timezone.localdate()
    qs = Household.objects.filter(due.due_q(on, due.periods(), area_prefix))
    if area_prefix:
        qs = qs.in_area(area_prefix)
    return qs


def unpaired_households(
    area_prefix: str = "", on: dt.date | None = None
) -> RestrictedQuerySet[Household]:
    """The households due assistance (`due_households`) without a current pairing."""
    return due_households(area_prefix, on).exclude(
        pk__in=Pairing.objects.current().values("household_id")
    )


def paired_not_due(
    area_prefix: str = "", on: dt.date | None = None
) -> RestrictedQuerySet[Household]:
    """Households with a current pairing that are no longer due assistance (an exited
    household beyond its transition period, a removed one): their pairings are not ended
    automatically; the pairing page counts them so the office can decide."""
    on = on or timezone.localdate()
    qs = Household.objects.filter(pk__in=Pairing.objects.current().values("household_id")).exclude(
        due.due_q(on, due.periods(), area_prefix)
    )
    if area_prefix:
        qs = qs.in_area(area_prefix)
    return qs


def free_slots(cadres: Iterable[Cadre]) -> list[assign.Slot]:
    cadres = list(cadres)
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for cid, kind in (
        Pairing.objects.current().filter(cadre__in=cadres).values_list("cadre_id", "kind")
    ):
        counts[cid][kind] += 1
    policies: dict[str, AssistancePolicy] = {}
    slots: list[assign.Slot] = []
    for cadre in cadres:
        pol = policies.get(cadre.home_area_id)
        if pol is None:
            pol = policies[cadre.home_area_id] = policy_for(cadre.home_area_id)
        slots += assign.slots_for(
            cadre_id=cadre.pk,
            home=cadre.home_area_id,
            quota=pol.quota(cadre.rank),
            max_total=pol.max_households,
            current=counts[cadre.pk],
        )
    return slots


def propose(*, area_prefix: str = "", households: Iterable[Household] | None = None) -> Proposal:
    """The optimal proposal for unpaired eligible households of an area (or the given
    ones), with the active cadres of the counties concerned."""
    if households is None:
        households = unpaired_households(area_prefix).only("id", "village_id")
    hs = [(h.pk, h.village_id) for h in households]
    counties = sorted({v[:6] for _h, v in hs})
    cadres = Cadre.objects.none()
    for county in counties:
        cadres = cadres | Cadre.objects.in_area(county).filter(active=True)
    return assign.solve(hs, free_slots(cadres.order_by("pk")))


# Visits and compliance ----------------------------------------------------------------


@dataclass
class Overdue:
    cadre: Cadre
    households: list[tuple[Household, dt.date | None]] = field(default_factory=list)


def overdue_cadres(*, user: User, as_of: dt.date, area_prefix: str = "") -> list[Overdue]:
    """Cadres with a paired household not visited within the policy's interval up to
    `as_of` (a pairing younger than the interval is not yet due)."""
    pairings = [
        p
        for p in pairing_list(user=user, area_prefix=area_prefix, current_only=False).filter(
            start_date__lte=as_of
        )
        if p.end_date is None or p.end_date > as_of
    ]
    last = {
        (r["cadre_id"], r["household_id"]): r["last"]
        for r in Visit.objects.filter(
            household_id__in=[p.household_id for p in pairings], date__lte=as_of
        )
        .values("cadre_id", "household_id")
        .annotate(last=Max("date"))
    }
    out: dict[int, Overdue] = {}
    intervals: dict[str, int] = {}
    for p in pairings:
        code = p.household.village_id
        if code not in intervals:
            intervals[code] = policy_for(code).visit_interval_days
        due = as_of - dt.timedelta(days=intervals[code])
        if p.start_date > due:
            continue
        seen = last.get((p.cadre_id, p.household_id))
        if seen is None or seen <= due:
            out.setdefault(p.cadre_id, Overdue(p.cadre)).households.append((p.household, seen))
    return sorted(out.values(), key=lambda o: (o.cadre.home_area_id, o.cadre.name))


# The household panel ------------------------------------------------------------------


# The household page's flags: whether the household has any row of each kind
# (registry.panels); a kind it has none of is not read.
PANEL_PAIRINGS = "panel_pairings"
PANEL_VISITS = "panel_visits"
PANEL_PLAN = "panel_plan"
PANEL_MEASURES = "panel_measures"


def household_assistance(*, user: User | None, household: Household) -> dict[str, Any] | None:
    if user is None or not covers_household(user, household):
        return None
    visits: list[Visit] = []
    if panels.may_have(household, PANEL_VISITS):
        visits = list(Visit.objects.filter(household=household).select_related("cadre")[:5])
    for v in visits:
        v.household = household  # the visits table shows its number: no query per visit
    pairings: list[Pairing] = []
    if panels.may_have(household, PANEL_PAIRINGS):
        pairings = list(
            Pairing.objects.current().filter(household=household).select_related("cadre")
        )
    plan = None
    if panels.may_have(household, PANEL_PLAN):
        plan = HouseholdPlan.objects.filter(household=household).first()
    measures: list[Measure] = []
    if panels.may_have(household, PANEL_MEASURES):
        measures = list(Measure.objects.filter(household=household)[:10])
    # An exited household: whether it is still in its transition period (脱贫不脱帮扶).
    transition = None
    if household.status == due.EXITED:
        transition = due.household_due(household, timezone.localdate())
    return {
        "pairings": pairings,
        "visits": visits,
        "plan": plan,
        "measures": measures,
        "transition": transition,
    }


def visit_get(*, user: User, pk: int) -> Visit:
    v = Visit.objects.restrict(user).select_related("household", "cadre").filter(pk=pk).first()
    if v is None:
        raise OutsideArea()
    return v


def directory(*, user: User, area_code: str) -> QuerySet[DirectoryEntry]:
    if not user_covers(user, area_code):
        raise OutsideArea()
    return DirectoryEntry.objects.filter(area_id=area_code)
