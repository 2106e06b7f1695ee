"""What a dashboard shows, read through the indicators app (never computed here).

Every figure comes from `fupin.indicators.selectors.figures`; its label, definition and
unit from `fupin.indicators.definitions.DEFINITIONS`. This module only chooses which
figures a dashboard shows, scopes the area to the user, and shapes them for pages,
charts and reports.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Min
from django.tasks import task
from django.utils import timezone, translation

from fupin.accounts.models import User
from fupin.core import jobs
from fupin.core.errors import OutsideArea
from fupin.core.models import ChangeRecord
from fupin.dashboards.models import YearFigures
from fupin.geo.codes import ancestor_codes
from fupin.geo.models import Division, Level
from fupin.geo.services import level_of_code
from fupin.indicators import definitions as D
from fupin.indicators.selectors import figures
from fupin.registry.choices import HouseholdStatus

# Headline figures, in this order, each with its definition on hover.
HEADLINE = [
    "poverty_incidence",
    "registered_households",
    "registered_people",
    "poor_people",
    "exited_people",
    "monitoring_objects",
    "pairing_coverage",
    "visit_coverage",
    "microcredit_households",
    "microcredit_uptake_rate",
    "public_post_holders",
    "employed_labour_rate",
    "relocated_people",
    "trained_labourers",
    "households_benefit_linked",
    "students_aided",
    "medical_insured_rate",
]
# Columns of the table of child areas.
TABLE = [
    "registered_households",
    "registered_people",
    "poor_households",
    "poor_people",
    "poverty_incidence",
    "exited_households",
    "returned_households",
    "monitoring_objects",
    "risk_major",
    "risk_serious",
    "pairing_coverage",
    "visit_coverage",
    "microcredit_balance",
    "microcredit_uptake_rate",
    "microcredit_overdue_rate",
    "employed_labour_rate",
    "relocated_labour_employed_rate",
    "trained_labourers",
    "certified_labourers",
    "households_benefit_linked",
    "dividends_paid",
    "students_aided",
    "rainbow_plan_students",
    "dropouts_open",
    "medical_insured_rate",
    "out_of_pocket_share",
]
# Choropleths: incidence, monitoring risk, visit compliance (visits within the policy's
# interval; the weaker "visited since 1 January" coverage stays in the headline and table).
MAP_METRICS = ["poverty_incidence", "monitoring_objects", "risk_major", "visit_compliance"]
# Map figures where a high value is good (a green scale rather than the warning one).
MAP_HIGH_IS_GOOD = ["visit_compliance", "visit_coverage"]
# Lines of the trend chart (figures as of 31 December of each year).
TREND = ["registered_people", "poor_people", "exited_people", "poverty_incidence"]
# Breakdown charts: groups of DEFINITIONS.
BREAKDOWNS = ["monitoring", "cause", "category", "health", "labour", "age", "flows", "measures"]
# Drill-down from a status figure to the household list filtered by that status.
STATUS_FIGURES = [
    ("poor_households", HouseholdStatus.POOR),
    ("returned_households", HouseholdStatus.RETURNED),
    ("exited_households", HouseholdStatus.EXITED),
    ("removed_households", HouseholdStatus.REMOVED),
    ("monitoring_objects", HouseholdStatus.MONITORED),
]
FIRST_TREND_YEAR = 2014  # 精准扶贫 starts; earlier years have no registry


@dataclass
class Figure:
    code: str
    label: str
    definition: str
    unit: str
    value: float | int | None


@dataclass
class Dashboard:
    area: Division
    as_of: dt.date
    node: Any  # NodeFigures of the area
    children: list[Any]  # NodeFigures of the child areas (none for a village)
    child_level: int | None
    grandchildren: list[Any] = field(default_factory=list)  # villages of a county
    # When today's figures were computed (None: figures as of a past date).
    computed_at: dt.datetime | None = None

    @property
    def headline(self) -> list[Figure]:
        return [figure(code, self.node.values) for code in HEADLINE if code in D.DEFINITIONS]


def figure(code: str, values: dict[str, Any]) -> Figure:
    labels = _labels(code)
    return Figure(
        code=code,
        label=labels["label"],
        definition=labels["definition"],
        unit=labels["unit"],
        value=values.get(code),
    )


def area_for(*, user: User, code: str) -> Division:
    """The division if it lies in the user's area; OutsideArea (404) otherwise."""
    area = Division.objects.restrict(user).filter(code=code).select_related("parent").first()
    if area is None:
        raise OutsideArea()
    return area


def home_area(user: User) -> Division | None:
    """The area a user's dashboard opens on: their own, or the first county for a
    user of the whole country."""
    if user.area_id:
        return user.area
    return Division.objects.restrict(user).filter(level=Level.COUNTY).order_by("code").first()


def dashboard_depth(area: Division) -> int:
    """The levels below the area that its dashboard shows: a county's map can also show
    its villages (two levels at once). The trends read the area's own figures from the
    same computation (one per area in the shared cache, not one per depth)."""
    return 2 if area.level == Level.COUNTY else 1


def dashboard(*, user: User, code: str, as_of: dt.date | None = None) -> Dashboard:
    area = area_for(user=user, code=code)
    depth = dashboard_depth(area)
    computed_at = None
    if as_of is None:
        nodes, computed_at = todays_figures_at(area.code, depth=depth)
    else:
        nodes = figures(area.code, as_of=as_of, depth=depth)
    node, children = nodes[0], [n for n in nodes[1:] if n.level == area.level + 1]
    return Dashboard(
        area=area,
        as_of=as_of or timezone.localdate(),
        node=node,
        children=children,
        child_level=area.level + 1 if area.level < Level.VILLAGE else None,
        grandchildren=[n for n in nodes[1:] if n.level == area.level + 2],
        computed_at=computed_at,
    )


FIGURES_CACHE_SECONDS = 24 * 3600
# Today's figures are computed again after a change at most this often per area (the
# page shows when they were computed): see todays_figures_at.
DEFAULT_FIGURES_MIN_AGE = 60
# How long one process may take to compute an area's figures before another may try.
FIGURES_LOCK_SECONDS = 120


def figures_min_age() -> float:
    return float(getattr(settings, "FUPIN_FIGURES_MIN_AGE", DEFAULT_FIGURES_MIN_AGE))


def todays_figures(area_code: str, *, depth: int) -> list[Any]:
    """figures() of today, shared by every process through the cache (todays_figures_at)."""
    return todays_figures_at(area_code, depth=depth)[0]


def todays_figures_at(area_code: str, *, depth: int) -> tuple[list[Any], dt.datetime]:
    """figures() of today and when they were computed, kept in the shared cache.

    Every write to the registry, monitoring and assistance records a change, so the id
    of the newest change record stamps the state the figures were computed from. Kept
    figures with the newest stamp are served as they are. After a change they are
    computed again, but at most once per FUPIN_FIGURES_MIN_AGE seconds (60) per area, by
    one process at a time, and in the background (`fupin worker`): the request that
    finds them stale enqueues the work and, like every request until it is done, is
    served the kept figures with the time they were computed, which the page shows.
    Under steady work (a case step, a visit every second) computing on every change
    cost each dashboard request a second of CPU on a prefecture, and computing in the
    request that found them stale made that request take seconds once a minute. Only
    an area's first figures of the day are computed in the request. Figures that change
    without a record (data quality counts after a quality run) are at most a day old."""
    stamp = ChangeRecord.objects.aggregate(n=Max("id"))["n"] or 0
    key = _figures_key(area_code, depth)
    kept: dict[str, Any] | None = cache.get(key)
    if kept is not None:
        if kept["stamp"] == stamp:
            return kept["nodes"], kept["at"]
        age = (timezone.now() - kept["at"]).total_seconds()
        if age < figures_min_age() or not cache.add(f"{key}:lock", 1, FIGURES_LOCK_SECONDS):
            return kept["nodes"], kept["at"]
        sync = getattr(settings, "FUPIN_DASHBOARD_SYNC", False)
        jobs.enqueue(refresh_figures_task, job=None, sync=sync, area_code=area_code, depth=depth)
        if not sync:
            return kept["nodes"], kept["at"]
        kept = cache.get(key)
        if kept is not None:
            return kept["nodes"], kept["at"]
    return refresh_figures(area_code, depth=depth, locked=False)


def _figures_key(area_code: str, depth: int) -> str:
    return f"fupin:dashboards:figures:{area_code}:{depth}:{timezone.localdate()}"


def refresh_figures(
    area_code: str, *, depth: int, locked: bool = True
) -> tuple[list[Any], dt.datetime]:
    """Compute today's figures of an area and keep them (stamped with the newest change
    record before they were read); `locked`: the caller holds the area's lock, let go
    here."""
    key = _figures_key(area_code, depth)
    try:
        stamp = ChangeRecord.objects.aggregate(n=Max("id"))["n"] or 0
        at = timezone.now()
        nodes = figures(area_code, depth=depth)
        cache.set(key, {"stamp": stamp, "at": at, "nodes": nodes}, FIGURES_CACHE_SECONDS)
    finally:
        if locked:
            cache.delete(f"{key}:lock")
    return nodes, at


@task()
def refresh_figures_task(*, area_code: str, depth: int) -> None:
    """The background computation of `todays_figures_at` (fupin worker)."""
    refresh_figures(area_code, depth=depth)


def trend_years(area: Division, today: dt.date | None = None) -> list[int]:
    """Years from the first recorded change (not before 2014) to this year. The first
    change of the whole registry, not of the area: one look-up in the time index."""
    today = today or timezone.localdate()
    first = ChangeRecord.objects.aggregate(first=Min("time"))["first"]
    start = max(FIRST_TREND_YEAR, timezone.localtime(first).year if first else today.year)
    return list(range(start, today.year + 1))


def year_end(year: int, today: dt.date | None = None) -> dt.date | None:
    """The as-of date for a year's figures: 31 December, or None (today) this year."""
    today = today or timezone.localdate()
    return None if year >= today.year else dt.date(year, 12, 31)


def _day_end(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


def stored_years(area_code: str, dates: list[dt.date]) -> dict[dt.date, dict[str, Any]]:
    """The kept figures of an area as of past dates, leaving out those made stale by a
    change dated on or before that day but recorded after they were computed."""
    rows = list(YearFigures.objects.filter(area_code=area_code, as_of__in=dates))
    # The earliest date of the records added since each computation: a range on the
    # primary key (rows computed together share their last_record_id).
    earliest = {
        last: ChangeRecord.objects.filter(id__gt=last).aggregate(t=Min("time"))["t"]
        for last in {r.last_record_id for r in rows}
    }
    return {
        r.as_of: r.values
        for r in rows
        if earliest[r.last_record_id] is None or earliest[r.last_record_id] >= _day_end(r.as_of)
    }


def stored_year(area_code: str, as_of: dt.date) -> dict[str, Any] | None:
    return stored_years(area_code, [as_of]).get(as_of)


def year_scope(area_code: str) -> str:
    """The area whose past year is computed together with `area_code`'s. Reading a past
    date back from history costs about the same for a village as for its county (the
    records since that date are read whatever the area: 17 s a year on the prefecture
    demo), so an area inside a county is computed with the whole county, down to its
    villages, and every node is kept; a county or a larger area is computed down to its
    villages too."""
    county = next((c for c in ancestor_codes(area_code) if level_of_code(c) == Level.COUNTY), None)
    return county or area_code


def compute_year(area_code: str, as_of: dt.date) -> dict[str, Any]:
    """figures(as_of=...) of the area, kept for the next reader with those of every area
    computed with it (`year_scope`)."""
    last = ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    top = year_scope(area_code)
    nodes = figures(top, as_of=as_of, depth=max(0, Level.VILLAGE - level_of_code(top)))
    now = timezone.now()
    YearFigures.objects.bulk_create(
        [
            YearFigures(
                area_code=n.code, as_of=as_of, values=n.values, last_record_id=last, computed_at=now
            )
            for n in nodes
        ],
        update_conflicts=True,
        unique_fields=["area_code", "as_of"],
        update_fields=["values", "last_record_id", "computed_at"],
        batch_size=1000,
    )
    found = next((n.values for n in nodes if n.code == area_code), None)
    return found if found is not None else figures(area_code, as_of=as_of, depth=0)[0].values


def year_values(area_code: str, as_of: dt.date) -> dict[str, Any]:
    values = stored_year(area_code, as_of)
    return values if values is not None else compute_year(area_code, as_of)


def warm_years(*, area_code: str, dates: list[dt.date]) -> None:
    """Compute the missing past years of an area (a background job of the trends)."""
    try:
        for as_of in dates:
            if stored_year(area_code, as_of) is None:
                compute_year(area_code, as_of)
    finally:
        cache.delete(_warm_key(area_code))


@task()
def warm_years_task(*, area_code: str, dates: list[str]) -> None:
    """The task of `trends` (JSON arguments: the dates as ISO text)."""
    warm_years(area_code=area_code, dates=[dt.date.fromisoformat(d) for d in dates])


def _warm_key(area_code: str) -> str:
    return f"fupin:dashboards:warm:{area_code}"


def trends(*, user: User, code: str, start_missing: bool = True) -> dict[str, Any]:
    """The area's figures as of 31 December of each year (this year: today), for TREND.

    A past year's figures are read back from history once, by a background job, and
    kept (YearFigures); until a year is ready its values are null and the year is listed
    in "pending", so the chart draws what it has and asks again."""
    area = area_for(user=user, code=code)
    today = timezone.localdate()
    years = trend_years(area, today)
    series: dict[str, list[Any]] = {c: [] for c in TREND}
    pending: list[int] = []
    kept = stored_years(area.code, [dt.date(y, 12, 31) for y in years[:-1]])
    for year in years:
        as_of = year_end(year, today)
        if as_of is None:
            values = todays_figures(area.code, depth=dashboard_depth(area))[0].values
        else:
            values = kept.get(as_of)
            if values is None:
                pending.append(year)
                values = {}
        for c in TREND:
            series[c].append(values.get(c))
    if pending and start_missing and cache.add(_warm_key(area.code), 1, 3600):
        jobs.enqueue(
            warm_years_task,
            job=None,
            sync=getattr(settings, "FUPIN_DASHBOARD_SYNC", False),
            area_code=area.code,
            dates=[dt.date(y, 12, 31).isoformat() for y in pending],
        )
        if getattr(settings, "FUPIN_DASHBOARD_SYNC", False):
            return trends(user=user, code=code, start_missing=False)
    return {
        "years": years,
        "pending": pending,
        "series": [
            {"code": c, **_labels(c), "values": series[c]} for c in TREND if c in D.DEFINITIONS
        ],
    }


def _labels(code: str) -> dict[str, Any]:
    """A figure's label, definition and unit in the active language (the definitions are
    lazy strings formatted on each use: worked out once per language)."""
    return _labels_in(code, translation.get_language())


@functools.lru_cache(maxsize=2048)
def _labels_in(code: str, language: str) -> dict[str, Any]:
    d = D.DEFINITIONS[code]
    return {
        "label": str(d.label),
        "definition": str(d.definition),
        "unit": str(D.UNIT_LABELS.get(d.unit, d.unit)),
        "percent": d.unit == D.PERCENT,
    }


def chart_data(board: Dashboard) -> dict[str, Any]:
    """Everything the charts draw, as JSON-ready data (labels in the active language)."""
    shown = list(dict.fromkeys([*TABLE, *MAP_METRICS]))  # the table's and the map's figures
    breakdowns = []
    groups = {key: (label, defs) for key, label, defs in D.by_group()}
    for key in BREAKDOWNS:
        if key not in groups:
            continue
        label, defs = groups[key]
        items = [
            {
                "code": d.code,
                "label": _labels(d.code)["label"],
                "value": board.node.values.get(d.code),
            }
            for d in defs
            if d.kind != D.RATE
        ]
        breakdowns.append({"group": key, "label": str(label), "items": items})
    return {
        "area": {"code": board.area.code, "name": board.area.name, "level": board.area.level},
        "as_of": board.as_of.isoformat(),
        "children": [
            {"code": n.code, "name": n.name, "values": {c: n.values.get(c) for c in shown}}
            for n in board.children
        ],
        "node": {c: board.node.values.get(c) for c in shown},
        "metrics": [
            {"code": c, **_labels(c), "good": c in MAP_HIGH_IS_GOOD}
            for c in MAP_METRICS
            if c in D.DEFINITIONS
        ],
        "table": [{"code": c, **_labels(c)} for c in TABLE if c in D.DEFINITIONS],
        "breakdowns": breakdowns,
        "villages": [
            {"code": n.code, "name": n.name, "values": {c: n.values.get(c) for c in MAP_METRICS}}
            for n in board.grandchildren
        ],
    }
