"""Which policy set applies where and when."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from fupin.core.errors import DomainError
from fupin.policy.models import PolicySet


class NoPolicy(DomainError):
    code = "no_policy"
    status = 409


def _ancestors(area_code: str) -> list[str]:
    """The division codes that contain `area_code`, most specific first."""
    code = area_code.ljust(12, "0")
    cuts = [12, 9, 6, 4, 2]
    out = []
    for n in cuts:
        prefix = code[:n]
        if prefix.strip("0") == "" and n < 12:
            continue
        candidate = prefix.ljust(12, "0")
        if candidate not in out:
            out.append(candidate)
    return out


def current_policy(area_code: str, on: dt.date | None = None, year: int | None = None) -> PolicySet:
    """The policy set in force for an area on a date: for the given year (default the
    date's year, or the latest year that has one), the most specific region first (a
    county's own set, then its province's, then the national default), and of that the
    latest version already in effect."""
    on = on or dt.date.today()
    regions = _ancestors(area_code)
    base = PolicySet.objects.filter(
        Q(region_id__in=regions) | Q(region__isnull=True), effective_from__lte=on
    )
    years = (
        [year]
        if year
        else [
            on.year,
            *sorted(
                set(base.filter(year__lt=on.year).values_list("year", flat=True)), reverse=True
            ),
        ]
    )
    for y in years:
        candidates = list(base.filter(year=y).select_related("region"))
        if not candidates:
            continue
        rank = {code: i for i, code in enumerate(regions)}
        candidates.sort(key=lambda p: (rank.get(p.region_id, len(regions)), -p.version, -p.pk))
        return candidates[0]
    raise NoPolicy(f"no policy set in force for {area_code} on {on}")


def versions_of(policy: PolicySet):
    return PolicySet.objects.filter(region_id=policy.region_id, year=policy.year).order_by(
        "-version"
    )


DEFAULT_NOTICE_GRACE_DAYS = 30


def notice_grace_days(area_code: str, on: dt.date | None = None) -> int:
    """How many days a notice's public page stays up after its period, by the policy set
    in force for the area (the default when none is)."""
    try:
        return current_policy(area_code, on=on).notice_grace_days
    except NoPolicy:
        return DEFAULT_NOTICE_GRACE_DAYS


def four_eyes_setting(area_code: str):
    """The four-eyes setting of the policy set in force for the area today (on when no
    policy set is in force)."""
    from fupin.accounts.authority import FourEyesSetting

    try:
        p = current_policy(area_code)
    except NoPolicy:
        return FourEyesSetting()
    return FourEyesSetting(on=p.four_eyes, countersign_above=p.countersign_above, source=str(p))
