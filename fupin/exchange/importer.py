"""Import of registration workbooks: validate every row, report every rejected one, write
the good ones with their history in one transaction.

Pipeline (columnar from end to end; no ORM object per row):

1. read: every sheet into text frames (`readers`);
2. parse: each cell to its type, with a reason when it cannot be (`parse`);
3. rules within a row (the registration form's rules, as in registry.services), then
   across rows and sheets (duplicates, household links, household size vs members);
4. inside one transaction: look the file's households and people up in the registry
   (through temporary tables, so the cost follows the file, not the registry), check
   scope and "one person, one household", and classify each row as created, updated,
   unchanged or rejected;
5. write creations and updates with the database's bulk path, and one change record per
   created or changed object (who, when, what, why = this import), in the same
   transaction. All-or-nothing refuses the whole file if any row was rejected; a dry run
   rolls back. A kill at any moment leaves the database as before or after.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts import authority
from fupin.core import context
from fupin.core.bulk import analyze
from fupin.core.errors import NotAllowed
from fupin.core.files import file_sha256
from fupin.core.frames import read_frame, reserve_ids, update_frame, write_frame
from fupin.core.history import type_label
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.core.scope import area_prefix_of, code_range
from fupin.exchange import layout as L
from fupin.exchange import parse as P
from fupin.exchange.models import ExchangeRun
from fupin.exchange.readers import RawSheet, WorkbookError, read_workbook
from fupin.registry import choices as c
from fupin.registry import services as registry
from fupin.registry.models import Household, IncomeRecord, Member

Progress = Callable[[str, float], None]
# After this many new rows, refresh PostgreSQL's planner statistics in the same transaction.
ANALYZE_AFTER = 10_000
# Change records are built and written this many at a time.
RECORD_CHUNK = 100_000


class ImportRefused(Exception):
    """Raised inside the transaction to roll it back (all-or-nothing, dry run)."""


@dataclass
class SheetCounts:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


@dataclass
class ImportResult:
    run: ExchangeRun
    counts: dict[str, SheetCounts]
    errors: pl.DataFrame  # sheet, row, column, value, reason
    rejected_rows: dict[str, pl.DataFrame] = field(default_factory=dict)
    written: bool = False
    seconds: float = 0.0
    # Cells of kept rows that the import changed (an amount rounded to the fen), with why:
    # the same columns as `errors`.
    warnings: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ERROR_SCHEMA))


ERROR_SCHEMA = {
    "sheet": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "reason": pl.String,
}


# ------------------------------------------------------------------ parsing


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
        codes = P.resolve_codes(keys, col.choices)
        bad = keys.is_not_null() & codes.is_null()
        reasons = pl.Series([None] * len(keys), dtype=pl.String)
        if bad.any():
            reasons = reasons.scatter(bad.arg_true(), P.unknown_code_reason(col.choices))
        return codes, reasons
    if col.kind == L.CODES:
        lists = text.str.replace_all(r"[,，;；、/]", "、").str.split("、")
        exploded = pl.DataFrame({"i": range(len(text)), "k": lists}).explode("k")
        exploded = exploded.with_columns(P.code_key(pl.col("k")).alias("k")).filter(
            pl.col("k").is_not_null() & (pl.col("k") != "")
        )
        codes = P.resolve_codes(exploded["k"], col.choices)
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
            reasons = reasons.scatter(bad_rows.to_list(), P.unknown_code_reason(col.choices))
        return value, reasons
    if col.kind == L.BOOL:
        value, error = P.parse_bool(t)
    elif col.kind == L.INT:
        value, error = P.parse_int(t, col.low, col.high)
    elif col.kind == L.MONEY:
        negative = P.loss_message() if col.field == "production" else None
        value, error, sub_fen = P.parse_money(t, negative)
        out = frame.select(value.alias("v"), error.alias("e"), sub_fen.alias("s"))
        return out["v"], out["e"], out["s"]
    elif col.kind == L.DATE:
        value, error = P.parse_date(t)
    else:  # pragma: no cover - every kind is handled above
        raise ValueError(col.kind)
    out = frame.select(value.alias("v"), error.alias("e"))
    return out["v"], out["e"]


def parse_sheet(sheet: L.Sheet, raw: RawSheet, today: dt.date) -> Parsed:
    text = raw.frame.with_columns(P.normalised(c) for c in sheet.codes)
    present = {c for c in sheet.codes if raw.frame is not None and raw.frame[c].is_not_null().any()}
    values: dict[str, pl.Series] = {}
    reasons: dict[str, pl.Series] = {}
    sub_fen: dict[str, pl.Series] = {}
    for col in sheet.columns:
        if col.kind == L.INFO:
            continue
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


# ------------------------------------------------------------------ rules


def _first_rows(frame: pl.DataFrame, keys: list[str]) -> pl.Series:
    """For each row, the `_row` of the first row with the same keys."""
    return frame.select(pl.col("_row").min().over(keys)).to_series()


def household_rules(p: Parsed) -> None:
    f = p.frame
    dup_first = _first_rows(f, ["household_number"])
    dup = (f["household_number"].is_not_null() & (dup_first != f["_row"])).fill_null(False)
    p.reject(
        dup,
        "household_number",
        f.select(
            P.message(
                _("Household listed twice; first at row %(row)s."),
                row=pl.col("_row").min().over("household_number"),
            )
        ).to_series(),
    )
    f = p.frame
    others = f["other_causes"]
    p.reject(others.list.len() > 2, "other_causes", _("At most two other causes."))
    p.reject(
        f.select(
            pl.col("other_causes").list.contains(pl.col("main_cause")).fill_null(False)
        ).to_series(),
        "other_causes",
        _("The main cause cannot also be another cause."),
    )
    p.reject(
        (others.list.n_unique() != others.list.len()).fill_null(False),
        "other_causes",
        _("A cause is listed twice."),
    )
    safe = f["housing_safe"]
    grade = f["danger_grade"]
    p.reject(
        ((safe == False) & grade.is_null()).fill_null(False),  # noqa: E712
        "danger_grade",
        _("An unsafe house needs its danger grade (C or D)."),
    )
    p.reject(
        ((safe == True) & grade.is_not_null()).fill_null(False),  # noqa: E712
        "danger_grade",
        _("A safe house has no danger grade."),
    )
    status = f["status"]
    mtype = f["monitoring_type"]
    p.reject(
        ((status == c.HouseholdStatus.MONITORED) & mtype.is_null()).fill_null(False),
        "monitoring_type",
        _("A monitoring object needs its monitoring type."),
    )
    p.reject(
        (
            mtype.is_not_null()
            & ~status.is_in([c.HouseholdStatus.MONITORED, c.HouseholdStatus.EXITED])
        ).fill_null(False),
        "monitoring_type",
        _("Only exited households and monitoring objects have a monitoring type."),
    )
    p.reject(
        (f["irrigated_mu"].fill_null(0) > f["farmland_mu"].fill_null(0)).fill_null(False),
        "irrigated_mu",
        _("Irrigated farmland cannot exceed farmland."),
    )


def member_rules(p: Parsed, today: dt.date) -> None:
    f = p.frame
    ids = f["id_number"]
    dup_first = _first_rows(f, ["id_number"])
    dup = (ids.is_not_null() & (dup_first != f["_row"])).fill_null(False)
    p.reject(
        dup,
        "id_number",
        f.select(
            P.message(
                _("This person is listed twice; first at row %(row)s."),
                row=pl.col("_row").min().over("id_number"),
            )
        ).to_series(),
    )
    f = p.frame
    # Sex and birth date default to what the ID number says, and must agree with it.
    id_sex = (f["id_number"].str.slice(16, 1).cast(pl.Int64, strict=False) % 2 == 1).replace_strict(
        {True: "M", False: "F"}, default=None, return_dtype=pl.String
    )
    id_birth = f["id_number"].str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    p.reject(
        (f["sex"].is_not_null() & id_sex.is_not_null() & (f["sex"] != id_sex)).fill_null(False),
        "sex",
        pl.DataFrame({"s": id_sex})
        .select(
            P.message(
                _("The ID number says this person is %(sex)s."),
                sex=pl.col("s").replace_strict({"M": _("male"), "F": _("female")}, default=""),
            )
        )
        .to_series(),
    )
    p.reject(
        (
            f["birth_date"].is_not_null() & id_birth.is_not_null() & (f["birth_date"] != id_birth)
        ).fill_null(False),
        "birth_date",
        pl.DataFrame({"d": id_birth})
        .select(
            P.message(_("The ID number says this person was born on %(date)s."), date=pl.col("d"))
        )
        .to_series(),
    )
    p.frame = p.frame.with_columns(
        sex=pl.coalesce(pl.col("sex"), id_sex),
        birth_date=pl.coalesce(pl.col("birth_date"), id_birth),
    )
    f = p.frame
    p.reject(
        (f["education"].is_null() == f["school_status"].is_null()),
        "education",
        _("Fill in exactly one of education and school status."),
    )
    disabled = f["health"] == c.Health.DISABLED
    grade = f["disability_grade"]
    p.reject(
        (disabled & grade.is_null()).fill_null(False),
        "disability_grade",
        _("A disabled person needs a disability grade."),
    )
    p.reject(
        (~disabled & grade.is_not_null()).fill_null(False),
        "disability_grade",
        _("Only a disabled person has a disability grade."),
    )
    months = f["migrant_months"].fill_null(0)
    p.reject(
        (f["migrant_place"].is_not_null() != (months > 0)).fill_null(False),
        "migrant_months",
        _("Migrant work place and months are filled in together or not at all."),
    )
    # One head per household: `head_rule`, once the registry's heads are known.


def head_rule(p: Parsed, stored_heads: pl.DataFrame) -> None:
    """One active head per household, as `registry.services._check_single_head` (same
    message), column-wise: the heads the registry holds for the file's households
    (`stored_heads`: household_number, id_number; read once) that no kept row of the file
    changes, plus the head rows of the file. A stored head listed in the file counts as
    the file's row says (its relation changed in the same upload: no longer a head), and
    comes first; the other head rows, in file order, are rejected once the household has
    one. Rows already rejected write nothing and count for nothing."""
    f = p.frame
    listed = f.filter("_ok").select("household_number", "id_number")
    kept = (
        stored_heads.join(listed, on=["household_number", "id_number"], how="anti")
        .group_by("household_number")
        .agg(pl.len().alias("_kept"))
    )
    was_head = stored_heads.select(
        "household_number", "id_number", pl.lit(True).alias("_was_head")
    ).unique()
    head = (pl.col("relation") == c.Relation.HEAD) & pl.col("_ok")
    j = (
        f.select("household_number", "id_number", "relation", "_ok", "_row")
        .with_row_index("_i")
        .join(kept, on="household_number", how="left", maintain_order="left")
        .join(was_head, on=["household_number", "id_number"], how="left", maintain_order="left")
        .with_columns(pl.col("_kept").fill_null(0), pl.col("_was_head").fill_null(False))
    )
    order = ["household_number", "_was_head", "_row", "_i"]
    ranked = (
        j.sort(order, descending=[False, True, False, False], nulls_last=True)
        .with_columns(head.cast(pl.Int64).cum_sum().over("household_number").alias("_rank"))
        .sort("_i")
    )
    second = (head & (pl.col("_kept") + pl.col("_rank") > 1)).fill_null(False)
    p.reject(ranked.select(second).to_series(), "relation", _("The household already has a head."))


def _stored_heads() -> pl.DataFrame:
    """The active heads of the file's households (tmp_import_numbers), read once."""
    return read_frame(
        "SELECT h.number AS household_number, m.id_number FROM registry_member m "
        "JOIN registry_household h ON h.id = m.household_id "
        "JOIN tmp_import_numbers t ON t.number = h.number "
        "WHERE m.is_active AND m.relation = %s",
        [c.Relation.HEAD],
        schema={"household_number": pl.String, "id_number": pl.String},
    )


def income_rules(p: Parsed) -> None:
    f = p.frame
    first = _first_rows(f, ["household_number", "year"])
    dup = (f["year"].is_not_null() & (first != f["_row"])).fill_null(False)
    p.reject(
        dup,
        "year",
        f.select(
            P.message(
                _("This year is listed twice for the household; first at row %(row)s."),
                row=pl.col("_row").min().over(["household_number", "year"]),
            )
        ).to_series(),
    )


def size_rule(h: Parsed | None, m: Parsed | None) -> None:
    """The household size on the households sheet vs the rows of the members sheet."""
    if h is not None and m is not None and "household_size" in h.present:
        counts = m.frame.group_by("household_number").agg(pl.len().alias("n"))
        joined = h.frame.join(counts, on="household_number", how="left").with_columns(
            pl.col("n").fill_null(0)
        )
        bad = (
            joined["household_size"].is_not_null() & (joined["household_size"] != joined["n"])
        ).fill_null(False)
        h.reject(
            bad,
            "household_size",
            joined.select(
                P.message(
                    _("The household has %(size)s people but the members sheet lists %(n)s."),
                    size=pl.col("household_size"),
                    n=pl.col("n"),
                )
            ).to_series(),
        )


def cascade(h: Parsed | None, m: Parsed | None, i: Parsed | None) -> None:
    """Members and incomes of a rejected household are rejected with it."""
    if h is None:
        return
    rejected = (
        h.frame.filter(~pl.col("_ok"))
        .select("household_number", pl.col("_row").alias("_hrow"))
        .unique("household_number", keep="first")
    )
    for child in (m, i):
        if child is None or rejected.is_empty():
            continue
        joined = child.frame.join(rejected, on="household_number", how="left")
        mask = joined["_hrow"].is_not_null() & joined["_ok"]
        child.reject(
            mask,
            "household_number",
            joined.select(
                P.message(
                    _("Its household (row %(row)s of the households sheet) was rejected."),
                    row=pl.col("_hrow"),
                )
            ).to_series(),
        )


# ------------------------------------------------------------------ amounts to the fen


def rounding_counties(counties: set[str], today: dt.date) -> set[str]:
    """The counties (6-digit codes) whose policy in force prefers rounding amounts of more
    than two decimals to the fen (PolicySet.round_amounts) over refusing them; read once
    per county of the file."""
    from fupin.policy.selectors import NoPolicy, current_policy

    out = set()
    for county in counties:
        try:
            if current_policy(county.ljust(12, "0"), on=today).round_amounts:
                out.add(county)
        except NoPolicy:
            pass
    return out


def amount_precision(p: Parsed | None, villages: pl.Series, rounding: set[str]) -> None:
    """Cells of more than two decimals (1234.567): refused (row, column, reason), unless the
    county of the row's village prefers rounding; then the value, already rounded half-up
    to the fen by the parser, is kept and the report carries a warning on the cell.
    `villages`: the village code of each row of `p.frame` (null when unknown: refused)."""
    if p is None or not p.sub_fen:
        return
    rounds = villages.str.slice(0, 6).is_in(list(rounding)).fill_null(False)
    for code, flag in p.sub_fen.items():
        live = flag & p.frame["_ok"]
        p.warn(
            live & rounds,
            code,
            p.frame.select(
                P.message(
                    _("Rounded to %(value)s: the county rounds amounts to the fen (分)."),
                    value=pl.col(code),
                )
            ).to_series(),
        )
        p.reject(live & ~rounds, code, P.amount_too_precise_message())
    p.sub_fen = {}


# ------------------------------------------------------------------ status belongs to procedures


def _status_reasons(field: str, old: pl.Series, wanted: pl.Series) -> pl.Series:
    """For each row, why `field` cannot go from the stored household (its status `old`)
    to `wanted`: the registry's own words (`registry.procedural_refusal`), looked up in a
    table of every (stored status, wanted value) pair the file has."""
    pairs = pl.DataFrame({"_old": old, "_want": wanted.cast(pl.String)}).unique().drop_nulls("_old")
    table = pairs.with_columns(
        pl.Series(
            "_reason",
            [
                registry.procedural_refusal(field, o, w)
                for o, w in zip(pairs["_old"], pairs["_want"], strict=True)
            ],
            dtype=pl.String,
        )
    )
    frame = pl.DataFrame({"_old": old, "_want": wanted.cast(pl.String)})
    return frame.join(
        table, on=["_old", "_want"], how="left", nulls_equal=True, maintain_order="left"
    )["_reason"]


def procedure_cells(
    h: Parsed,
    stored: pl.DataFrame,
    outside: set[str],
    *,
    today: dt.date,
    mode: str,
    initial_load: bool,
) -> None:
    """Status, status year and monitoring type change only through their procedure (a
    case, the end of a monitoring). On a household already in the registry the file never
    changes them: a cell that would is rejected (sheet, row, column, reason naming the
    procedure) and the stored value is kept, the rest of the row goes on. A new household
    starts as a candidate of this year with no monitoring type; a cell asking otherwise is
    rejected the same way. An all-or-nothing import refuses the file on any rejected cell.
    An initial load (`initial_load`) takes a new household's values as given instead."""
    f = h.frame
    j = f.select("household_number").join(
        stored.select(
            pl.col("number").alias("household_number"),
            pl.col("status").alias("_old_status"),
            pl.col("status_year").cast(pl.Int64).alias("_old_year"),
            pl.col("monitoring_type").alias("_old_type"),
        ),
        on="household_number",
        how="left",
        maintain_order="left",
    )
    exists = j["_old_status"].is_not_null()
    judged = ~f["household_number"].is_in(list(outside)).fill_null(False)
    old_status = j["_old_status"]
    status, year, mtype = f["status"], f["status_year"].cast(pl.Int64), f["monitoring_type"]

    # A household already in the registry keeps its values.
    known = exists & judged
    h.reject_cell(
        (known & status.is_not_null() & (status != old_status)).fill_null(False),
        "status",
        _status_reasons("status", old_status, status),
    )
    h.reject_cell(
        (known & year.is_not_null() & (year != j["_old_year"])).fill_null(False),
        "status_year",
        _status_reasons("status_year", old_status, year),
    )
    if "monitoring_type" in h.present:
        h.reject_cell(
            (known & (mtype.fill_null("") != j["_old_type"].fill_null(""))).fill_null(False),
            "monitoring_type",
            _status_reasons("monitoring_type", old_status, mtype),
        )

    # A new household.
    new = ~exists & judged
    start = registry.new_household_start(today)
    if initial_load:
        for name in ("status", "status_year"):
            h.reject(
                (new & f[name].is_null()).fill_null(False),
                name,
                _("Required for an initial load."),
            )
    else:
        created = (
            " "
            + _("The household is created as a candidate (待识别) of %(year)s.")
            % {"year": start["status_year"]}
            if mode == ExchangeRun.Mode.UPSERT
            else ""
        )
        for name, bad in (
            ("status", status.is_not_null() & (status != start["status"])),
            ("status_year", year.is_not_null() & (year != start["status_year"])),
            ("monitoring_type", mtype.is_not_null()),
        ):
            h.reject_cell(
                (new & bad).fill_null(False),
                name,
                registry.procedural_refusal(name, None, None) + created,
            )
    h.frame = h.frame.with_columns(
        j["_old_status"], j["_old_year"], j["_old_type"], exists.alias("_exists")
    )
    fresh = pl.lit(initial_load)
    h.frame = h.frame.with_columns(
        status=pl.when("_exists")
        .then(pl.col("_old_status"))
        .when(fresh)
        .then(pl.col("status"))
        .otherwise(pl.lit(start["status"])),
        status_year=pl.when("_exists")
        .then(pl.col("_old_year"))
        .when(fresh)
        .then(pl.col("status_year").cast(pl.Int64))
        .otherwise(pl.lit(start["status_year"], dtype=pl.Int64)),
        monitoring_type=pl.when("_exists")
        .then(pl.col("_old_type"))
        .when(fresh)
        .then(pl.col("monitoring_type"))
        .otherwise(pl.lit(None, dtype=pl.String)),
    ).drop("_old_status", "_old_year", "_old_type", "_exists")


def _initial_load_area(h: Parsed | None) -> None:
    """An initial load goes only into counties with no households yet: refused (naming
    how many there are) otherwise."""
    if h is None:
        return
    from fupin.geo.models import Division

    counties = sorted(
        {code[:6] for code in h.frame["village_code"].drop_nulls().unique().to_list()}
    )
    for county in counties:
        low, high = code_range(county)
        n = Household.objects.filter(village_id__gte=low, village_id__lte=high).count()
        if n:
            division = Division.objects.filter(code=county.ljust(12, "0")).first()
            raise ImportRefused(
                _(
                    "%(area)s already has %(n)s households: an initial load is only for an "
                    "area with none. Import into it without --initial-load (new households "
                    "then start as candidates)."
                )
                % {"area": division.name if division else county, "n": n}
            )


# ------------------------------------------------------------------ database side


def _temp_keys(name: str, column: str, values: pl.Series) -> str:
    quote = connection.ops.quote_name
    table = quote(name)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMP TABLE {table} ({quote(column)} text PRIMARY KEY)")
    write_temp = pl.DataFrame({column: values.drop_nulls().unique()})
    _write_temp(name, write_temp)
    return table


def _write_temp(name: str, frame: pl.DataFrame) -> None:
    quote = connection.ops.quote_name
    cols = ", ".join(quote(c) for c in frame.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(name)} ({cols}) FROM STDIN") as copy:
                for row in frame.iter_rows():
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * frame.width)
            cursor.executemany(
                f"INSERT INTO {quote(name)} ({cols}) VALUES ({marks})",  # noqa: S608
                frame.rows(),
            )


def _drop_temp(*names: str) -> None:
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(name)}")


# Model fields written by the import, per sheet (the model's own field names).
def _fields(sheet: L.Sheet) -> list[str]:
    return [col.field for col in sheet.columns if col.field and col.kind != L.INFO]


def _json_value(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A column as the JSON its value has in `core.history.snapshot` (decimals and dates
    as text), so that the history written here reads like any other."""
    if isinstance(dtype, pl.Decimal) or dtype == pl.Date:
        return expr.cast(pl.String)
    if isinstance(dtype, pl.Datetime):
        return expr.dt.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00")
    return expr


def _json_text(frame: pl.DataFrame, column: str) -> pl.Expr:
    """The JSON text of one column's value ("null" for null)."""
    prefix = len(f'{{"{column}":')
    encoded = pl.struct(_json_value(pl.col(column), frame.schema[column]).alias(column))
    text = encoded.struct.json_encode()
    return text.str.slice(prefix, text.str.len_chars() - prefix - 1)


def _changes(frame: pl.DataFrame, fields: list[str], old_suffix: str) -> pl.Expr:
    """`{"field": [old, new], …}` for the fields that changed, as `core.history.diff`
    writes it."""
    parts = []
    for f in fields:
        new = _json_text(frame, f)
        old = _json_text(frame, f + old_suffix)
        parts.append(pl.when(old != new).then(pl.format('"{}":[{},{}]', pl.lit(f), old, new)))
    body = pl.concat_str(parts, separator=",", ignore_nulls=True).fill_null("")
    return pl.concat_str([pl.lit("{"), body, pl.lit("}")])


def _post_data(frame: pl.DataFrame, fields: list[str]) -> pl.Expr:
    return pl.struct(
        [_json_value(pl.col(f), frame.schema[f]).alias(f) for f in fields]
    ).struct.json_encode()


@dataclass
class WriteContext:
    actor: object
    now: dt.datetime
    reason: str
    written: int = 0

    def record(
        self,
        frame: pl.DataFrame,
        model,
        action: str,
        snapshot_fields: list[str],
        changes: pl.Expr,
        repr_expr: pl.Expr,
        area: pl.Expr,
        related: pl.Expr | None = None,
    ) -> None:
        if frame.is_empty():
            return
        # In slices, so that the JSON of a million records never sits in memory at once.
        for start in range(0, frame.height, RECORD_CHUNK):
            part = frame.slice(start, RECORD_CHUNK)
            out = self._records(
                part, model, action, snapshot_fields, changes, repr_expr, area, related
            )
            # No id column: the database numbers change records itself (nothing in the
            # import refers to them), which spares a round of a million nextval() calls.
            write_frame(ChangeRecord, out)
            self.written += out.height

    def _records(
        self, frame, model, action, snapshot_fields, changes, repr_expr, area, related
    ) -> pl.DataFrame:
        user_id = getattr(self.actor, "pk", None)
        rid = context.request_id.get()
        return frame.select(
            pl.lit(self.now).alias("time"),
            pl.lit(user_id, dtype=pl.Int64).alias("user_id"),
            pl.lit(getattr(self.actor, "username", "") or "system").alias("user_name"),
            pl.lit(rid.hex if rid else None, dtype=pl.String).alias("request_id"),
            pl.lit(action).alias("action"),
            pl.lit(type_label(model)).alias("object_type"),
            pl.col("id").cast(pl.String).alias("object_id"),
            repr_expr.str.slice(0, 200).alias("object_repr"),
            pl.lit(type_label(Household) if related is not None else "").alias("related_type"),
            (related.cast(pl.String) if related is not None else pl.lit("")).alias("related_id"),
            area.alias("area_code"),
            changes.alias("changes"),
            _post_data(frame, snapshot_fields).alias("post_data"),
            pl.lit(self.reason).alias("reason"),
        )


def _snapshot_fields(model) -> list[str]:
    exclude = set(getattr(model, "HISTORY_EXCLUDE", ()))
    return [f.attname for f in model._meta.concrete_fields if f.attname not in exclude]


def _db_types(model) -> dict[str, pl.DataType]:
    """Polars types of a model's columns as the import handles them."""
    from django.db import models as m

    out: dict[str, pl.DataType] = {}
    for f in model._meta.concrete_fields:
        if isinstance(f, m.BooleanField):
            out[f.attname] = pl.Boolean
        elif isinstance(f, m.DecimalField):
            out[f.attname] = pl.Decimal(14, 2)
        elif isinstance(f, m.DateTimeField):
            out[f.attname] = pl.Datetime("us", "UTC")
        elif isinstance(f, m.DateField):
            out[f.attname] = pl.Date
        elif isinstance(f, (m.IntegerField, m.AutoField)) or (
            f.is_relation and f.attname in ("household_id",)
        ):
            out[f.attname] = pl.Int64
        elif isinstance(f, m.JSONField):
            out[f.attname] = pl.List(pl.String)
        else:
            out[f.attname] = pl.String
    return out


def _read_model(model, sql: str, params) -> pl.DataFrame:
    """Rows of `model` (plus extra selected columns as text) typed like the import."""
    frame = read_frame(sql, params)
    types = _db_types(model)
    not_null_text = {
        f.attname
        for f in model._meta.concrete_fields
        if not f.null and f.get_internal_type() in ("CharField", "TextField")
    }
    exprs = []
    for name in frame.columns:
        want = types.get(name)
        if want is None:
            exprs.append(pl.col(name).cast(pl.String))
        elif want == pl.Boolean:
            exprs.append(
                pl.col(name)
                .cast(pl.String)
                .str.to_lowercase()
                .replace_strict(
                    {"t": True, "true": True, "1": True, "f": False, "false": False, "0": False},
                    default=None,
                    return_dtype=pl.Boolean,
                )
            )
        elif isinstance(want, pl.Decimal):
            exprs.append(pl.col(name).cast(pl.String).cast(pl.Float64).round(2).cast(want))
        elif isinstance(want, pl.Datetime):
            exprs.append(
                pl.col(name).cast(pl.String).str.to_datetime(time_zone="UTC", strict=False)
            )
        elif want == pl.Date:
            exprs.append(pl.col(name).cast(pl.String).str.to_date("%Y-%m-%d"))
        elif isinstance(want, pl.List):
            exprs.append(pl.col(name).cast(pl.String).str.json_decode(want))
        elif want == pl.String and name in not_null_text:
            # Blank text is stored as ''; PostgreSQL's CSV may hand it over as null.
            exprs.append(pl.col(name).cast(pl.String).fill_null(""))
        else:
            exprs.append(pl.col(name).cast(want))
    return frame.select(exprs)


def _defaults(model, fields: list[str]) -> dict[str, object]:
    from django.db.models import NOT_PROVIDED

    out = {}
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    for name in fields:
        f = by_attname.get(name)
        if f is None or f.is_relation:
            continue
        if f.default is not NOT_PROVIDED:
            out[name] = f.default() if callable(f.default) else f.default
        elif f.null:
            out[name] = None
        elif f.get_internal_type() in ("CharField", "TextField"):
            out[name] = ""
    return out


def _file_values(p: Parsed, model, rename: dict[str, str]) -> pl.DataFrame:
    """The file's values for the model's fields: blank cells become the field's empty
    value (text "", nullable None, else the default)."""
    fields = [col for col in p.sheet.columns if col.field and col.kind != L.INFO]
    defaults = _defaults(model, [col.field for col in fields])
    types = _db_types(model)
    exprs = []
    for col in fields:
        name = rename.get(col.field, col.field)
        expr = pl.col(col.code)
        want = types.get(col.field)
        if col.field == "disability_grade":
            expr = expr.cast(pl.Int64, strict=False)
        elif want is not None and want != pl.String and not isinstance(want, pl.List):
            expr = expr.cast(want)
        if col.field in defaults and defaults[col.field] is not None:
            default = defaults[col.field]
            if col.kind == L.CODES:
                expr = expr.fill_null(pl.lit([], dtype=pl.List(pl.String)))
            elif want is not None and isinstance(want, pl.Decimal):
                expr = expr.fill_null(pl.lit(str(default)).cast(pl.Float64).cast(want))
            else:
                expr = expr.fill_null(pl.lit(default))
        exprs.append(expr.alias(name))
    return p.frame.filter(pl.col("_ok")).select([*exprs, "_row", "_sheet"])


# ------------------------------------------------------------------ the import


@dataclass
class _State:
    parsed: dict[str, Parsed]
    counts: dict[str, SheetCounts]
    actor: object
    prefix: str
    now: dt.datetime
    reason: str
    today: dt.date = dt.date.min
    mode: str = ExchangeRun.Mode.UPSERT
    initial_load: bool = False
    pause: float = 0.0
    existing_households: pl.DataFrame | None = None
    existing_members: pl.DataFrame | None = None
    existing_incomes: pl.DataFrame | None = None


def import_registry(**kwargs) -> ImportResult:
    """Validate and import a registration workbook as `actor` (see `_import`). If anything
    unexpected goes wrong, the transaction is rolled back and the run is marked failed
    before the error propagates, so no run stays "running" for ever."""
    runs: list[ExchangeRun] = []
    on_run = kwargs.pop("on_run", None)

    def created(run: ExchangeRun) -> None:
        runs.append(run)
        if on_run is not None:
            on_run(run)

    try:
        return _import(on_run=created, **kwargs)
    except Exception as exc:
        for run in runs:
            run.status = ExchangeRun.Status.FAILED
            run.message = f"{type(exc).__name__}: {exc}"[:2000]
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "message", "finished_at"])
        raise


def _import(
    *,
    on_run: Callable[[ExchangeRun], None],
    actor,
    path: Path | str,
    mode: str = ExchangeRun.Mode.UPSERT,
    dry_run: bool = False,
    progress: Progress | None = None,
    file_name: str | None = None,
    today: dt.date | None = None,
    initial_load: bool = False,
) -> ImportResult:
    """Validate and import a registration workbook as `actor`, in the actor's language.

    `initial_load`: the first load of a registry kept elsewhere (a county migrating from
    the national system): new households keep the status, status year and monitoring type
    the file gives them. Only for the system administrator (`registry.initial_load` in
    fupin.accounts.authority), only into counties with no households yet; each change
    record's reason says so and carries the file's SHA-256."""
    started = time.perf_counter()
    path = Path(path)
    report = progress or (lambda phase, fraction: None)
    prefix = area_prefix_of(actor)
    sha256 = file_sha256(*_files_of(path))
    run = ExchangeRun.objects.create(
        direction=ExchangeRun.Direction.IMPORT,
        user=actor if getattr(actor, "pk", None) else None,
        user_name=getattr(actor, "username", "") or "system",
        area_code=(actor.area_id if getattr(actor, "area_id", None) else ""),
        file_name=file_name or path.name,
        file_sha256=sha256,
        mode=mode,
        dry_run=dry_run,
    )
    on_run(run)
    counts = {s.key: SheetCounts() for s in L.SHEETS}
    empty_errors = pl.DataFrame(schema=ERROR_SCHEMA)
    if prefix is None or not getattr(actor, "may_edit", False):
        return _finish(
            run,
            counts,
            empty_errors,
            {},
            ExchangeRun.Status.REFUSED,
            _("You may not import into the registry."),
            started,
        )
    if initial_load:
        refusal = authority.refusal(actor, "registry.initial_load", actor.area_id or "")
        if isinstance(refusal, NotAllowed):
            return _finish(
                run,
                counts,
                empty_errors,
                {},
                ExchangeRun.Status.REFUSED,
                _("An initial load is for the system administrator only: %(reason)s")
                % {"reason": refusal.message},
                started,
            )
    report("read", 0.0)
    try:
        raw = read_workbook(path)
    except WorkbookError as exc:
        return _finish(
            run,
            counts,
            empty_errors,
            {},
            ExchangeRun.Status.FAILED,
            _("The file cannot be read as a registration workbook: %(reason)s") % {"reason": exc},
            started,
        )
    raw = _fix_excel_numbers(raw, path)
    today = today or dt.date.today()
    report("validate", 0.1)
    parsed = {key: parse_sheet(L.SHEETS_BY_KEY[key], sheet, today) for key, sheet in raw.items()}
    for key, p in parsed.items():
        counts[key].read = p.frame.height
    h, m, i = parsed.get("households"), parsed.get("members"), parsed.get("incomes")
    if h is not None:
        household_rules(h)
    if m is not None:
        member_rules(m, today)
    if i is not None:
        income_rules(i)
    size_rule(h, m)
    report("validate", 0.3)
    state = _State(
        parsed=parsed,
        counts=counts,
        actor=actor,
        prefix=prefix,
        now=timezone.now(),
        reason=(
            _("Initial load of the registry: import #%(id)s of %(file)s, SHA-256 %(sha)s")
            if initial_load
            else _("Import #%(id)s of %(file)s")
        )
        % {"id": run.pk, "file": run.file_name, "sha": sha256},
        today=today,
        mode=mode,
        initial_load=initial_load,
        pause=float(os.environ.get("FUPIN_IMPORT_PAUSE", "0") or 0),
    )
    status = ExchangeRun.Status.DONE
    message = ""
    written = False
    if connection.vendor == "sqlite":
        # A million index entries do not fit SQLite's default 2 MB page cache; with
        # 256 MB the index B-trees stay in memory while the import writes them. (Other
        # pragmas, such as temp_store, cannot be changed inside a caller's transaction.)
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")
    try:
        with transaction.atomic():
            if initial_load:
                _initial_load_area(h)
            _database_checks(state)
            # Every reason is known now: keep the text of the rejected rows only (for the
            # report), not a second copy of the whole file.
            for p in parsed.values():
                p.raw = p.raw.join(
                    p.frame.filter(~pl.col("_ok")).select("_row", "_sheet"),
                    on=["_row", "_sheet"],
                    how="semi",
                )
            errors = _errors(parsed)
            if mode == ExchangeRun.Mode.ALL_OR_NOTHING and errors.height:
                raise ImportRefused(
                    _("%(n)s rows had rejected cells; in all-or-nothing mode nothing is written.")
                    % {"n": errors.select("sheet", "row").n_unique()}
                )
            report("write", 0.4)
            _write(state, report)
            if sum(x.created for x in counts.values()) >= ANALYZE_AFTER:
                analyze(Household, Member, IncomeRecord, ChangeRecord)
            if dry_run:
                raise ImportRefused(_("Dry run: nothing was written."))
            written = True
            if initial_load:
                message = state.reason
    except ImportRefused as exc:
        message = str(exc)
        status = ExchangeRun.Status.CHECKED if dry_run else ExchangeRun.Status.REFUSED
    errors = _errors(parsed)
    for key, p in parsed.items():
        counts[key].rejected = p.frame.filter(~pl.col("_ok")).height
    rejected_rows = {
        key: p.raw.join(
            p.frame.filter(~pl.col("_ok")).select("_row", "_sheet"),
            on=["_row", "_sheet"],
            how="semi",
        )
        for key, p in parsed.items()
    }
    report("done", 1.0)
    return _finish(
        run,
        counts,
        errors,
        rejected_rows,
        status,
        message,
        started,
        written,
        warnings=_warnings(parsed),
    )


def _files_of(path: Path) -> list[Path]:
    if path.suffix.lower() == ".csv":
        from fupin.exchange.export import csv_paths

        parts = [p for p in csv_paths(path).values() if p.exists()]
        return parts or [path]
    return [path]


def _fix_excel_numbers(raw: dict[str, RawSheet], path: Path) -> dict[str, RawSheet]:
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
    from python_calamine import CalamineWorkbook

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


def _errors(parsed: dict[str, Parsed]) -> pl.DataFrame:
    frames = [e for p in parsed.values() for e in p.errors]
    if not frames:
        return pl.DataFrame(schema=ERROR_SCHEMA)
    return pl.concat(frames).sort(["sheet", "row", "column"])


def _warnings(parsed: dict[str, Parsed]) -> pl.DataFrame:
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


def _finish(
    run, counts, errors, rejected_rows, status, message, started, written=False, warnings=None
):
    run.status = status
    run.message = message
    run.finished_at = timezone.now()
    run.summary = {key: vars(c) for key, c in counts.items()}
    run.save(update_fields=["status", "message", "finished_at", "summary"])
    return ImportResult(
        run=run,
        counts=counts,
        errors=errors,
        rejected_rows=rejected_rows,
        written=written,
        seconds=time.perf_counter() - started,
        warnings=warnings if warnings is not None else pl.DataFrame(schema=ERROR_SCHEMA),
    )


def _villages_in_scope(prefix: str) -> set[str]:
    from fupin.geo.models import Division, Level

    return set(
        Division.objects.in_area(prefix).filter(level=Level.VILLAGE).values_list("code", flat=True)
    )


def _departed() -> pl.DataFrame:
    """The file's people (tmp_import_ids) who are no longer members of a household they
    were in: one row per inactive member, with the household, its village and the leaving
    change (kind, date, reason; empty where none was recorded), read once."""
    leaves = sorted(c.MEMBER_LEAVES)
    marks = ", ".join(["%s"] * len(leaves))
    sql = (
        "SELECT m.id_number, h.number AS household_number, h.village_id AS village_code, "  # noqa: S608
        "m.left_on, c.kind, c.date AS change_date, c.reason, c.id AS change_id "
        "FROM registry_member m JOIN tmp_import_ids t ON t.id_number = m.id_number "
        "JOIN registry_household h ON h.id = m.household_id "
        "LEFT JOIN registry_memberchange c ON c.member_id = m.id "
        f"AND c.kind IN ({marks}) WHERE NOT m.is_active"
    )
    frame = read_frame(sql, leaves)
    text = ["id_number", "household_number", "village_code", "kind", "reason"]
    return frame.select(
        *[pl.col(name).cast(pl.String) for name in text],
        pl.coalesce(
            pl.col("change_date").cast(pl.String).str.slice(0, 10).str.to_date(strict=False),
            pl.col("left_on").cast(pl.String).str.slice(0, 10).str.to_date(strict=False),
        ).alias("date"),
        pl.col("change_id").cast(pl.Int64, strict=False),
    ).sort(["date", "change_id"], nulls_last=False)


def person_rules(m: Parsed, active: pl.DataFrame, departed: pl.DataFrame, prefix: str) -> None:
    """People of the members sheet against the registry, column-wise. `active`: the file's
    people who are active members somewhere (`household_number`, `village_code`);
    `departed`: their inactive memberships with the leaving change (`_departed`).

    - Someone recorded as deceased anywhere in the registry, and a member of no household
      now, is rejected: an import never registers them again.
    - Someone who left the file's household (moved out, married out, split off, died) is
      rejected with the date and the reason they left: bringing them back takes a
      member-change case (成员变更), never an import. If they are now a member of another
      household, the reason says which (its number only inside the user's area).
    - Someone who is a member of another household is rejected (one person, one
      household), naming it only inside the user's area."""
    low, high = code_range(prefix)
    kinds = {str(k): str(label) for k, label in c.MemberChangeKind.choices}
    departed = departed.with_columns(
        (pl.col("kind") == c.MemberChangeKind.DEATH).fill_null(False).alias("_death"),
        pl.col("kind").replace_strict(kinds, default=_("left"), return_dtype=pl.String),
        pl.when(pl.col("reason").fill_null("").str.strip_chars() == "")
        .then(pl.lit("—"))
        .otherwise(pl.col("reason"))
        .alias("reason"),
    )
    left_here = departed.unique(["id_number", "household_number"], keep="last").select(
        "id_number",
        "household_number",
        pl.col("date").alias("_left_on"),
        pl.col("kind").alias("_left_kind"),
        pl.col("reason").alias("_left_reason"),
    )
    deaths = (
        departed.filter("_death")
        .unique("id_number", keep="last")
        .select(
            "id_number",
            pl.col("date").alias("_died_on"),
            pl.col("household_number").alias("_died_in"),
            pl.col("village_code").is_between(pl.lit(low), pl.lit(high)).alias("_died_here"),
            pl.col("reason").alias("_died_reason"),
        )
    )
    j = (
        m.frame.select("id_number", "household_number")
        .join(
            active.select(
                "id_number",
                pl.col("household_number").alias("_now_in"),
                pl.col("village_code").is_between(pl.lit(low), pl.lit(high)).alias("_now_here"),
            ),
            on="id_number",
            how="left",
            maintain_order="left",
        )
        .join(left_here, on=["id_number", "household_number"], how="left", maintain_order="left")
        .join(deaths, on="id_number", how="left", maintain_order="left")
    )
    now_in = pl.col("_now_in")
    elsewhere = now_in.is_not_null() & (now_in != pl.col("household_number"))
    dead = pl.col("_died_on").is_not_null() & now_in.is_null()
    left = pl.col("_left_on").is_not_null() & (now_in.is_null() | elsewhere) & ~dead
    here = pl.col("_now_here").fill_null(False)
    died_here = pl.col("_died_here").fill_null(False)
    left_said = {
        "date": pl.col("_left_on"),
        "kind": pl.col("_left_kind"),
        "reason": pl.col("_left_reason"),
    }
    reasons = j.select(
        pl.when(dead & died_here)
        .then(
            P.message(
                _(
                    "This person died on %(date)s (recorded in household %(number)s: "
                    "%(reason)s). A person recorded as deceased is not registered again; if "
                    "the record is wrong, bringing them back needs a member-change case "
                    "(成员变更)."
                ),
                date=pl.col("_died_on"),
                number=pl.col("_died_in"),
                reason=pl.col("_died_reason"),
            )
        )
        .when(dead)
        .then(
            pl.lit(
                _(
                    "This person is recorded as deceased in a household outside your area. A "
                    "person recorded as deceased is not registered again; if the record is "
                    "wrong, bringing them back needs a member-change case (成员变更)."
                )
            )
        )
        .when(left & elsewhere & here)
        .then(
            P.message(
                _(
                    "This person left the household on %(date)s: %(kind)s (%(reason)s), and "
                    "is now a member of household %(number)s. Bringing them back needs a "
                    "member-change case (成员变更)."
                ),
                **left_said,
                number=now_in,
            )
        )
        .when(left & elsewhere)
        .then(
            P.message(
                _(
                    "This person left the household on %(date)s: %(kind)s (%(reason)s), and "
                    "is now a member of a household outside your area. Bringing them back "
                    "needs a member-change case (成员变更)."
                ),
                **left_said,
            )
        )
        .when(left)
        .then(
            P.message(
                _(
                    "This person left the household on %(date)s: %(kind)s (%(reason)s). "
                    "Bringing them back needs a member-change case (成员变更)."
                ),
                **left_said,
            )
        )
        .when(elsewhere & here)
        .then(
            P.message(_("This person is already a member of household %(number)s."), number=now_in)
        )
        .when(elsewhere)
        .then(pl.lit(_("This person is already a member of a household outside your area.")))
        .otherwise(None)
    ).to_series()
    m.reject(reasons.is_not_null(), "id_number", reasons)


def _amounts_to_the_fen(
    state: _State, h: Parsed | None, i: Parsed | None, in_scope: pl.DataFrame
) -> None:
    """`amount_precision` for the households sheet (the row's village) and the incomes
    sheet (the village of its household, in the file or else in the registry)."""
    if not ((h is not None and h.sub_fen) or (i is not None and i.sub_fen)):
        return
    known = in_scope.select(pl.col("number").alias("household_number"), "village_id")
    if h is not None:
        known = pl.concat(
            [
                h.frame.select("household_number", pl.col("village_code").alias("village_id")),
                known,
            ]
        ).unique("household_number", keep="first", maintain_order=True)
    counties = {v[:6] for v in known["village_id"].drop_nulls().to_list()}
    rounding = rounding_counties(counties, state.today)
    if h is not None:
        amount_precision(h, h.frame["village_code"], rounding)
    if i is not None:
        villages = i.frame.select("household_number").join(
            known, on="household_number", how="left", maintain_order="left"
        )["village_id"]
        amount_precision(i, villages, rounding)


def _database_checks(state: _State) -> None:
    """Scope, existing households and people, inside the import's transaction."""
    h, m, i = (state.parsed.get(k) for k in ("households", "members", "incomes"))
    numbers = (
        pl.concat([p.frame["household_number"] for p in (h, m, i) if p is not None])
        .drop_nulls()
        .unique()
    )
    _temp_keys("tmp_import_numbers", "number", numbers)
    existing = _read_model(
        Household,
        "SELECT h.* FROM registry_household h JOIN tmp_import_numbers t ON t.number = h.number",
        [],
    )
    state.existing_households = existing
    in_scope = existing.filter(
        pl.col("village_id").is_between(*map(pl.lit, code_range(state.prefix)))
    )
    outside = set(existing["number"].to_list()) - set(in_scope["number"].to_list())
    villages = _villages_in_scope(state.prefix)
    _amounts_to_the_fen(state, h, i, in_scope)
    if h is not None:
        f = h.frame
        h.reject(
            f["household_number"].is_in(list(outside)),
            "household_number",
            _("This household number belongs to a household outside your area."),
        )
        f = h.frame
        from fupin.geo.models import Division

        unknown = set(f["village_code"].drop_nulls().unique().to_list()) - villages
        known_elsewhere = (
            set(Division.objects.filter(code__in=list(unknown)).values_list("code", flat=True))
            if unknown
            else set()
        )
        h.reject(
            f["village_code"].is_in(list(known_elsewhere)),
            "village_code",
            _("This village is outside your area."),
        )
        h.reject(
            f["village_code"].is_in(list(unknown - known_elsewhere)),
            "village_code",
            _("There is no village with this code."),
        )
        procedure_cells(
            h,
            in_scope,
            outside,
            today=state.today,
            mode=state.mode,
            initial_load=state.initial_load,
        )
    file_households = (
        set(h.frame.filter(pl.col("_ok"))["household_number"].to_list()) if h is not None else set()
    )
    known = file_households | set(in_scope["number"].to_list())
    rejected_in_file = (
        set(h.frame.filter(~pl.col("_ok"))["household_number"].to_list())
        if h is not None
        else set()
    )
    for child in (m, i):
        if child is None:
            continue
        f = child.frame
        missing = ~f["household_number"].is_in(list(known | rejected_in_file)) & f["_ok"]
        child.reject(
            missing.fill_null(False),
            "household_number",
            _("No household with this number in the households sheet or in your area."),
        )
    if m is not None:
        _temp_keys("tmp_import_ids", "id_number", m.frame["id_number"])
        people = _read_model(
            Member,
            "SELECT m.*, h.number AS household_number, h.village_id AS village_code "
            "FROM registry_member m JOIN tmp_import_ids t ON t.id_number = m.id_number "
            "JOIN registry_household h ON h.id = m.household_id WHERE m.is_active",
            [],
        )
        state.existing_members = people
        person_rules(m, people, _departed(), state.prefix)
    cascade(h, m, i)
    if m is not None:
        head_rule(m, _stored_heads())
    _drop_temp("tmp_import_ids")
    if i is not None:
        state.existing_incomes = _read_model(
            IncomeRecord,
            "SELECT i.*, h.number AS household_number FROM registry_incomerecord i "
            "JOIN registry_household h ON h.id = i.household_id "
            "JOIN tmp_import_numbers t ON t.number = h.number",
            [],
        )
    _drop_temp("tmp_import_numbers")


def _split(
    new: pl.DataFrame,
    old: pl.DataFrame,
    keys: list[str],
    fields: list[str],
    present: set[str],
    model,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Rows of the file that create, change or leave unchanged a stored row. Changed and
    unchanged rows carry the stored id, each field's stored value as `<field>__old`, and
    the stored values of the snapshot's other columns; fields whose column the file does
    not fill keep their stored value."""
    snap = _snapshot_fields(model)
    carried = [f for f in snap if f not in fields and f not in keys and f in old.columns]
    old = old.select(
        [*keys, *carried, *[pl.col(f).alias(f + "__old") for f in fields if f not in keys]]
    )
    joined = new.join(old, on=keys, how="left")
    exists = joined["id"].is_not_null() if "id" in joined.columns else None
    if exists is None or not exists.any():
        return (
            joined.drop([c for c in joined.columns if c.endswith("__old")]),
            joined.clear(),
            (joined.clear()),
        )
    created = joined.filter(~exists).drop(
        [c for c in joined.columns if c.endswith("__old")] + carried
    )
    stored = joined.filter(exists).with_columns(
        pl.col(f + "__old").alias(f) for f in fields if f not in present and f not in keys
    )
    compared = [f for f in fields if f not in keys]
    differs = pl.any_horizontal(pl.col(f).ne_missing(pl.col(f + "__old")) for f in compared)
    changed = stored.filter(differs).with_columns(pl.lit(timezone.now()).alias("updated_at"))
    same = stored.filter(~differs)
    return created, changed, same


def _full(frame: pl.DataFrame, model) -> pl.DataFrame:
    """Every concrete field of the model (defaults for those the frame lacks), typed."""
    types = _db_types(model)
    defaults = _defaults(model, list(types))
    cols = []
    for f in model._meta.concrete_fields:
        name = f.attname
        if name in frame.columns:
            cols.append(pl.col(name))
            continue
        default = defaults.get(name)
        if isinstance(types[name], pl.List):
            cols.append(pl.lit(default or [], dtype=types[name]).alias(name))
        elif isinstance(types[name], pl.Decimal) and default is not None:
            cols.append(pl.lit(str(default)).cast(pl.Float64).cast(types[name]).alias(name))
        else:
            cols.append(pl.lit(default, dtype=types[name]).alias(name))
    extra = [c for c in frame.columns if c not in types]
    return frame.select([*cols, *extra])


def _db_ready(frame: pl.DataFrame, model, columns: list[str] | None = None) -> pl.DataFrame:
    """Table columns for `write_frame`/`update_frame`: JSON fields as JSON text."""
    from django.db import models as m

    out = []
    for f in model._meta.concrete_fields:
        if columns is not None and f.attname not in columns:
            continue
        expr = pl.col(f.attname)
        if isinstance(f, m.JSONField):
            expr = _json_text(frame, f.attname)
        out.append(expr.alias(f.column))
    return frame.select(out)


def _write_sheet(
    state: _State,
    ctx: WriteContext,
    key: str,
    model,
    new: pl.DataFrame,
    stored: pl.DataFrame,
    keys: list[str],
    fields: list[str],
    created_extra: dict[str, pl.Expr],
    repr_expr: pl.Expr,
    area: pl.Expr,
    related: pl.Expr | None,
) -> pl.DataFrame:
    """Create and update one model's rows; returns the created rows."""
    p = state.parsed[key]
    created, changed, same = _split(new, stored, keys, fields, p.present, model)
    counts = state.counts[key]
    counts.unchanged = same.height
    counts.created = created.height
    counts.updated = changed.height
    snap = _snapshot_fields(model)
    ids = reserve_ids(model, created.height)
    created = created.with_columns(
        pl.Series("id", ids, dtype=pl.Int64),
        *[expr.alias(name) for name, expr in created_extra.items()],
    )
    full = _full(created, model)
    write_frame(model, _db_ready(full, model))
    # A creation keeps the new state once, in post_data; `changes` stays empty, as every
    # field is new (ChangeRecord.effective_changes reads the state). Writing the same values
    # twice as JSON cost a quarter of the import's time on PostgreSQL.
    ctx.record(full, model, ChangeAction.CREATE, snap, pl.lit("{}"), repr_expr, area, related)
    if not changed.is_empty():
        update_frame(model, _db_ready(changed, model, ["id", *fields, "updated_at"]))
        ctx.record(
            changed,
            model,
            ChangeAction.UPDATE,
            snap,
            _changes(changed, [f for f in fields if f not in keys], "__old"),
            repr_expr,
            area,
            related,
        )
    return full


def _write(state: _State, report: Progress) -> None:
    ctx = WriteContext(actor=state.actor, now=state.now, reason=state.reason)
    h, m, i = (state.parsed.get(k) for k in ("households", "members", "incomes"))
    now = pl.lit(state.now)
    stored = state.existing_households
    lookup = stored.select(
        "number", pl.col("id").alias("household_id"), pl.col("village_id").alias("area")
    )
    new = created = None
    if h is not None:
        fields = _fields(L.HOUSEHOLDS)
        new = _file_values(h, Household, {})
        created = _write_sheet(
            state,
            ctx,
            "households",
            Household,
            new,
            stored,
            ["number"],
            fields,
            {"created_at": now, "updated_at": now},
            pl.col("number"),
            pl.col("village_id"),
            None,
        )
        lookup = pl.concat(
            [
                lookup.join(
                    new.select("number", pl.col("village_id").alias("new_area")),
                    on="number",
                    how="left",
                ).select("number", "household_id", pl.coalesce("new_area", "area").alias("area")),
                created.select(
                    "number", pl.col("id").alias("household_id"), pl.col("village_id").alias("area")
                ),
            ]
        )
    # Frames are let go as soon as they are written: a re-import holds the stored rows of
    # a million people next to the file's.
    del stored, new, created
    state.existing_households = None
    report("write", 0.5)
    if state.pause:
        # For the interruption test: households are written, members not yet.
        marker = os.environ.get("FUPIN_IMPORT_PAUSE_MARKER")
        if marker:
            Path(marker).write_text("paused")
        time.sleep(state.pause)
    lookup = lookup.rename({"number": "household_number"})
    if m is not None:
        fields = [f for f in _fields(L.MEMBERS) if f != "number"]
        new = _file_values(m, Member, {"number": "household_number"}).join(
            lookup, on="household_number", how="inner"
        )
        _write_sheet(
            state,
            ctx,
            "members",
            Member,
            new,
            state.existing_members,
            ["id_number", "household_id"],
            fields,
            {
                "is_active": pl.lit(True),
                "left_on": pl.lit(None, dtype=pl.Date),
                "created_at": now,
                "updated_at": now,
            },
            pl.col("name"),
            pl.col("area"),
            pl.col("household_id"),
        )
        del new
        state.existing_members = None
    report("write", 0.7)
    if i is not None:
        fields = [f for f in _fields(L.INCOMES) if f != "number"]
        new = _file_values(i, IncomeRecord, {"number": "household_number"}).join(
            lookup, on="household_number", how="inner"
        )
        _write_sheet(
            state,
            ctx,
            "incomes",
            IncomeRecord,
            new,
            state.existing_incomes,
            ["household_id", "year"],
            fields,
            {"updated_at": now},
            pl.format("{}/{}", pl.col("household_id"), pl.col("year")),
            pl.col("area"),
            pl.col("household_id"),
        )
    report("write", 0.85)


def summary_lines(result: ImportResult) -> list[str]:
    titles = {s.key: str(s.title) for s in L.SHEETS}
    lines = []
    for key, n in result.counts.items():
        if not n.read and key not in result.rejected_rows:
            continue
        lines.append(
            _(
                "%(sheet)s: %(read)s rows read, %(created)s created, %(updated)s updated, "
                "%(unchanged)s unchanged, %(rejected)s rejected"
            )
            % {"sheet": titles[key], **vars(n)}
        )
    if result.warnings.height:
        lines.append(
            _("%(n)s cells were rounded to the fen (see the warnings).")
            % {"n": result.warnings.height}
        )
    return lines
