"""The import report: every rejected row with its reasons, the warnings on rows that
were kept (an amount rounded to the fen), and the rejected rows in the layout of the
workbook, so they can be fixed and imported again."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import xlsxwriter
from django.utils.translation import gettext as _

from fupin.exchange import layout as L
from fupin.exchange.importer import ImportResult, summary_lines


def write_report(result: ImportResult, path: Path) -> Path:
    path = Path(path)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
    ws = book.add_worksheet(_("Summary"))
    ws.set_column(0, 0, 90)
    lines = [
        _("File: %(file)s") % {"file": result.run.file_name},
        _("SHA-256: %(hash)s") % {"hash": result.run.file_sha256},
        _("Status: %(status)s") % {"status": result.run.get_status_display()},
        result.run.message,
        *summary_lines(result),
    ]
    for i, line in enumerate(x for x in lines if x):
        ws.write_string(i, 0, line)
    headers = [_("Sheet"), _("Row"), _("Column"), _("Value"), _("Reason")]
    _cell_sheet(book.add_worksheet(_("Rejected rows")), headers, head, result.errors)
    if result.warnings.height:
        # Rows that were kept, with what the import did to a cell (an amount rounded).
        warn = book.add_format({"bold": True, "bg_color": "#FFF2CC", "border": 1})
        headers = [_("Sheet"), _("Row"), _("Column"), _("Value"), _("Warning")]
        _cell_sheet(book.add_worksheet(_("Warnings")), headers, warn, result.warnings)
    reasons = result.errors.group_by(["sheet", "row"], maintain_order=True).agg(
        pl.concat_str([pl.col("column"), pl.col("reason")], separator=": ")
        .str.join("; ")
        .alias("_reasons")
    )
    for key, rows in result.rejected_rows.items():
        if rows.is_empty():
            continue
        sheet = L.SHEETS_BY_KEY[key]
        rows = rows.join(reasons, left_on=["_sheet", "_row"], right_on=["sheet", "row"], how="left")
        ws = book.add_worksheet(str(sheet.title))
        for j, col in enumerate(sheet.columns):
            ws.set_column(j, j, col.width)
            ws.write_string(0, j, str(col.header), head)
        n = len(sheet.columns)
        ws.write_string(0, n, _("Original row"), head)
        ws.write_string(0, n + 1, _("Reasons"), head)
        ws.set_column(n + 1, n + 1, 80)
        for i, row in enumerate(
            rows.select([*sheet.codes, "_row", "_reasons"]).iter_rows(), start=1
        ):
            for j, value in enumerate(row):
                if value is None:
                    continue
                if j == n:
                    ws.write_number(i, j, value)
                else:
                    ws.write_string(i, j, str(value))
    book.close()
    return path


def _cell_sheet(ws, headers: list, head, cells: pl.DataFrame) -> None:
    """A sheet of cells (sheet, row, column, value, reason or warning), one a line."""
    for j, (text, width) in enumerate(zip(headers, (14, 8, 22, 24, 80), strict=True)):
        ws.set_column(j, j, width)
        ws.write_string(0, j, text, head)
    for i, row in enumerate(cells.iter_rows(), start=1):
        for j, value in enumerate(row):
            if value is None:
                continue
            if j == 1:
                ws.write_number(i, j, value)
            else:
                ws.write_string(i, j, str(value))
