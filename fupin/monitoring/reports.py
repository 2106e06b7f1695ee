"""Workbooks of monitoring: a grading round's grades inside the user's area (xlsxwriter,
labels in the user's language)."""

from __future__ import annotations

import io

import xlsxwriter
from django.utils.translation import gettext as _

from fupin.accounts.models import User
from fupin.geo.models import Division
from fupin.monitoring import grading, selectors
from fupin.monitoring.models import GradeColour, GradingRound


def grade_workbook(user: User, rnd: GradingRound) -> bytes:
    """One sheet of grades (household, head, village, colours, reasons, adjustment) and
    one of counts per village and colour. Read as plain rows, each rule described once
    (a county's 24,000 grades as model objects with their reasons took 8 s)."""
    rows = list(
        selectors.grades_for(user, rnd)
        .order_by("village_id", "household_id")
        .values_list(
            "household_id",
            "household__number",
            "village_id",
            "colour",
            "computed_colour",
            "previous_colour",
            "reasons",
            "adjusted_by__username",
            "adjustment_reason",
        )
    )
    heads = selectors.head_names([r[0] for r in rows])
    villages = dict(
        Division.objects.filter(code__in={r[2] for r in rows}).values_list("code", "name")
    )
    described = {
        rule.get("id"): grading.describe(rule) for rule in (rnd.rules or {}).get("rules", [])
    }
    labels = {k: str(v) for k, v in GradeColour.choices}
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    head = book.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1})
    ws = book.add_worksheet(_("Grades"))
    columns = [
        _("Household number"),
        _("Head of household"),
        _("Village"),
        _("Colour"),
        _("Computed colour"),
        _("Colour in the previous round"),
        _("Reasons"),
        _("Adjusted by"),
        _("Reason of the adjustment"),
    ]
    ws.write_row(0, 0, [str(c) for c in columns], head)
    per: dict[str, dict[str, int]] = {}
    for i, (hid, number, village, colour, computed, previous, reasons, who, why) in enumerate(
        rows, start=1
    ):
        ws.write_row(
            i,
            0,
            [
                number,
                heads.get(hid, ""),
                villages.get(village, village),
                labels[colour],
                labels[computed],
                labels.get(previous, ""),
                "; ".join(described.get(r, str(r)) for r in reasons),
                who or "",
                why,
            ],
        )
        per.setdefault(village, dict.fromkeys(GradeColour.values, 0))[colour] += 1
    ws.set_column(0, 0, 20)
    ws.set_column(6, 6, 60)
    ws2 = book.add_worksheet(_("By village"))
    ws2.write_row(0, 0, [str(_("Village")), *[labels[c] for c in GradeColour.values]], head)
    for i, (code, counts) in enumerate(sorted(per.items()), start=1):
        ws2.write_row(i, 0, [villages.get(code, code), *[counts[c] for c in GradeColour.values]])
    book.close()
    return buffer.getvalue()
