"""What a report of an area is made of (the figures, all from the indicators app) and how
its cells are labelled: read by the Excel and the PDF writers, filled by
`fupin.dashboards.reports.collect`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fupin.geo.models import Division, Level
from fupin.indicators import definitions as D


class Tables:
    """The figures a report is made of (all from the indicators app)."""

    def __init__(self, area: Division, as_of: dt.date, year: int) -> None:
        self.area = area
        self.as_of = as_of
        self.year = year
        self.node: Any = None
        self.children: list[Any] = []
        self.villages: list[tuple[str, Any]] = []  # (township name, village NodeFigures)
        self.trend: dict[str, Any] = {}

    @property
    def codes(self) -> list[str]:
        return list(D.DEFINITIONS)

    @property
    def child_level(self) -> int | None:
        return self.area.level + 1 if self.area.level < Level.VILLAGE else None


def unit_label(code: str) -> str:
    d = D.DEFINITIONS[code]
    return str(D.UNIT_LABELS.get(d.unit, d.unit))


def format_value(code: str, value: Any) -> str:
    if value is None:
        return "—"
    d = D.DEFINITIONS[code]
    if d.kind == D.RATE:
        return f"{float(value):.2f}"
    if d.unit == D.YUAN:
        return f"{float(value):,.2f}"
    return f"{int(value):,}"
