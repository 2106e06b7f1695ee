"""Reads of the area exit procedures, always scoped to the user's area."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.http import Http404

from fupin.accounts.models import User
from fupin.cases.area import services
from fupin.cases.models import AreaCase, AreaCaseStep, AreaNotice, AreaObjection
from fupin.cases.procedures import AreaKind
from fupin.core.scope import user_covers
from fupin.geo.models import CountyProfile, Division, Level, VillageProfile


def area_case_get(*, user: User, pk: int) -> AreaCase:
    case = AreaCase.objects.restrict(user).select_related("area", "opened_by").filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def area_case_records(case: AreaCase) -> list[AreaCaseStep]:
    return list(case.records.order_by("done_at", "id"))


def area_step_record_get(*, user: User, case_pk: int, pk: int) -> AreaCaseStep:
    rec = AreaCaseStep.objects.restrict(user).filter(case_id=case_pk, pk=pk).first()
    if rec is None or not rec.file:
        raise Http404
    return rec


def area_notices(case: AreaCase) -> list[AreaNotice]:
    return list(case.notices.order_by("-posted_on", "-id"))


def area_objection_get(*, user: User, pk: int) -> AreaObjection:
    obj = AreaObjection.objects.restrict(user).select_related("notice__case").filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def area_notice_get(*, user: User, pk: int) -> AreaNotice:
    notice = AreaNotice.objects.restrict(user).select_related("case").filter(pk=pk).first()
    if notice is None:
        raise Http404
    return notice


def townships(user: User) -> list[Division]:
    """The townships of the user's area (the village exit list is read one at a time); a
    village user's own township."""
    found = list(Division.objects.restrict(user).filter(level=Level.TOWNSHIP).order_by("code"))
    if not found and user.area is not None and user.area.level == Level.VILLAGE:
        found = list(Division.objects.filter(code=user.area.parent_id))
    return found


@dataclass
class VillageRow:
    village: Division
    profile: VillageProfile
    case: AreaCase | None
    checklist: dict[str, Any] | None  # today's, for a poor village not exited

    @property
    def failing(self) -> list[dict[str, Any]]:
        return services.failing_items(self.checklist)


def village_exit_rows(*, user: User, township_code: str, on: dt.date) -> list[VillageRow]:
    """The poor villages of a township in the user's area: those not exited first, with
    their exit checklist as of `on` (the candidates), then those exited, with their year;
    each with its latest exit case."""
    township = Division.objects.filter(code=township_code, level=Level.TOWNSHIP).first()
    # The township's list, for a user of the township or above, or of one of its villages
    # (who sees their own village's row: the profiles are scoped below).
    if township is None or not (
        user_covers(user, township.code) or (user.area_id or "").startswith(township.prefix)
    ):
        raise Http404
    profiles = list(
        VillageProfile.objects.restrict(user)
        .filter(village__parent=township, is_poor_village=True)
        .select_related("village")
        .order_by("village_id")
    )
    cases: dict[str, AreaCase] = {}
    for c in AreaCase.objects.filter(
        kind=AreaKind.VILLAGE_EXIT, area_id__in=[p.village_id for p in profiles]
    ).order_by("opened_at", "id"):
        cases[c.area_id] = c  # the latest wins
    rows = []
    for p in profiles:
        checklist = None
        if not p.exit_year:
            checklist = services.evaluate_checklist(AreaKind.VILLAGE_EXIT, p.village_id, on)
        rows.append(VillageRow(p.village, p, cases.get(p.village_id), checklist))
    rows.sort(key=lambda r: (r.profile.exit_year is not None, r.village.code))
    return rows


@dataclass
class CountyRow:
    county: Division
    profile: CountyProfile | None
    case: AreaCase | None


def county_exit_rows(*, user: User) -> list[CountyRow]:
    """The counties of the user's area with their poor-county status and latest exit case."""
    counties = list(Division.objects.restrict(user).filter(level=Level.COUNTY).order_by("code"))
    codes = [c.code for c in counties]
    profiles = {p.county_id: p for p in CountyProfile.objects.filter(county_id__in=codes)}
    cases: dict[str, AreaCase] = {}
    for c in AreaCase.objects.filter(kind=AreaKind.COUNTY_EXIT, area_id__in=codes).order_by(
        "opened_at", "id"
    ):
        cases[c.area_id] = c
    return [CountyRow(c, profiles.get(c.code), cases.get(c.code)) for c in counties]


def latest_case(code: str) -> AreaCase | None:
    """The latest exit case of a village or county (for the division page's link)."""
    return AreaCase.objects.filter(area_id=code).order_by("-opened_at", "-id").first()
