"""What a dashboard shows, read through the indicators app (never computed here).

Every figure comes from `fupin.indicators.selectors.figures`; its label, definition and
unit from `fupin.indicators.definitions.DEFINITIONS`. This module only chooses which
figures a dashboard shows, scopes the area to the user, and shapes them for pages,
charts and reports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from fupin.core.errors import OutsideArea
from fupin.core.models import ChangeRecord
from fupin.core.scope import code_range
from fupin.geo.models import Division, Level
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
]
# Choropleths: incidence, monitoring risk, visit compliance.
MAP_METRICS = ["poverty_incidence", "monitoring_objects", "risk_major", "visit_coverage"]
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
TREND_CACHE_SECONDS = 3600


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

    @property
    def headline(self) -> list[Figure]:
        return [figure(code, self.node.values) for code in HEADLINE if code in D.DEFINITIONS]


def figure(code: str, values: dict[str, Any]) -> Figure:
    d = D.DEFINITIONS[code]
    return Figure(
        code=code,
        label=str(d.label),
        definition=str(d.definition),
        unit=str(D.UNIT_LABELS.get(d.unit, d.unit)),
        value=values.get(code),
    )


def area_for(*, user, code: str) -> Division:
    """The division if it lies in the user's area; OutsideArea (404) otherwise."""
    area = Division.objects.restrict(user).filter(code=code).select_related("parent").first()
    if area is None:
        raise OutsideArea()
    return area


def home_area(user) -> Division | None:
    """The area a user's dashboard opens on: their own, or the first county for a
    user of the whole country."""
    if user.area_id:
        return user.area
    return Division.objects.restrict(user).filter(level=Level.COUNTY).order_by("code").first()


def dashboard(*, user, code: str, as_of: dt.date | None = None) -> Dashboard:
    area = area_for(user=user, code=code)
    nodes = figures(area.code, as_of=as_of, depth=1)
    node, children = nodes[0], [n for n in nodes[1:] if n.level == area.level + 1]
    return Dashboard(
        area=area,
        as_of=as_of or timezone.localdate(),
        node=node,
        children=children,
        child_level=area.level + 1 if area.level < Level.VILLAGE else None,
    )


def trend_years(area: Division, today: dt.date | None = None) -> list[int]:
    """Years from the first recorded change in the area (not before 2014) to this year."""
    today = today or timezone.localdate()
    first = (
        ChangeRecord.objects.filter(area_code__range=code_range(area.prefix))
        .order_by("time")
        .values_list("time", flat=True)
        .first()
    )
    start = max(FIRST_TREND_YEAR, timezone.localtime(first).year if first else today.year)
    return list(range(start, today.year + 1))


def year_end(year: int, today: dt.date | None = None) -> dt.date | None:
    """The as-of date for a year's figures: 31 December, or None (today) this year."""
    today = today or timezone.localdate()
    return None if year >= today.year else dt.date(year, 12, 31)


def trends(*, user, code: str) -> dict[str, Any]:
    """The area's figures as of 31 December of each year (this year: today), for TREND.

    A past year's figures are read back from history, which does not change, so they are
    cached for an hour; this year's are read fresh."""
    area = area_for(user=user, code=code)
    today = timezone.localdate()
    years = trend_years(area, today)
    series: dict[str, list] = {c: [] for c in TREND}
    for year in years:
        as_of = year_end(year, today)
        values = None
        key = f"fupin:dashboards:trend:{area.code}:{as_of}"
        if as_of is not None:
            values = cache.get(key)
        if values is None:
            values = figures(area.code, as_of=as_of, depth=0)[0].values
            if as_of is not None:
                cache.set(key, {c: values.get(c) for c in TREND}, TREND_CACHE_SECONDS)
        for c in TREND:
            series[c].append(values.get(c))
    return {
        "years": years,
        "series": [
            {"code": c, **_labels(c), "values": series[c]} for c in TREND if c in D.DEFINITIONS
        ],
    }


def _labels(code: str) -> dict[str, str]:
    d = D.DEFINITIONS[code]
    return {
        "label": str(d.label),
        "definition": str(d.definition),
        "unit": str(D.UNIT_LABELS.get(d.unit, d.unit)),
        "percent": d.unit == D.PERCENT,
    }


def chart_data(board: Dashboard) -> dict[str, Any]:
    """Everything the charts draw, as JSON-ready data (labels in the active language)."""
    nodes = [board.node, *board.children]
    breakdowns = []
    groups = {key: (label, defs) for key, label, defs in D.by_group()}
    for key in BREAKDOWNS:
        if key not in groups:
            continue
        label, defs = groups[key]
        items = [
            {"code": d.code, "label": str(d.label), "value": board.node.values.get(d.code)}
            for d in defs
            if d.kind != D.RATE
        ]
        breakdowns.append({"group": key, "label": str(label), "items": items})
    return {
        "area": {"code": board.area.code, "name": board.area.name, "level": board.area.level},
        "as_of": board.as_of.isoformat(),
        "children": [
            {"code": n.code, "name": n.name, "values": {c: n.values.get(c) for c in TABLE}}
            for n in board.children
        ],
        "node": {c: board.node.values.get(c) for c in TABLE},
        "metrics": [{"code": c, **_labels(c)} for c in MAP_METRICS if c in D.DEFINITIONS],
        "table": [{"code": c, **_labels(c)} for c in TABLE if c in D.DEFINITIONS],
        "breakdowns": breakdowns,
        "map_nodes": [n.code for n in (board.children or nodes[:1])],
    }
