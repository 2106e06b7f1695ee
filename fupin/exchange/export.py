"""Export of an area's registry as a registration workbook (xlsx or CSV), and the empty
template with drop-down lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import xlsxwriter
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from xlsxwriter.utility import xl_col_to_name

from fupin.accounts.roles import Capability, has_capability
from fupin.core import csvsafe
from fupin.core.errors import NotAllowed, OutsideArea
from fupin.core.frames import read_frame
from fupin.core.masking import MASKERS, birth_year_expr, mask_expr
from fupin.core.models import SensitiveRead
from fupin.core.scope import area_prefix_of, code_in_area, code_range
from fupin.exchange import layout as L
from fupin.exchange.models import ExchangeRun
from fupin.geo.models import Division
from fupin.registry import income as income_rule

# An xlsx sheet holds 1,048,576 rows; longer sheets continue on "<title> (2)" …
XLSX_MAX_DATA_ROWS = 1_048_576 - 1
COLUMNS_SHEET = "_columns"
CODES_SHEET = "_codes"


@dataclass
class ExportResult:
    paths: list[Path]
    rows: dict[str, int]
    masked: bool


def yes_no() -> tuple[str, str]:
    return _("Yes"), _("No")


def code_labels(choices) -> dict[str, str]:
    return {str(value): str(label) for value, label in choices.choices}


# ------------------------------------------------------------------ reading


def _household_frame(prefix: str) -> pl.DataFrame:
    cols = [c.field for c in L.HOUSEHOLDS.columns if c.field]
    select = ", ".join(f"h.{f}" for f in cols)
    sql = (
        f"SELECT h.id AS hid, {select}, v.name AS village_name, t.name AS township_name "  # noqa: S608
        "FROM registry_household h JOIN geo_division v ON v.code = h.village_id "
        "LEFT JOIN geo_division t ON t.code = v.parent_id "
        "WHERE h.village_id BETWEEN %s AND %s ORDER BY h.number"
    )
    return read_frame(sql, code_range(prefix))


def _member_frame(prefix: str) -> pl.DataFrame:
    cols = [c.field for c in L.MEMBERS.columns if c.field and c.field != "number"]
    select = ", ".join(f"m.{f}" for f in cols)
    sql = (
        f"SELECT h.number, {select} FROM registry_member m "  # noqa: S608
        "JOIN registry_household h ON h.id = m.household_id "
        "WHERE m.is_active AND h.village_id BETWEEN %s AND %s ORDER BY h.number, m.id"
    )
    return read_frame(sql, code_range(prefix))


def _income_frame(prefix: str) -> pl.DataFrame:
    cols = [c.field for c in L.INCOMES.columns if c.field and c.field != "number"]
    select = ", ".join(f"i.{f}" for f in cols)
    sql = (
        f"SELECT h.number, {select} FROM registry_incomerecord i "  # noqa: S608
        "JOIN registry_household h ON h.id = i.household_id "
        "WHERE h.village_id BETWEEN %s AND %s ORDER BY h.number, i.year"
    )
    return read_frame(sql, code_range(prefix))


# ------------------------------------------------------------------ formatting


def _bool_text(col: str) -> pl.Expr:
    yes, no = yes_no()
    truthy = pl.col(col).cast(pl.String).str.to_lowercase().is_in(["1", "true", "t"])
    return (
        pl.when(pl.col(col).is_null())
        .then(None)
        .otherwise(pl.when(truthy).then(pl.lit(yes)).otherwise(pl.lit(no)))
    )


def _money_text(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.Float64).round(2).cast(pl.String).str.replace(r"\.0$", "")


# Shown as a year when masked: with the area and the last four digits a full birth date
# would rebuild the ID number.
YEAR_ONLY = {"birth_date"}
SENSITIVE_COLUMNS = set(MASKERS) | YEAR_ONLY


def sensitive_count(sheets: dict[str, pl.DataFrame]) -> int:
    """How many ID numbers, phones, bank accounts and birth dates the sheets hold."""
    n = 0
    for key, frame in sheets.items():
        for col in L.SHEETS_BY_KEY[key].columns:
            if col.field in SENSITIVE_COLUMNS and col.code in frame.columns:
                values = frame[col.code]
                n += int((values.is_not_null() & (values.cast(pl.String) != "")).sum())
    return n


def format_sheet(sheet: L.Sheet, raw: pl.DataFrame, masked: bool) -> pl.DataFrame:
    """Raw database values → what a person reads in the workbook (labels, 是/否)."""
    exprs = []
    for col in sheet.columns:
        name = col.code
        src = col.field or name
        if col.kind == L.INFO:
            if name in raw.columns:
                exprs.append(pl.col(name).cast(pl.String))
            else:
                exprs.append(pl.lit(None, dtype=pl.String).alias(name))
            continue
        expr = pl.col(src).cast(pl.String)
        if col.kind == L.CODE:
            expr = expr.replace(code_labels(col.choices))
        elif col.kind == L.CODES:
            labels = code_labels(col.choices)
            expr = (
                pl.col(src)
                .cast(pl.String)
                .str.json_decode(pl.List(pl.String))
                .list.eval(pl.element().replace(labels))
                .list.join("、")
            )
        elif col.kind == L.BOOL:
            expr = _bool_text(src)
        elif col.kind == L.MONEY:
            expr = _money_text(src)
        if masked and col.field in MASKERS:
            expr = mask_expr(expr, col.field)
        elif masked and col.field in YEAR_ONLY:
            expr = birth_year_expr(expr)
        exprs.append(expr.alias(name))
    return raw.select(exprs)


def registry_sheets(prefix: str, masked: bool) -> dict[str, pl.DataFrame]:
    households = _household_frame(prefix)
    members = _member_frame(prefix)
    incomes = _income_frame(prefix)
    sizes = members.group_by("number").agg(pl.len().alias("household_size"))
    households = households.join(sizes, on="number", how="left").with_columns(
        pl.col("household_size").fill_null(0)
    )
    if not incomes.is_empty():
        # 人均纯收入 by the registry's one rule: in fen, half away from zero.
        fen = income_rule.net_per_person_expr(income_rule.net_income_expr(in_yuan=True))
        incomes = incomes.with_columns((fen / 100).round(2).cast(pl.String).alias("net_per_capita"))
    return {
        "households": format_sheet(L.HOUSEHOLDS, households, masked),
        "members": format_sheet(L.MEMBERS, members, masked),
        "incomes": format_sheet(L.INCOMES, incomes, masked),
    }


# ------------------------------------------------------------------ writing


def _write_xlsx(path: Path, sheets: dict[str, pl.DataFrame], template: bool) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": not template})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    text = book.add_format({"num_format": "@"})
    columns_rows = []
    codes_sheet = None
    code_ranges: dict[str, str] = {}
    if template:
        codes_sheet = book.add_worksheet(CODES_SHEET)
    for key, frame in sheets.items():
        sheet = L.SHEETS_BY_KEY[key]
        parts = max(1, -(-frame.height // XLSX_MAX_DATA_ROWS))
        for part in range(parts):
            title = str(sheet.title) if part == 0 else f"{sheet.title} ({part + 1})"
            ws = book.add_worksheet(title)
            for j, col in enumerate(sheet.columns):
                ws.set_column(j, j, col.width, text)
                ws.write_string(0, j, str(col.header), head)
                if part == 0:
                    columns_rows.append((title, key, j + 1, col.code, str(col.header)))
            ws.freeze_panes(1, 0)
            chunk = frame.slice(part * XLSX_MAX_DATA_ROWS, XLSX_MAX_DATA_ROWS)
            for i, row in enumerate(chunk.iter_rows(), start=1):
                for j, value in enumerate(row):
                    if value is not None and value != "":
                        ws.write_string(i, j, value)
            if template and codes_sheet is not None:
                _validations(book, ws, sheet, codes_sheet, code_ranges)
    cs = book.add_worksheet(COLUMNS_SHEET)
    cs.write_row(0, 0, ["sheet", "key", "column", "code", "header"])
    for i, row in enumerate(columns_rows, start=1):
        cs.write_row(i, 0, row)
    cs.hide()
    if codes_sheet is not None:
        codes_sheet.hide()
    book.close()


def _validations(book, ws, sheet: L.Sheet, codes_sheet, code_ranges: dict[str, str]) -> None:
    """Drop-down lists for coded columns, from the hidden code sheet (a list longer
    than 255 characters must come from a range)."""

    for j, col in enumerate(sheet.columns):
        if col.kind == L.BOOL:
            values = list(yes_no())
        elif col.kind == L.CODE:
            values = [str(label) for _v, label in col.code_list.choices]
        else:
            continue
        key = col.choices.__name__ if col.choices else "bool"
        if key not in code_ranges:
            n = len(code_ranges)
            codes_sheet.write_string(0, n, key)
            for i, v in enumerate(values, start=1):
                codes_sheet.write_string(i, n, v)
            letter = xl_col_to_name(n)
            code_ranges[key] = f"='{CODES_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
        ws.data_validation(
            1,
            j,
            10000,
            j,
            {
                "validate": "list",
                "source": code_ranges[key],
                "error_title": str(col.header),
                "error_message": _("Choose a value from the list."),
            },
        )


def csv_paths(path: Path) -> dict[str, Path]:
    """`x.csv` → x.households.csv, x.members.csv, x.incomes.csv beside it."""
    stem = path.name[: -len(".csv")] if path.name.endswith(".csv") else path.name
    for key in L.SHEETS_BY_KEY:
        suffix = f".{key}"
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    return {key: path.with_name(f"{stem}.{key}.csv") for key in L.SHEETS_BY_KEY}


def _write_csv(path: Path, sheets: dict[str, pl.DataFrame]) -> list[Path]:
    paths = csv_paths(path)
    for key, frame in sheets.items():
        sheet = L.SHEETS_BY_KEY[key]
        out = paths[key]
        with out.open("w", encoding="utf-8-sig", newline="") as fh:
            # Header: the people's headers; the stable codes are the second line's
            # comment-free companion row, so the file opens cleanly in Excel.
            writer = csvsafe.SafeWriter(fh)
            writer.writerow([str(c.header) for c in sheet.columns])
            writer.writerow([f"#{c.code}" for c in sheet.columns])
        with out.open("a", encoding="utf-8", newline="") as fh:
            csvsafe.write_frame(frame, fh, include_header=False, quote_style="non_numeric")
    return list(paths.values())


def export_registry(
    *,
    actor,
    area_code: str,
    path: Path,
    template: bool = False,
    language: str | None = None,
    channel: str = "web",
) -> ExportResult:
    """Write the registry of an area (scoped to the actor) to `path` (.xlsx or .csv).
    ID numbers, phones and bank accounts are masked, birth dates shown as their year,
    unless the actor may reveal them; an export with full values is a logged bulk read
    (one SensitiveRead with the number of values written)."""
    if actor is not None and not has_capability(actor, Capability.EXPORT_AREA):
        raise NotAllowed(_("Your role may not export an area's registry."))
    area_code = area_code.strip().ljust(12, "0")  # "431129" names the county 431129000000
    prefix = area_prefix_of(actor)
    if prefix is None or not code_in_area(area_code, prefix):
        raise OutsideArea()

    division = Division.objects.filter(code=area_code).first()
    if division is None:
        raise OutsideArea()
    masked = not has_capability(actor, Capability.REVEAL_PII)
    path = Path(path)
    with translation.override(language or translation.get_language() or "zh-hans"):
        with transaction.atomic():  # one consistent read
            if template:
                sheets = {
                    s.key: pl.DataFrame(schema={c.code: pl.String for c in s.columns})
                    for s in L.SHEETS
                }
            else:
                sheets = registry_sheets(division.prefix, masked)
        if path.suffix.lower() == ".csv":
            paths = _write_csv(path, sheets)
        else:
            _write_xlsx(path, sheets, template)
            paths = [path]
    rows = {k: v.height for k, v in sheets.items()}
    run = ExchangeRun.objects.create(
        direction=ExchangeRun.Direction.EXPORT,
        user=actor if getattr(actor, "pk", None) else None,
        user_name=getattr(actor, "username", "") or "system",
        area_code=area_code,
        file_name=path.name,
        status=ExchangeRun.Status.DONE,
        finished_at=dt.datetime.now(dt.UTC),
        summary={"rows": rows, "masked": masked, "template": template},
    )
    count = 0 if (masked or template) else sensitive_count(sheets)
    if count and getattr(actor, "pk", None):
        SensitiveRead.log_bulk(
            user=actor,
            object_type="exchange.export",
            object_id=str(run.pk),
            field=",".join(sorted(SENSITIVE_COLUMNS)),
            area_code=area_code,
            count=count,
            channel=channel,
        )
    return ExportResult(paths=paths, rows=rows, masked=masked)
