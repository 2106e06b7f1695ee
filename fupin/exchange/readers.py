"""Reading registration workbooks (xlsx or CSV) into frames of text, one per sheet kind.

Whatever the file looks like, what comes out is, per sheet kind (households, members,
incomes), a frame whose columns are the layout's column codes, every value as text
exactly as typed (nothing inferred), plus `_row`, the row number a person sees in
Excel. Headers are found by their stable code (the hidden `_columns` sheet or a `#code`
row), their Chinese or English header, in simplified or traditional characters, with
full-width characters and stray spaces; a header spread over merged cells of two rows
is read from both rows.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import polars as pl
from django.utils import translation

from fupin.core import csvsafe
from fupin.exchange import layout as L
from fupin.exchange.export import csv_paths

HEADER_SCAN_ROWS = 8
MIN_MATCHED_COLUMNS = 3


def clean_text(value: str) -> str:
    """NFKC (full-width → half-width), no spaces, simplified characters."""
    text = unicodedata.normalize("NFKC", value)
    text = re.sub(r"\s+", "", text)
    return to_simplified(text)


@lru_cache(maxsize=4096)
def to_simplified(text: str) -> str:
    if text.isascii():
        return text
    return _converter().convert(text)


@lru_cache(maxsize=1)
def _converter():
    # lazy: only a file holding traditional characters needs opencc and its dictionaries
    import opencc

    return opencc.OpenCC("t2s")


def header_names(sheet: L.Sheet) -> dict[str, str]:
    """Every accepted spelling of a sheet's headers → column code: the code, `#code`, and
    the Chinese and English header, cleaned (the programme ledgers' sheets use it too)."""
    names: dict[str, str] = {}
    for col in sheet.columns:
        names[col.code.lower()] = col.code
        names["#" + col.code.lower()] = col.code
        for lang in ("zh-hans", "en"):
            with translation.override(lang):
                names[clean_text(str(col.header)).lower()] = col.code
    return names


@lru_cache(maxsize=1)
def header_index() -> dict[str, dict[str, str]]:
    """For each sheet kind of the registry workbook, `header_names`."""
    return {sheet.key: header_names(sheet) for sheet in L.SHEETS}


@dataclass
class RawSheet:
    key: str
    frame: pl.DataFrame  # the rows of all its sheets, `_row` and `_sheet` added
    names: list[str] = field(default_factory=list)  # sheet names (or files) it came from


class WorkbookError(Exception):
    """The file cannot be read as a registration workbook at all."""


def _match_header(rows: list[list[str | None]], key: str) -> tuple[int, dict[int, str], int]:
    """Find the header row in the first rows: the row where most cells name a column of
    the sheet kind; cells left empty by a merged header take the name from the rows
    above. Returns (header row index, {column index: code}, matched count)."""
    names = header_index()[key]
    best: tuple[int, dict[int, str], int] = (-1, {}, 0)
    for r in range(min(len(rows), HEADER_SCAN_ROWS)):
        mapping: dict[int, str] = {}
        width = max((len(x) for x in rows[: r + 1]), default=0)
        for j in range(width):
            for rr in range(r, -1, -1):
                row = rows[rr]
                cell = row[j] if j < len(row) else None
                if cell is None or str(cell).strip() == "":
                    continue
                code = names.get(clean_text(str(cell)).lower())
                if code and code not in mapping.values():
                    mapping[j] = code
                break
        # The `#code` row under the headers (our CSV) also counts as header.
        if len(mapping) > best[2]:
            best = (r, mapping, len(mapping))
    return best


def _to_frame(
    key: str, columns: list[pl.Series], header_row: int, mapping: dict[int, str], first: int
) -> pl.DataFrame:
    """Data rows after the header, columns renamed to codes, `_row` = Excel's row number."""
    sheet = L.SHEETS_BY_KEY[key]
    n = len(columns[0]) if columns else 0
    data = {}
    for j, code in mapping.items():
        data[code] = columns[j].slice(header_row + 1).cast(pl.String)
    height = n - header_row - 1
    frame = pl.DataFrame(data) if data else pl.DataFrame({"_": [None] * max(height, 0)})
    frame = frame.with_columns(
        pl.int_range(first + header_row + 1, first + header_row + 1 + height, dtype=pl.Int64).alias(
            "_row"
        )
    )
    # Skip the `#code` row, if any, and rows that are entirely empty.
    value_cols = [c for c in frame.columns if c in sheet.codes]
    if value_cols:
        frame = frame.with_columns(pl.col(value_cols).str.strip_chars())
        is_code_row = pl.all_horizontal(
            pl.col(c).is_null() | pl.col(c).str.starts_with("#") for c in value_cols
        )
        not_empty = pl.any_horizontal(
            pl.col(c).is_not_null() & (pl.col(c) != "") for c in value_cols
        )
        frame = frame.filter(not_empty & ~is_code_row)
    for code in sheet.codes:
        if code not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(code))
    return frame.select([*sheet.codes, "_row"])


def _best_kind(rows: list[list[str | None]]) -> tuple[str | None, int, dict[int, str]]:
    best: tuple[str | None, int, dict[int, str], int] = (None, -1, {}, 0)
    for sheet in L.SHEETS:
        r, mapping, _n = _match_header(rows, sheet.key)
        # A sheet kind is recognised by columns only it has (members: id_number, …).
        own = [c for c in mapping.values() if c != "household_number"]
        if len(own) > best[3]:
            best = (sheet.key, r, mapping, len(own))
    if best[3] < MIN_MATCHED_COLUMNS:
        return None, -1, {}
    return best[0], best[1], best[2]


def _collect(parts: dict[str, RawSheet], key: str, name: str, frame: pl.DataFrame) -> None:
    frame = frame.with_columns(pl.lit(name).alias("_sheet"))
    raw = parts.get(key)
    if raw is None:
        parts[key] = RawSheet(key, frame, [name])
    else:
        raw.names.append(name)
        raw.frame = pl.concat([raw.frame, frame])


def read_xlsx(path: Path) -> dict[str, RawSheet]:
    # lazy: fastexcel (with pyarrow) loads only when an .xlsx workbook is read
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as exc:
        raise WorkbookError(str(exc)) from exc
    parts: dict[str, RawSheet] = {}
    for name in reader.sheet_names:
        if name.startswith("_"):
            continue  # our hidden sheets (_columns, _codes)
        sheet = reader.load_sheet(name, header_row=None, dtypes="string")
        frame = sheet.to_polars()
        if frame.height == 0:
            continue
        head = [list(r) for r in frame.head(HEADER_SCAN_ROWS).iter_rows()]
        key, header_row, mapping = _best_kind(head)
        if key is None:
            continue
        columns = [frame.to_series(j) for j in range(frame.width)]
        _collect(parts, key, name, _to_frame(key, columns, header_row, mapping, 1))
    return parts


def read_csv(path: Path) -> dict[str, RawSheet]:
    files = [p for p in csv_paths(path).values() if p.exists()] or [path]
    parts: dict[str, RawSheet] = {}
    for file in files:
        try:
            frame = pl.read_csv(
                file,
                has_header=False,
                infer_schema=False,
                encoding="utf8-lossy",
                truncate_ragged_lines=True,
            )
        except Exception as exc:
            raise WorkbookError(str(exc)) from exc
        if frame.height == 0:
            continue
        first = frame.columns[0]
        frame = frame.with_columns(pl.col(first).str.strip_prefix("\ufeff"))
        frame = csvsafe.unescape_frame(frame)  # our exports quote formula-like cells
        head = [list(r) for r in frame.head(HEADER_SCAN_ROWS).iter_rows()]
        key, header_row, mapping = _best_kind(head)
        if key is None:
            continue
        columns = [frame.to_series(j) for j in range(frame.width)]
        _collect(parts, key, file.name, _to_frame(key, columns, header_row, mapping, 1))
    return parts


def read_workbook(path: Path) -> dict[str, RawSheet]:
    path = Path(path)
    if path.suffix.lower() == ".csv":
        parts = read_csv(path)
    elif path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        parts = read_xlsx(path)
    else:
        raise WorkbookError(f"{path.suffix}")
    if not parts:
        raise WorkbookError("no sheet of households, members or incomes")
    return parts
