"""Reading a registration workbook's sheets into typed frames: each cell to its type,
with a reason (sheet, row, column, value, reason) when it cannot be."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from fupin.exchange import layout as L
from fupin.exchange import parse as P
from fupin.exchange.readers import RawSheet

ERROR_SCHEMA = {
    "sheet": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "reason": pl.String,
}


@dataclass
class Parsed:
    sheet: L.Sheet
    raw: pl.DataFrame  # text as read (for the report)
    frame: pl.DataFrame  # typed values, `_row`, `_sheet`, `_ok`
    present: set[str]  # column codes present in the file
    errors: list[pl.DataFrame] = field(default_factory=list)
    # Kept rows with a note (an amount rounded to the fen): same columns as `errors`.
    warnings: list[pl.DataFrame] = field(default_factory=list)
    # Money columns with cells of more than two decimals: code → mask over `frame`.
    sub_fen: dict[str, pl.Series] = field(default_factory=dict)

    def reject(self, mask: pl.Series, column: str, reasons: pl.Series | str) -> None:
        """Record a reason on `column` for the rows where mask is true and mark them."""
        if not mask.any():
            return
        self.reject_cell(mask, column, reasons)
        self.frame = self.frame.with_columns(_ok=pl.col("_ok") & ~mask)

    def reject_cell(self, mask: pl.Series, column: str, reasons: pl.Series | str) -> None:
        """Record a reason on `column` for the rows where mask is true, leaving the rows
        themselves in: the caller puts another value in the cell (a rejected cell)."""
        self._note(self.errors, mask, column, reasons)

    def warn(self, mask: pl.Series, column: str, reasons: pl.Series | str) -> None:
        """A warning on `column` for the rows where mask is true: the row is kept as it is
        and the report says what was done to the cell."""
        self._note(self.warnings, mask, column, reasons)

    def _note(
        self, into: list[pl.DataFrame], mask: pl.Series, column: str, reasons: pl.Series | str
    ) -> None:
        if not mask.any():
            return
        rows = self.frame.filter(mask)
        if isinstance(reasons, str):
            reasons = pl.Series([reasons] * rows.height)
        else:
            reasons = reasons.filter(mask)
        header = str(self.sheet.column(column).header) if column in self.sheet.codes else column
        values = self.raw.filter(mask)[column] if column in self.raw.columns else None
        into.append(
            pl.DataFrame(
                {
                    "sheet": rows["_sheet"],
                    "row": rows["_row"],
                    "column": pl.Series([header] * rows.height, dtype=pl.String),
                    "value": values if values is not None else pl.Series([None] * rows.height),
                    "reason": reasons,
                },
                schema=ERROR_SCHEMA,
            )
        )


def _parse_column(
    col: L.Column, text: pl.Series, today: dt.date
) -> tuple[pl.Series, pl.Series] | tuple[pl.Series, pl.Series, pl.Series]:
    """(value, reason) of a column; a money column adds its sub-fen flag (`parse_money`)."""
    frame = pl.DataFrame({"t": text})
    t = pl.col("t")
    if col.kind in (L.TEXT, L.DIVISION, L.ID_NUMBER):
        value = text
        if col.kind == L.ID_NUMBER:
            value = text.str.replace_all(r"\s+", "").str.to_uppercase()
            ok = pl.DataFrame({"t": value}).select(P.id_number_ok(t, today)).to_series()
            bad = value.is_not_null() & ~ok
            reasons = pl.Series([None] * len(value), dtype=pl.String)
            if bad.any():
                idx = bad.arg_true()
                words = [P.id_number_reason(v, today) for v in value.gather(idx).to_list()]
                reasons = reasons.scatter(idx, pl.Series(words, dtype=pl.String))
                reasons = pl.Series([r or None for r in reasons.to_list()], dtype=pl.String)
            return value, reasons
        if col.kind == L.DIVISION:
            value = text.str.replace(r"\.0+$", "")
            bad = value.is_not_null() & ~value.str.contains(r"^\d{12}$").fill_null(False)
            reasons = pl.Series([None] * len(value), dtype=pl.String)
            if bad.any():
                reasons = reasons.scatter(bad.arg_true(), _("A village code has 12 digits."))
            return value, reasons
        return value, pl.Series([None] * len(value), dtype=pl.String)
    if col.kind == L.CODE:
        keys = frame.select(P.code_key(t)).to_series()
        codes = P.resolve_codes(keys, col.code_list)
        bad = keys.is_not_null() & codes.is_null()
        reasons = pl.Series([None] * len(keys), dtype=pl.String)
        if bad.any():
            reasons = reasons.scatter(bad.arg_true(), P.unknown_code_reason(col.code_list))
        return codes, reasons
    if col.kind == L.CODES:
        lists = text.str.replace_all(r"[,，;；、/]", "、").str.split("、")
        exploded = pl.DataFrame({"i": range(len(text)), "k": lists}).explode("k")
        exploded = exploded.with_columns(P.code_key(pl.col("k")).alias("k")).filter(
            pl.col("k").is_not_null() & (pl.col("k") != "")
        )
        codes = P.resolve_codes(exploded["k"], col.code_list)
        exploded = exploded.with_columns(code=codes)
        bad_rows = exploded.filter(pl.col("code").is_null())["i"].unique()
        grouped = exploded.group_by("i", maintain_order=True).agg(pl.col("code"))
        value = (
            pl.DataFrame({"i": range(len(text))}, schema={"i": pl.Int64})
            .join(grouped.with_columns(pl.col("i").cast(pl.Int64)), on="i", how="left")
            .sort("i")["code"]
            .fill_null(pl.lit([], dtype=pl.List(pl.String)))
        )
        reasons = pl.Series([None] * len(text), dtype=pl.String)
        if bad_rows.len():
            reasons = reasons.scatter(bad_rows.to_list(), P.unknown_code_reason(col.code_list))
        return value, reasons
    # The other kinds are parsed as expressions (`_expressions`; `parse_sheet` runs them
    # for all such columns of a sheet in one select).
    out = frame.select(_expressions(col, t, "v", "e", "s"))
    if "s" in out.columns:
        return out["v"], out["e"], out["s"]
    return out["v"], out["e"]


EXPRESSION_KINDS = (L.BOOL, L.INT, L.MONEY, L.DATE)


def _expressions(col: L.Column, t: pl.Expr, value: str, error: str, flag: str) -> list[pl.Expr]:
    """A column of an expression kind parsed over `t`: its value and reason (and, for
    money, the sub-fen flag) named `value`, `error` and `flag`."""
    if col.kind == L.BOOL:
        expr, reason = P.parse_bool(t)
    elif col.kind == L.INT:
        expr, reason = P.parse_int(t, col.low, col.high)
    elif col.kind == L.MONEY:
        negative = P.loss_message() if col.field == "production" else None
        expr, reason, sub_fen = P.parse_money(t, negative)
        return [expr.alias(value), reason.alias(error), sub_fen.alias(flag)]
    elif col.kind == L.DATE:
        expr, reason = P.parse_date(t)
    else:  # pragma: no cover - every kind is handled above
        raise ValueError(col.kind)
    return [expr.alias(value), reason.alias(error)]


def _parse_expression_columns(
    columns: list[L.Column], text: pl.DataFrame
) -> dict[str, tuple[pl.Series, ...]]:
    """The expression-kind columns of a sheet parsed in one select, so that Polars runs
    them side by side (a sheet of incomes has a dozen money columns)."""
    if not columns:
        return {}
    out = text.select(
        expr
        for col in columns
        for expr in _expressions(
            col, pl.col(col.code), f"{col.code}::v", f"{col.code}::e", f"{col.code}::s"
        )
    )
    parsed: dict[str, tuple[pl.Series, ...]] = {}
    for col in columns:
        names = [f"{col.code}::{x}" for x in "ves" if f"{col.code}::{x}" in out.columns]
        parsed[col.code] = tuple(out[n] for n in names)
    return parsed


def parse_sheet(sheet: L.Sheet, raw: RawSheet, today: dt.date) -> Parsed:
    text = P.normalised_frame(raw.frame, list(sheet.codes))
    present = {c for c in sheet.codes if raw.frame[c].is_not_null().any()}
    values: dict[str, pl.Series] = {}
    reasons: dict[str, pl.Series] = {}
    sub_fen: dict[str, pl.Series] = {}
    batch = _parse_expression_columns(
        [col for col in sheet.columns if col.kind in EXPRESSION_KINDS], text
    )
    for col in sheet.columns:
        if col.kind == L.INFO:
            continue
        if col.code in batch:
            value, reason, *flag = batch[col.code]
        else:
            value, reason, *flag = _parse_column(col, text[col.code], today)
        if flag:
            sub_fen[col.code] = flag[0]
        if col.required:
            missing = text[col.code].is_null()
            if missing.any():
                reason = reason.zip_with(~missing, pl.Series([_("Required.")] * len(reason)))
        values[col.code] = value.alias(col.code)
        reasons[col.code] = reason
    frame = pl.DataFrame(list(values.values())).with_columns(
        text["_row"], text["_sheet"], pl.lit(True).alias("_ok")
    )
    parsed = Parsed(sheet, raw.frame, frame, present)
    parsed.sub_fen = {code: flag for code, flag in sub_fen.items() if flag.any()}
    for code, reason in reasons.items():
        parsed.reject(reason.is_not_null(), code, reason)
    return parsed


def fix_excel_numbers(raw: dict[str, RawSheet], path: Path) -> dict[str, RawSheet]:
    """ID numbers typed into number cells lose their last digits in Excel, and the fast
    reader shows them as ordinary digit strings. When any ID number of an xlsx file is
    invalid, read the member sheets again with cell types, and mark every number-typed ID
    cell as such so that its reason says what happened."""
    members = raw.get("members")
    if members is None or path.suffix.lower() not in (".xlsx", ".xlsm", ".xls"):
        return raw
    ids = members.frame["id_number"].str.replace_all(r"\s+", "")
    ok = pl.DataFrame({"t": ids}).select(P.id_number_ok(pl.col("t"), dt.date.today()))
    if ok.to_series().all():
        return raw

    book = CalamineWorkbook.from_path(str(path))
    numeric: dict[tuple[str, int], float] = {}
    for name in members.names:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        for r, row in enumerate(rows, start=1):
            for value in row:
                if (
                    isinstance(value, (int, float))
                    and not isinstance(value, bool)
                    and (value >= 1e14)
                ):
                    numeric[(name, r)] = float(value)
    if numeric:
        # Show the number as Excel shows it (4.31129197208112E+17): the ID parser then
        # explains that Excel has lost its last digits.
        shown = [
            repr(numeric[(s, r)]).upper() if (s, r) in numeric else None
            for s, r in zip(members.frame["_sheet"], members.frame["_row"], strict=True)
        ]
        members.frame = members.frame.with_columns(
            id_number=pl.coalesce(pl.Series(shown, dtype=pl.String), pl.col("id_number"))
        )
    return raw


def errors_of(parsed: dict[str, Parsed]) -> pl.DataFrame:
    frames = [e for p in parsed.values() for e in p.errors]
    if not frames:
        return pl.DataFrame(schema=ERROR_SCHEMA)
    return pl.concat(frames).sort(["sheet", "row", "column"])


def warnings_of(parsed: dict[str, Parsed]) -> pl.DataFrame:
    """The warnings of the rows that were kept (a rejected row's reasons say enough)."""
    frames = []
    for p in parsed.values():
        if not p.warnings:
            continue
        rejected = p.frame.filter(~pl.col("_ok")).select(
            pl.col("_sheet").alias("sheet"), pl.col("_row").alias("row")
        )
        frames.append(pl.concat(p.warnings).join(rejected, on=["sheet", "row"], how="anti"))
    if not frames:
        return pl.DataFrame(schema=ERROR_SCHEMA)
    return pl.concat(frames).sort(["sheet", "row", "column"])
