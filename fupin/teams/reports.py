"""The attendance workbook of a month (xlsxwriter, labels in the user's language): one
sheet per township, one of the members under the requirement."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fupin.teams.attendance import Days


def _pct(days: Days) -> float | str:
    return float(days.rate) if days.rate is not None else ""


def attendance_workbook(month: dt.date, rows: list[Any], under: list[Any], total: Days) -> bytes:
    """`rows`: township rows (name, teams, days); `under`: members under the requirement
    (cadre, township, village, days), as the attendance page shows them."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    head = book.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1})
    pct = book.add_format({"num_format": "0.0%"})
    ws = book.add_worksheet(_("Townships"))
    columns = [
        _("Township"),
        _("Teams"),
        _("Days required"),
        _("Days present"),
        _("Days credited"),
        _("Days on leave"),
        _("Attendance rate"),
    ]
    ws.write_row(0, 0, [str(x) for x in columns], head)
    for i, r in enumerate(rows, start=1):
        d = r.days
        ws.write_row(i, 0, [r.name, r.teams, d.required, d.present, d.credited, d.leave])
        ws.write(i, 6, _pct(d), pct)
    n = len(rows) + 1
    ws.write_row(n, 0, [_("Total"), "", total.required, total.present, total.credited, total.leave])
    ws.write(n, 6, _pct(total), pct)
    ws.set_column(0, 0, 18)
    ws.set_column(1, 6, 12)
    ws2 = book.add_worksheet(_("Under the requirement"))
    columns = [
        pgettext("work team", "Member"),
        _("Unit"),
        _("Township"),
        _("Village"),
        _("Days required"),
        _("Days present"),
        _("Days on leave"),
        _("Attendance rate"),
    ]
    ws2.write_row(0, 0, [str(x) for x in columns], head)
    for i, r in enumerate(under, start=1):
        d = r.days
        row = [r.cadre.name, r.cadre.unit, r.township, r.village]
        ws2.write_row(i, 0, [*row, d.required, d.present, d.leave])
        ws2.write(i, 7, _pct(d), pct)
    ws2.set_column(0, 3, 16)
    ws.write(n + 2, 0, _("Month") + f" {month:%Y-%m}")
    book.close()
    return buffer.getvalue()
