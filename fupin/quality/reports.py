"""Rendering a quality `Report` as text, JSON-ready data or an Excel workbook.

ID numbers appear masked in every format, as on the pages.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import xlsxwriter
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.core.masking import mask_id_number
from fupin.geo.models import PREFIX_LENGTH, Division, Level
from fupin.quality.rules import RULES, RULES_BY_CODE, SEVERITIES
from fupin.quality.selectors import AreaScore, Report


def _rows(report: Report) -> list[dict[str, Any]]:
    names = report.frames.members.select(
        pl.col("id").alias("member_id"), pl.col("name").alias("member_name"), "id_number"
    )
    rows = report.violations.join(names, on="member_id", how="left")
    out = []
    for r in rows.iter_rows(named=True):
        rule = RULES_BY_CODE[r["rule"]]
        out.append(
            {
                "rule": rule.code,
                "severity": rule.severity,
                "title": str(rule.title),
                "village": r["village_code"],
                "household_id": r["household_id"],
                "household_number": r["household_number"],
                "member_id": r["member_id"],
                "member_name": r["member_name"] or "",
                "id_number": mask_id_number(r["id_number"]),
                "detail": rule.describe(r["a"], r["b"], r["c"]),
            }
        )
    return out


def _score(s: AreaScore) -> dict[str, Any]:
    return {
        "code": s.code.ljust(12, "0"),
        "households": s.households,
        "people": s.people,
        "households_with_error": s.with_error,
        "households_with_warning_only": s.with_warning,
        "violations": s.violations,
        "score": s.score,
    }


def _rule_rows(report: Report) -> list[dict[str, Any]]:
    counts = report.counts_by_rule()
    return [
        {
            "code": r.code,
            "severity": r.severity,
            "title": str(r.title),
            "explanation": str(r.explanation),
            "violations": counts[r.code],
        }
        for r in RULES
    ]


def as_dict(report: Report, division: Division) -> dict[str, Any]:
    levels = {
        "townships": PREFIX_LENGTH[Level.TOWNSHIP],
        "villages": PREFIX_LENGTH[Level.VILLAGE],
    }
    return {
        "area": {"code": division.code, "name": division.name},
        "checked_on": report.frames.today.isoformat(),
        "total": _score(report.total()),
        "rules": _rule_rows(report),
        **{
            key: [_score(s) for s in report.scores(length)]
            for key, length in levels.items()
            if length > len(division.prefix)
        },
        "violations": _rows(report),
    }


def _fmt_score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def as_text(report: Report, division: Division) -> str:
    total = report.total()
    lines = [
        _("Data quality of %(name)s (%(code)s), checked on %(date)s")
        % {"name": division.name, "code": division.code, "date": report.frames.today},
        _("%(households)d households, %(people)d people, quality score %(score)s")
        % {
            "households": total.households,
            "people": total.people,
            "score": _fmt_score(total.score),
        },
        "",
    ]
    counts = report.counts_by_rule()
    for rule in RULES:
        lines.append(f"{rule.code}  {rule.severity_label:<4}  {counts[rule.code]:>8}  {rule.title}")
    lines.append("")
    if len(division.prefix) < PREFIX_LENGTH[Level.VILLAGE]:
        lines.append(_("Villages"))
        for s in report.scores(PREFIX_LENGTH[Level.VILLAGE]):
            lines.append(
                f"{s.code}  {_fmt_score(s.score):>6}  "
                + _("%(households)d households, %(errors)d with errors, %(warnings)d with warnings")
                % {
                    "households": s.households,
                    "errors": s.with_error,
                    "warnings": s.with_warning,
                }
            )
        lines.append("")
    lines.append(_("Violations"))
    for r in _rows(report):
        who = f" {r['member_name']} {r['id_number']}" if r["member_id"] else ""
        lines.append(
            f"{r['rule']} {r['village']} {r['household_number']}{who}: {r['title']}. {r['detail']}"
        )
    return "\n".join(lines)


HEADERS = {
    "code": gettext_lazy("Code"),
    "rule": gettext_lazy("Code"),
    "severity": gettext_lazy("Severity"),
    "title": gettext_lazy("Rule"),
    "explanation": gettext_lazy("Explanation"),
    "violations": gettext_lazy("Violations"),
    "village": gettext_lazy("Village"),
    "household_number": gettext_lazy("Household number"),
    "member_name": gettext_lazy("Member"),
    "id_number": gettext_lazy("ID number"),
    "detail": gettext_lazy("Detail"),
    "households": gettext_lazy("Households"),
    "people": gettext_lazy("People"),
    "households_with_error": gettext_lazy("With errors"),
    "households_with_warning_only": gettext_lazy("With warnings only"),
    "score": gettext_lazy("Score"),
}


def write_xlsx(report: Report, division: Division, path: str) -> None:
    """Three sheets: rules, village scores, violations (XlsxWriter, constant memory)."""

    data = as_dict(report, division)
    # strings_to_formulas off: a name or address typed as "=…" stays text (write_row
    # would otherwise store it as a formula).
    options = {"constant_memory": True, "strings_to_formulas": False}
    with xlsxwriter.Workbook(path, options) as book:
        sheets = [
            (_("Rules"), data["rules"], ["code", "severity", "title", "explanation", "violations"]),
            (
                _("Villages"),
                data.get("villages", [data["total"]]),
                list(_score(report.total()).keys()),
            ),
            (
                _("Violations"),
                data["violations"],
                [
                    "rule",
                    "severity",
                    "title",
                    "village",
                    "household_number",
                    "member_name",
                    "id_number",
                    "detail",
                ],
            ),
        ]
        for title, rows, columns in sheets:
            sheet = book.add_worksheet(str(title))
            sheet.write_row(0, 0, [str(HEADERS.get(c, c)) for c in columns])
            for n, row in enumerate(rows, start=1):
                values = [str(SEVERITIES[row[c]]) if c == "severity" else row[c] for c in columns]
                sheet.write_row(n, 0, values)
