"""The Excel workbook of a report's standard tables (xlsxwriter; labels in the language
the report was asked in)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import xlsxwriter
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fupin.dashboards.tables import Tables, unit_label
from fupin.geo.models import Level
from fupin.indicators import definitions as D

# The sheet of the children, by their level.
LEVEL_SHEETS: dict[int, Callable[[], str]] = {
    Level.PREFECTURE: lambda: pgettext("sheet", "By prefecture"),
    Level.COUNTY: lambda: pgettext("sheet", "By county"),
    Level.TOWNSHIP: lambda: pgettext("sheet", "By township"),
    Level.VILLAGE: lambda: pgettext("sheet", "By village"),
}


def write_workbook(tables: Tables, path: Path) -> None:
    book = xlsxwriter.Workbook(
        str(path), {"constant_memory": False, "strings_to_formulas": False}
    )  # names typed as "=…" stay text
    try:
        fmt = {
            "title": book.add_format({"bold": True, "font_size": 14}),
            "head": book.add_format(
                {
                    "bold": True,
                    "bg_color": "#EEEEEE",
                    "border": 1,
                    "text_wrap": True,
                    "valign": "top",
                }
            ),
            "group": book.add_format({"bold": True, "bg_color": "#F6E3E1"}),
            "int": book.add_format({"num_format": "#,##0"}),
            "rate": book.add_format({"num_format": "0.00"}),
            "money": book.add_format({"num_format": "#,##0.00"}),
            "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        }
        _summary(book, fmt, tables)
        if tables.children and tables.child_level:
            _by_area(
                book,
                fmt,
                str(LEVEL_SHEETS[tables.child_level]()),
                [(None, n) for n in tables.children],
                tables,
            )
        if tables.villages:
            _by_area(
                book,
                fmt,
                pgettext("sheet", "By village"),
                tables.villages,
                tables,
                with_parent=True,
            )
        _trend(book, fmt, tables)
    finally:
        book.close()


def _cell_format(fmt, code: str):
    d = D.DEFINITIONS[code]
    if d.kind == D.RATE:
        return fmt["rate"]
    return fmt["money"] if d.unit == D.YUAN else fmt["int"]


def _summary(book, fmt, tables: Tables) -> None:
    sheet = book.add_worksheet(_("Summary"))
    sheet.write(0, 0, f"{tables.area.name} ({tables.area.code})", fmt["title"])
    sheet.write(1, 0, _("Figures as of %(date)s") % {"date": tables.as_of.isoformat()})
    headers = [
        _("Code"),
        _("Figure"),
        pgettext("figure", "Value"),
        pgettext("figure", "Unit"),
        pgettext("figure", "Definition"),
    ]
    row = 3
    for col, h in enumerate(headers):
        sheet.write(row, col, h, fmt["head"])
    row += 1
    for _key, label, defs in D.by_group():
        sheet.write(row, 0, str(label), fmt["group"])
        row += 1
        for d in defs:
            value = tables.node.values.get(d.code)
            sheet.write(row, 0, d.code)
            sheet.write(row, 1, str(d.label))
            if value is None:
                sheet.write_blank(row, 2, None)
            else:
                sheet.write_number(row, 2, value, _cell_format(fmt, d.code))
            sheet.write(row, 3, unit_label(d.code))
            sheet.write(row, 4, str(d.definition), fmt["wrap"])
            row += 1
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 30)
    sheet.set_column(2, 3, 12)
    sheet.set_column(4, 4, 90)
    sheet.freeze_panes(4, 0)


def _by_area(book, fmt, title: str, rows, tables: Tables, *, with_parent: bool = False) -> None:
    sheet = book.add_worksheet(title[:31])
    codes = tables.codes
    fixed = [_("Division code"), pgettext("division", "Name")]
    if with_parent:
        fixed.insert(0, _("Township"))
    for col, h in enumerate(fixed):
        sheet.write(0, col, h, fmt["head"])
    for i, code in enumerate(codes):
        d = D.DEFINITIONS[code]
        sheet.write(0, len(fixed) + i, f"{d.label} ({unit_label(code)})", fmt["head"])
    for r, (parent, node) in enumerate(rows, start=1):
        values = ([parent] if with_parent else []) + [node.code, node.name]
        for col, v in enumerate(values):
            sheet.write_string(r, col, v or "")
        for i, code in enumerate(codes):
            value = node.values.get(code)
            if value is not None:
                sheet.write_number(r, len(fixed) + i, value, _cell_format(fmt, code))
    # The area's own row at the bottom: the total (rates from summed counts).
    total = len(rows) + 1
    sheet.write(
        total, len(fixed) - 1, _("Total: %(name)s") % {"name": tables.area.name}, fmt["group"]
    )
    for i, code in enumerate(codes):
        value = tables.node.values.get(code)
        if value is not None:
            sheet.write_number(total, len(fixed) + i, value, _cell_format(fmt, code))
    sheet.set_row(0, 60)
    sheet.set_column(0, len(fixed) - 1, 16)
    sheet.set_column(len(fixed), len(fixed) + len(codes), 12)
    sheet.freeze_panes(1, len(fixed))


def _trend(book, fmt, tables: Tables) -> None:
    sheet = book.add_worksheet(_("Trend"))
    codes = tables.codes
    sheet.write(0, 0, _("Year"), fmt["head"])
    for i, code in enumerate(codes):
        d = D.DEFINITIONS[code]
        sheet.write(0, i + 1, f"{d.label} ({unit_label(code)})", fmt["head"])
    for r, (year, values) in enumerate(
        zip(tables.trend["years"], tables.trend["values"], strict=True), start=1
    ):
        sheet.write_number(r, 0, year)
        for i, code in enumerate(codes):
            value = values.get(code)
            if value is not None:
                sheet.write_number(r, i + 1, value, _cell_format(fmt, code))
    sheet.set_row(0, 60)
    sheet.set_column(1, len(codes), 12)
    sheet.freeze_panes(1, 1)
