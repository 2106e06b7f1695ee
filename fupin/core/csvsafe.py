"""CSV cells that a spreadsheet would run as a formula are escaped (CSV injection).

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula (or
the start of one) to Excel, WPS and LibreOffice: a household address
`=HYPERLINK("http://…","点击")` typed into the registry would become a live link in the
export opened by a county clerk. Every CSV the system writes goes through this module,
which prefixes such a cell with a single quote (`'=HYPERLINK(…)`): the spreadsheet then
shows the text as typed. A plain number (`-12.50`, `+3`) is left alone, so amounts stay
numbers. Readers of our own CSV files undo the escape with `unescape_frame`.

Row form and column form side by side: `escape_cell` / `SafeWriter` for rows written
with the csv module, `escape_frame` / `write_frame` for polars frames.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

import polars as pl

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?"
_NUMBER_RE = re.compile(_NUMBER)
# A cell needs the quote: it starts with a trigger and is not a plain number.
_TRIGGER_PATTERN = r"^[=+\-@\t\r]"
_ESCAPED_PATTERN = r"^'[=+\-@\t\r]"


def escape_cell(value: Any) -> Any:
    """The value as it may go into a CSV cell; non-strings are returned unchanged."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not _NUMBER_RE.fullmatch(value):
        return "'" + value
    return value


def escape_row(row: Iterable[Any]) -> list[Any]:
    return [escape_cell(v) for v in row]


class SafeWriter:
    """csv.writer that escapes every cell: SafeWriter(fh).writerow([...])."""

    def __init__(self, fh: IO[str], **kwargs: Any) -> None:
        self._writer = csv.writer(fh, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(escape_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def _escape_expr(name: str) -> pl.Expr:
    col = pl.col(name)
    needs = col.str.contains(_TRIGGER_PATTERN) & ~col.str.contains(f"^{_NUMBER}$")
    return pl.when(needs).then(pl.lit("'") + col).otherwise(col).alias(name)


def escape_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every text cell escaped (other columns unchanged)."""
    names = [n for n, t in frame.schema.items() if t == pl.String]
    return frame.with_columns([_escape_expr(n) for n in names]) if names else frame


def write_frame(frame: pl.DataFrame, target: Any, **kwargs: Any) -> Any:
    """`frame.write_csv(target, **kwargs)` with every text cell escaped."""
    return escape_frame(frame).write_csv(target, **kwargs)


def unescape_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Undo escape_frame on a frame read back from one of our CSV files."""
    names = [n for n, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(
        [
            pl.when(pl.col(n).str.contains(_ESCAPED_PATTERN))
            .then(pl.col(n).str.slice(1))
            .otherwise(pl.col(n))
            .alias(n)
            for n in names
        ]
    )
