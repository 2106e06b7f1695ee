"""Workbooks of monitoring: a grading round's grades inside the user's area (xlsxwriter,
labels in the user's language)."""

from __future__ import annotations

import io

import xlsxwriter
from django.utils.translation import gettext as _

from fupin.accounts.models import User
from fupin.monitoring import selectors
from fupin.monitoring.models import GradeColour, GradingRound


def grade_workbook(user: User, rnd: GradingRound) -> bytes:
    """One sheet of grades (household, head, village, colours, reasons, adjustment) and
    one of counts per village and colour."""
    grades = list(
        selectors.grades_for(user, rnd)
        .select_related("household", "village", "adjusted_by", "round")
        .order_by("village_id", "household_id")
    )
    heads = selectors.head_names([g.household_id for g in grades])
    labels = dict(GradeColour.choices)
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
    for i, g in enumerate(grades, start=1):
        ws.write_row(
            i,
            0,
            [
                g.household.number,
                heads.get(g.household_id, ""),
                g.village.name,
                str(labels[g.colour]),
                str(labels[g.computed_colour]),
                str(labels.get(g.previous_colour, "")),
                "; ".join(selectors.reasons_of(g)),
                g.adjusted_by.username if g.adjusted_by else "",
                g.adjustment_reason,
            ],
        )
    ws.set_column(0, 0, 20)
    ws.set_column(6, 6, 60)
    ws2 = book.add_worksheet(_("By village"))
    ws2.write_row(0, 0, [str(_("Village")), *[str(labels[c]) for c in GradeColour.values]], head)
    per: dict[str, dict[str, int]] = {}
    names: dict[str, str] = {}
    for g in grades:
        per.setdefault(g.village_id, dict.fromkeys(GradeColour.values, 0))[g.colour] += 1
        names[g.village_id] = g.village.name
    for i, (code, counts) in enumerate(sorted(per.items()), start=1):
        ws2.write_row(i, 0, [names[code], *[counts[c] for c in GradeColour.values]])
    book.close()
    return buffer.getvalue()
