"""The indicators as text, JSON and Excel (for the command and the page's download)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.geo.models import Level
from fupin.indicators.definitions import DEFINITIONS, UNIT_LABELS, by_group
from fupin.indicators.selectors import NodeFigures


def meta(nodes: list[NodeFigures], *, as_of=None, snapshot=None) -> dict[str, Any]:
    node = nodes[0]
    day = snapshot.as_of if snapshot is not None else as_of or timezone.localdate()
    return {
        "area": node.code,
        "area_name": node.name,
        "as_of": day.isoformat(),
        "period_start": dt.date(day.year, 1, 1).isoformat(),
        "snapshot": snapshot.pk if snapshot is not None else None,
        "snapshot_sha256": snapshot.manifest_sha256 if snapshot is not None else None,
    }


def fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}"


def as_dict(nodes: list[NodeFigures], info: dict) -> dict[str, Any]:
    return {
        **info,
        "definitions": {
            code: {
                "label": str(d.label),
                "definition": str(d.definition),
                "unit": d.unit,
                "kind": d.kind,
            }
            for code, d in DEFINITIONS.items()
        },
        "nodes": [
            {
                "code": n.code,
                "name": n.name,
                "level": n.level,
                "parent": n.parent,
                "values": n.values,
            }
            for n in nodes
        ],
    }


def as_text(nodes: list[NodeFigures], info: dict) -> str:
    node = nodes[0]
    lines = [
        _("Indicators of %(name)s (%(code)s) as of %(day)s")
        % {"name": node.name, "code": node.code, "day": info["as_of"]},
    ]
    if info.get("snapshot"):
        lines.append(_("From snapshot %(id)s") % {"id": info["snapshot"]})
    for _key, label, defs in by_group():
        lines.append("")
        lines.append(f"== {label}")
        for d in defs:
            lines.append(f"  {d.code:<34} {fmt(node.values.get(d.code)):>14}  {d.label}")
    children = nodes[1:]
    if children:
        lines.append("")
        lines.append(_("Children"))
        keys = ["registered_people", "poor_people", "rural_population", "poverty_incidence"]
        lines.append(
            "  " + f"{'':<13}{'':<16}" + "".join(f"{DEFINITIONS[k].label!s:>14}" for k in keys)
        )
        for n in children:
            indent = "  " * (n.level - node.level)
            lines.append(
                f"{indent}{n.code:<13}{n.name[:14]:<16}"
                + "".join(f"{fmt(n.values.get(k)):>14}" for k in keys)
            )
    return "\n".join(lines)


def write_xlsx(nodes: list[NodeFigures], info: dict, path) -> None:
    """One sheet of figures (a row per node, a column per figure) and one of
    definitions."""

    with xlsxwriter.Workbook(path) as book:
        bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        sheet = book.add_worksheet(_("Indicators"))
        sheet.write(0, 0, _("As of"), bold)
        sheet.write(0, 1, info["as_of"])
        if info.get("snapshot"):
            sheet.write(0, 2, _("Snapshot"), bold)
            sheet.write(0, 3, info["snapshot"])
        head = [_("Code"), _("Name"), _("Level")] + [str(d.label) for d in DEFINITIONS.values()]
        for col, text in enumerate(head):
            sheet.write(2, col, text, bold)
        for row, n in enumerate(nodes, start=3):
            sheet.write(row, 0, n.code)
            sheet.write(row, 1, n.name)
            sheet.write(row, 2, str(Level(n.level).label))
            for col, code in enumerate(DEFINITIONS, start=3):
                value = n.values.get(code)
                if value is not None:
                    sheet.write_number(row, col, value)
        sheet.freeze_panes(3, 3)
        sheet.set_column(0, 0, 14)
        sheet.set_column(1, 1, 18)
        sheet.set_column(3, 3 + len(DEFINITIONS), 12)
        defs = book.add_worksheet(_("Definitions"))
        for col, text in enumerate([_("Code"), _("Figure"), _("Unit"), _("Definition")]):
            defs.write(0, col, text, bold)
        for row, d in enumerate(DEFINITIONS.values(), start=1):
            defs.write(row, 0, d.code)
            defs.write(row, 1, str(d.label), wrap)
            defs.write(row, 2, str(UNIT_LABELS[d.unit]))
            defs.write(row, 3, str(d.definition), wrap)
        defs.set_column(0, 0, 30)
        defs.set_column(1, 1, 24)
        defs.set_column(3, 3, 90)
