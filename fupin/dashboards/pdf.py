"""The PDF summary report of an area: headline figures, a bar chart of poverty incidence
by child area, the trend by year, monitoring risk levels, and the table of child areas.

Charts are reportlab.graphics (no browser needed); Chinese text uses the font of the
case documents (fupin.cases.pdf.font_name: WenQuanYi Micro Hei embedded when present,
else the built-in STSong-Light).
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from fupin.cases.pdf import font_name
from fupin.dashboards import selectors as S
from fupin.dashboards.tables import Tables, format_value, unit_label
from fupin.indicators import definitions as D

RED = colors.HexColor("#b3261e")
RISK_COLOURS = ["#c62828", "#ef6c00", "#f9a825", "#1e63b8"]
WIDTH = A4[0] - 36 * mm


def _styles() -> dict[str, ParagraphStyle]:
    f = font_name()
    return {
        "title": ParagraphStyle("title", fontName=f, fontSize=18, leading=26, alignment=1),
        "h2": ParagraphStyle("h2", fontName=f, fontSize=13, leading=20, spaceBefore=8),
        "body": ParagraphStyle("body", fontName=f, fontSize=10, leading=15, wordWrap="CJK"),
        "cell": ParagraphStyle("cell", fontName=f, fontSize=8, leading=11, wordWrap="CJK"),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _label(code: str) -> str:
    return str(D.DEFINITIONS[code].label)


def _table(rows: list[list[str]], widths: list[float], st) -> Table:
    table = Table(
        [[_p(c, st["cell"]) for c in row] for row in rows], colWidths=widths, repeatRows=1
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _bar_chart(names: list[str], values: list[float], title: str) -> Drawing:
    f = font_name()
    drawing = Drawing(WIDTH, 190)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 45, WIDTH - 60, 120
    chart.data = [values or [0]]
    chart.categoryAxis.categoryNames = names or [""]
    chart.categoryAxis.labels.fontName = f
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 45 if len(names) > 8 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(names) > 8 else "n"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = RED
    drawing.add(chart)
    drawing.add(String(0, 175, title, fontName=f, fontSize=10))
    return drawing


def _line_chart(
    years: list[int], series: list[tuple[str, list[float | None]]], title: str
) -> Drawing:
    f = font_name()
    drawing = Drawing(WIDTH, 200)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 45, 40, WIDTH - 180, 130
    chart.data = [[v if v is not None else 0 for v in values] for _n, values in series] or [[0]]
    chart.categoryAxis.categoryNames = [str(y) for y in years] or [""]
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    palette = [RED, colors.HexColor("#1e63b8"), colors.HexColor("#1e7b34")]
    for i in range(len(series)):
        chart.lines[i].strokeColor = palette[i % len(palette)]
        chart.lines[i].strokeWidth = 1.5
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = WIDTH - 125, 160
    legend.fontName = f
    legend.fontSize = 8
    legend.colorNamePairs = [(palette[i % len(palette)], n) for i, (n, _v) in enumerate(series)]
    drawing.add(legend)
    drawing.add(String(0, 185, title, fontName=f, fontSize=10))
    return drawing


def write_pdf(tables: Tables, path: Path) -> None:
    st = _styles()
    node = tables.node
    story: list = []
    title = _("Summary report: %(area)s, %(year)s") % {
        "area": tables.area.name,
        "year": tables.year,
    }
    story.append(_p(title, st["title"]))
    story.append(
        _p(
            _("Figures as of %(date)s, from the registry through the indicators of fupin.")
            % {"date": tables.as_of.isoformat()},
            st["body"],
        )
    )
    story.append(Spacer(1, 6))

    story.append(_p(_("Headline figures"), st["h2"]))
    rows = [[_("Figure"), pgettext("figure", "Value"), pgettext("figure", "Unit")]]
    for code in S.HEADLINE:
        if code in D.DEFINITIONS:
            rows.append([_label(code), format_value(code, node.values.get(code)), unit_label(code)])
    story.append(_table(rows, [WIDTH * 0.55, WIDTH * 0.25, WIDTH * 0.2], st))

    if tables.children:
        names = [n.name for n in tables.children]
        values = [float(n.values.get("poverty_incidence") or 0) for n in tables.children]
        story.append(Spacer(1, 8))
        story.append(
            _bar_chart(
                names,
                values,
                _("%(figure)s by area (%%)") % {"figure": _label("poverty_incidence")},
            )
        )

    years = tables.trend.get("years") or []
    if len(years) > 1:
        counts = [
            (_label(c), [v.get(c) for v in tables.trend["values"]])
            for c in ("registered_people", "poor_people", "exited_people")
        ]
        story.append(_line_chart(years, counts, _("Trend by year (as of 31 December)")))
        rate = [
            (
                _label("poverty_incidence"),
                [v.get("poverty_incidence") for v in tables.trend["values"]],
            )
        ]
        story.append(
            _line_chart(
                years, rate, _("%(figure)s by year (%%)") % {"figure": _label("poverty_incidence")}
            )
        )

    risk = [d for d in D.DEFINITIONS.values() if d.group == "monitoring" and d.kind == D.BREAKDOWN]
    if risk:
        story.append(_p(_("Monitoring objects by risk level"), st["h2"]))
        rows = [[str(d.label) for d in risk]]
        rows.append([format_value(d.code, node.values.get(d.code)) for d in risk])
        story.append(_table(rows, [WIDTH / len(risk)] * len(risk), st))

    if tables.children:
        story.append(_p(_("Figures by area"), st["h2"]))
        cols = [
            "registered_households",
            "registered_people",
            "poor_people",
            "poverty_incidence",
            "monitoring_objects",
            "visit_coverage",
        ]
        head = [_("Area")] + [f"{_label(c)} ({unit_label(c)})" for c in cols]
        rows = [head]
        for n in tables.children:
            rows.append([n.name] + [format_value(c, n.values.get(c)) for c in cols])
        rows.append(
            [_("Total: %(name)s") % {"name": tables.area.name}]
            + [format_value(c, node.values.get(c)) for c in cols]
        )
        widths = [WIDTH * 0.22] + [WIDTH * 0.78 / len(cols)] * len(cols)
        story.append(_table(rows, widths, st))

    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
    )
    doc.build(story)
