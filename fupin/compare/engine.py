"""The columnar comparison engine (Polars). No ORM here: the registry arrives as a frame
(id_number, member_id, household_id, village_code, health, disability_grade), the department
list as a frame of strings; validation, matching and the rules are vectorised.

Matching key: the first 17 digits of an ID number as a 64-bit integer. For a valid number
the 18th character is determined by the first 17 (ISO 7064 MOD 11-2), so the key is unique
per person, and joining on an integer is several times faster than on 18-byte strings.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from python_calamine import CalamineWorkbook

from fupin.compare.models import DatasetKind, Rule
from fupin.core.errors import IdNumberInvalid, ValidationFailed
from fupin.registry import idframes, idnumber

DEFAULT_MEDICAL_THRESHOLD = 10_000  # yuan out of pocket in one year

ROW = "row"  # spreadsheet row number of a department row (header = row 1)
KEY = "key"

# ---------------------------------------------------------------- columns of each kind


@dataclass(frozen=True)
class Column:
    name: str
    label: Promise
    aliases: tuple[str, ...]  # accepted headers, Chinese and English
    type: str = "text"  # text, date, decimal, year, grade, bool, roll
    required: bool = True


ID_COLUMN = Column(
    "id_number",
    gettext_lazy("ID number"),
    (
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "证件号码",
        "身份证",
        "id_number",
        "id number",
        "id",
    ),
)
NAME_COLUMN = Column("name", gettext_lazy("Name"), ("姓名", "name"), required=False)
AREA_COLUMN = Column(
    "area_code",
    gettext_lazy("Division code"),
    ("区划代码", "行政区划代码", "地区代码", "area_code", "area code", "division code"),
    required=False,
)

KIND_COLUMNS: dict[str, tuple[Column, ...]] = {
    DatasetKind.VEHICLES: (
        Column(
            "plate",
            gettext_lazy("Plate number"),
            ("号牌号码", "车牌号", "车牌号码", "plate", "plate number"),
        ),
        Column("vehicle_type", gettext_lazy("Vehicle type"), ("车辆类型", "vehicle type", "type")),
        Column(
            "registered_on",
            gettext_lazy("Registration date"),
            ("注册日期", "初次登记日期", "登记日期", "registration date", "registered on"),
            "date",
        ),
    ),
    DatasetKind.REAL_ESTATE: (
        Column("address", gettext_lazy("Address"), ("坐落", "房屋坐落", "地址", "address")),
        Column(
            "area_m2",
            gettext_lazy("Floor area (m²)"),
            ("建筑面积", "面积", "建筑面积(㎡)", "area", "area m2", "area m²", "floor area"),
            "decimal",
        ),
        Column(
            "in_town",
            gettext_lazy("In town"),
            ("是否城镇", "是否在城镇", "城镇", "in town"),
            "bool",
        ),
    ),
    DatasetKind.BUSINESS: (
        Column(
            "company", gettext_lazy("Company name"), ("企业名称", "名称", "company name", "company")
        ),
        Column(
            "credit_code",
            gettext_lazy("Unified social credit code"),
            ("统一社会信用代码", "信用代码", "credit code"),
        ),
        Column("role", gettext_lazy("Role"), ("职务", "身份", "角色", "role")),
    ),
    DatasetKind.PUBLIC_EMPLOYEES: (
        Column("unit", gettext_lazy("Unit"), ("单位", "工作单位", "单位名称", "unit")),
        Column("post", gettext_lazy("Post"), ("职务", "岗位", "post", "position")),
    ),
    DatasetKind.DEATHS: (
        Column(
            "died_on",
            gettext_lazy("Date of death"),
            ("死亡日期", "date of death", "died on"),
            "date",
        ),
    ),
    DatasetKind.MEDICAL_SPENDING: (
        Column("year", gettext_lazy("Year"), ("年度", "年份", "year"), "year"),
        Column(
            "total",
            gettext_lazy("Total medical costs"),
            ("医疗总费用", "总费用", "total", "total costs"),
            "decimal",
        ),
        Column(
            "out_of_pocket",
            gettext_lazy("Out-of-pocket costs"),
            ("个人自付", "自付金额", "个人自付金额", "out-of-pocket", "out of pocket"),
            "decimal",
        ),
    ),
    DatasetKind.SUBSISTENCE_ROLLS: (
        Column(
            "roll_type",
            gettext_lazy("Roll type"),
            ("保障类型", "类别", "救助类型", "roll type"),
            "roll",
        ),
        Column(
            "started_on",
            gettext_lazy("Start date"),
            ("起始日期", "开始日期", "享受起始日期", "start date", "started on"),
            "date",
        ),
    ),
    DatasetKind.DISABILITY: (
        Column(
            "certificate", gettext_lazy("Certificate number"), ("残疾证号", "certificate number")
        ),
        Column("category", gettext_lazy("Disability category"), ("残疾类别", "category")),
        Column("grade", gettext_lazy("Disability grade"), ("残疾等级", "等级", "grade"), "grade"),
        Column(
            "issued_on", gettext_lazy("Issue date"), ("发证日期", "issue date", "issued on"), "date"
        ),
    ),
}


def columns_of(kind: str) -> tuple[Column, ...]:
    return (ID_COLUMN, NAME_COLUMN, AREA_COLUMN, *KIND_COLUMNS[kind])


def _header_key(text: str) -> str:
    return re.sub(r"[\s_\-（）()]+", "", str(text)).lower().replace("㎡", "m²")


# ---------------------------------------------------------------- reading files


def read_table(path: str | Path) -> pl.DataFrame:
    """A department file (CSV in UTF-8 or GB18030, xlsx, or Parquet) as a frame of strings."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        return _read_excel(path)
    if suffix == ".parquet":
        df = pl.read_parquet(path)
        return df.with_columns(pl.all().cast(pl.String))
    head = path.open("rb").read(1 << 16)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            text = path.read_bytes().decode("gb18030", errors="replace")
            return pl.read_csv(io.BytesIO(text.encode()), infer_schema=False)
    df = pl.read_csv(path, infer_schema=False)
    return df.rename({df.columns[0]: df.columns[0].lstrip("\ufeff")}) if df.columns else df


def _cell_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        # A number typed into an ID column keeps only 15 digits: keep its float look so the
        # ID check explains that; small integral numbers (years, grades) read as integers.
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def _read_excel(path: Path) -> pl.DataFrame:
    """The first sheet through calamine (python-calamine), every cell as text."""

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    if not rows:
        return pl.DataFrame()
    header = [str(h).strip() for h in rows[0]]
    data = {
        h or f"column_{i + 1}": [_cell_text(r[i]) if i < len(r) else None for r in rows[1:]]
        for i, h in enumerate(header)
    }
    return pl.DataFrame(data, schema={k: pl.String for k in data})


# ---------------------------------------------------------------- ID numbers, vectorised

# The ID-number rules are the registry's, vectorised once for every module.
normalise_id = idframes.normalise
id_key = idframes.key


def id_valid(norm: pl.Expr, key: pl.Expr, today: dt.date) -> pl.Expr:
    return idframes.valid(norm, today, first17=key)


# ---------------------------------------------------------------- value parsers

_TRUE = ["是", "y", "yes", "true", "1", "城镇", "是的", "t"]
_FALSE = ["否", "n", "no", "false", "0", "农村", "f"]
_ROLLS = {
    "低保": "subsistence",
    "低保户": "subsistence",
    "最低生活保障": "subsistence",
    "农村低保": "subsistence",
    "subsistence": "subsistence",
    "dibao": "subsistence",
    "特困": "extreme",
    "特困供养": "extreme",
    "特困人员": "extreme",
    "五保": "extreme",
    "extreme": "extreme",
    "extreme poverty": "extreme",
    "tekun": "extreme",
}
_GRADES = {"一": "1", "二": "2", "三": "3", "四": "4"}


def _parse_date(e: pl.Expr) -> pl.Expr:
    """YYYY-MM-DD (also with / . 年月日, single-digit month or day, a time after it) or
    YYYYMMDD."""
    s = e.str.replace_many(["/", ".", "年", "月", "日", "T"], ["-", "-", "-", "-", "", " "])
    s = s.str.split_exact(" ", 1).struct.field("field_0")
    return pl.coalesce(
        s.str.to_date("%Y-%m-%d", strict=False), s.str.to_date("%Y%m%d", strict=False)
    )


def _parse_decimal(e: pl.Expr) -> pl.Expr:
    return e.str.replace_all(r"[,，元\s]", "").cast(pl.Float64, strict=False)


# (parser, reason of a value it cannot read, extra check on the parsed value, its reason)
_PARSERS: dict[str, tuple[Callable[[pl.Expr], pl.Expr], Promise, Any, Promise | None]] = {
    "date": (_parse_date, gettext_lazy("Not a date (use YYYY-MM-DD)."), None, None),
    "decimal": (
        _parse_decimal,
        gettext_lazy("Not a number."),
        lambda v: v >= 0,
        gettext_lazy("The amount cannot be negative."),
    ),
    "year": (
        lambda e: e.str.replace(r"年$", "").cast(pl.Int32, strict=False),
        gettext_lazy("Not a year."),
        lambda v: v.is_between(2000, 2100),
        gettext_lazy("The year must lie between 2000 and 2100."),
    ),
    "grade": (
        lambda e: (
            e.str.replace_many(list(_GRADES), list(_GRADES.values()))
            .str.replace(r"级$", "")
            .cast(pl.Int32, strict=False)
        ),
        gettext_lazy("Not a disability grade."),
        lambda v: v.is_between(1, 4),
        gettext_lazy("The disability grade is 1, 2, 3 or 4."),
    ),
    "bool": (
        lambda e: (
            pl.when(e.str.to_lowercase().is_in(_TRUE))
            .then(True)
            .when(e.str.to_lowercase().is_in(_FALSE))
            .then(False)
            .otherwise(None)
        ),
        gettext_lazy("Answer yes (是) or no (否)."),
        None,
        None,
    ),
    "roll": (
        lambda e: e.str.to_lowercase().replace_strict(_ROLLS, default=None, return_dtype=pl.String),
        gettext_lazy(
            "The roll type is 低保 (subsistence allowance) or 特困 (extreme-poverty support)."
        ),
        None,
        None,
    ),
}


# ---------------------------------------------------------------- validation


@dataclass
class Prepared:
    good: pl.DataFrame  # row, key, id_number, name, area_code and the kind's parsed columns
    errors: pl.DataFrame  # row, column (file header), field (canonical), value, reason
    rows_read: int
    headers: dict[str, str] = field(default_factory=dict)  # canonical name → file header

    @property
    def rows_rejected(self) -> int:
        return self.errors.get_column(ROW).n_unique() if self.errors.height else 0


ERROR_SCHEMA = {
    ROW: pl.Int64,
    "column": pl.String,
    "field": pl.String,
    "value": pl.String,
    "reason": pl.String,
}


def map_headers(kind: str, headers: list[str]) -> dict[str, str]:
    """canonical name → header in the file; a missing required column is a file error."""
    by_key = {_header_key(h): h for h in headers}
    found: dict[str, str] = {}
    missing = []
    for col in columns_of(kind):
        for alias in (col.name, *col.aliases):
            if _header_key(alias) in by_key:
                found[col.name] = by_key[_header_key(alias)]
                break
        else:
            if col.required:
                missing.append(f"{col.label} ({' / '.join(col.aliases[:2])})")
    if missing:
        raise ValidationFailed(
            {"file": [_("Required columns are missing: %(cols)s.") % {"cols": ", ".join(missing)}]}
        )
    return found


def _blank_to_null(e: pl.Expr) -> pl.Expr:
    return pl.when(e.str.len_bytes() > 0).then(e)


def prepare(kind: str, raw: pl.DataFrame, *, today: dt.date | None = None) -> Prepared:
    """Validate a department list: good rows parsed, bad rows reported (row, column, reason)."""
    today = today or dt.date.today()
    headers = map_headers(kind, raw.columns)
    cols = [c for c in columns_of(kind) if c.name in headers]
    lf = raw.lazy().select(
        pl.int_range(2, pl.len() + 2, dtype=pl.Int64).alias(ROW),
        *[
            _blank_to_null(pl.col(headers[c.name]).cast(pl.String).str.strip_chars()).alias(c.name)
            for c in cols
        ],
    )
    lf = lf.with_columns(normalise_id(pl.col("id_number")).alias("id_number"))
    lf = lf.with_columns(id_key(pl.col("id_number")).alias(KEY))
    flags: list[tuple[str, str, pl.Expr, Promise | None]] = []  # (flag, column, cond, reason)
    parsed = []
    for c in cols:
        raw_col = pl.col(c.name)
        if c.required:
            flags.append(
                (f"_req_{c.name}", c.name, raw_col.is_null(), gettext_lazy("This field is empty."))
            )
        if c.type in _PARSERS:
            parser, bad_reason, check, check_reason = _PARSERS[c.type]
            parsed.append(parser(raw_col).alias(f"_v_{c.name}"))
            value = pl.col(f"_v_{c.name}")
            flags.append(
                (f"_bad_{c.name}", c.name, raw_col.is_not_null() & value.is_null(), bad_reason)
            )
            if check is not None:
                flags.append(
                    (f"_chk_{c.name}", c.name, value.is_not_null() & ~check(value), check_reason)
                )
    id_flag = raw_ok = pl.col("id_number").is_not_null()
    id_flag = raw_ok & ~id_valid(pl.col("id_number"), pl.col(KEY), today)
    flags.append(("_bad_id_number", "id_number", id_flag, None))
    lf = lf.with_columns(parsed).with_columns([cond.alias(flag) for flag, _c, cond, _r in flags])
    df = lf.with_columns(pl.any_horizontal([pl.col(f) for f, *_ in flags]).alias("_bad")).collect()

    bad_rows = df.filter(pl.col("_bad"))
    error_frames = []
    for flag, column, _cond, reason in flags:
        bad = bad_rows.filter(pl.col(flag))
        if not bad.height:
            continue
        value = pl.col(column).cast(pl.String)
        frame = bad.select(
            pl.col(ROW),
            pl.lit(headers[column]).alias("column"),
            pl.lit(column).alias("field"),
            value.alias("value"),
        )
        if reason is None:  # ID numbers: the clerk-facing reason of idnumber.parse
            frame = frame.with_columns(_id_reasons(frame.get_column("value"), today))
        else:
            frame = frame.with_columns(pl.lit(str(reason)).alias("reason"))
        error_frames.append(frame)
    errors = (
        pl.concat(error_frames).sort(ROW, maintain_order=True)
        if error_frames
        else pl.DataFrame(schema=ERROR_SCHEMA)
    )
    good = df.select(
        "_bad",
        ROW,
        KEY,
        *[
            (pl.col(f"_v_{c.name}") if c.type in _PARSERS else pl.col(c.name)).alias(c.name)
            for c in cols
        ],
    )
    good = good.filter(~pl.col("_bad")).drop("_bad")
    for c in (NAME_COLUMN, AREA_COLUMN):
        if c.name not in good.columns:
            good = good.with_columns(pl.lit(None, dtype=pl.String).alias(c.name))
    return Prepared(good=good, errors=errors, rows_read=raw.height, headers=headers)


MAX_EXPLAINED_IDS = 100_000


def _id_reasons(values: pl.Series, today: dt.date) -> pl.Series:
    """The reason idnumber.parse gives, per distinct bad value (capped; the rest generic)."""
    reasons: dict[str, str] = {}
    for v in values.unique().head(MAX_EXPLAINED_IDS).to_list():
        try:
            idnumber.parse(v, today=today)
            reasons[v] = str(_("The ID number is not valid."))
        except IdNumberInvalid as exc:
            reasons[v] = str(exc.message)
    generic = str(_("The ID number is not valid."))
    return values.replace_strict(reasons, default=generic, return_dtype=pl.String).alias("reason")


# ---------------------------------------------------------------- matching and rules

REGISTRY_SCHEMA = {
    "id_number": pl.String,
    "member_id": pl.Int64,
    "household_id": pl.Int64,
    "village_code": pl.String,
    "health": pl.String,
    "disability_grade": pl.Int64,
}

_EXEMPT_VEHICLES = r"摩托|三轮|拖拉机|农用|电动自行车|(?i:motorcycle|tricycle|tractor|farm)"


@dataclass
class MatchResult:
    findings: pl.DataFrame  # household_id, member_id, village_code, rule, key, summary, details…
    unmatched: pl.DataFrame  # department rows of people not in the registry (subsistence)
    matches: int
    detail_columns: list[str]


def _text(e: pl.Expr) -> pl.Expr:
    return e.cast(pl.String).fill_null("")


def _rules(kind: str, m: pl.LazyFrame, medical_threshold: float) -> pl.LazyFrame:
    """The matched rows that are findings, with rule, key and summary."""
    c = pl.col
    if kind == DatasetKind.VEHICLES:
        m = m.filter(~c("vehicle_type").str.contains(_EXEMPT_VEHICLES))
        return m.with_columns(
            rule=pl.lit(Rule.EXCL_VEHICLE.value),
            key=c("plate"),
            summary=pl.concat_str(
                [_text(c("plate")), _text(c("vehicle_type")), _text(c("registered_on"))],
                separator=" ",
            ),
        )
    if kind == DatasetKind.REAL_ESTATE:
        return m.filter(c("in_town")).with_columns(
            rule=pl.lit(Rule.EXCL_TOWN_HOUSING.value),
            key=c("address"),
            summary=pl.concat_str(
                [_text(c("address")), _text(c("area_m2").round(2)) + pl.lit(" m²")],
                separator=", ",
            ),
        )
    if kind == DatasetKind.BUSINESS:
        return m.with_columns(
            rule=pl.lit(Rule.EXCL_BUSINESS.value),
            key=c("credit_code"),
            summary=pl.concat_str(
                [_text(c("company")), _text(c("credit_code")), _text(c("role"))], separator=", "
            ),
        )
    if kind == DatasetKind.PUBLIC_EMPLOYEES:
        return m.with_columns(
            rule=pl.lit(Rule.EXCL_PUBLIC_EMPLOYEE.value),
            key=c("unit"),
            summary=pl.concat_str([_text(c("unit")), _text(c("post"))], separator=", "),
        )
    if kind == DatasetKind.DEATHS:
        return m.with_columns(
            rule=pl.lit(Rule.DEATH_ACTIVE.value),
            key=_text(c("died_on")),
            summary=_text(c("died_on")),
        )
    if kind == DatasetKind.MEDICAL_SPENDING:
        return m.filter(c("out_of_pocket") >= medical_threshold).with_columns(
            rule=pl.lit(Rule.MEDICAL_HIGH.value),
            key=_text(c("year")),
            summary=pl.concat_str(
                [
                    _text(c("year")) + pl.lit(":"),
                    _text(c("total").round(2)),
                    pl.lit("/"),
                    _text(c("out_of_pocket").round(2)),
                ],
                separator=" ",
            ),
        )
    if kind == DatasetKind.DISABILITY:
        reflected = (c("health") == "disabled") & (
            c("disability_grade").cast(pl.Int64) == c("grade").cast(pl.Int64)
        )
        return m.filter(~reflected.fill_null(False)).with_columns(
            rule=pl.lit(Rule.DISABILITY_NEW.value),
            key=c("certificate"),
            summary=pl.concat_str(
                [
                    _text(c("certificate")),
                    _text(c("category")),
                    _text(c("grade")),
                    _text(c("issued_on")),
                ],
                separator=", ",
            ),
        )
    # Subsistence rolls: a matched person is as expected; the unmatched are the finding.
    return m.filter(pl.lit(False)).with_columns(
        rule=pl.lit(Rule.SUBSISTENCE_UNREGISTERED.value), key=pl.lit(""), summary=pl.lit("")
    )


def match(
    kind: str,
    dept: pl.DataFrame,
    registry: pl.DataFrame,
    *,
    area_prefix: str = "",
    medical_threshold: float = DEFAULT_MEDICAL_THRESHOLD,
) -> MatchResult:
    """Join validated department rows to active members and apply the kind's rules.

    `registry` holds active members (REGISTRY_SCHEMA); only members in `area_prefix` give
    findings. People on a subsistence roll are unmatched when their ID number is nowhere in
    `registry`, and reported when the row's division code (if any) lies in the area.
    """
    detail_columns = [c.name for c in columns_of(kind) if c.name in dept.columns]
    reg = registry.lazy().select(
        id_key(pl.col("id_number")).alias(KEY),
        "member_id",
        "household_id",
        "village_code",
        "health",
        pl.col("disability_grade").cast(pl.Int64),
    )
    dept_lf = dept.lazy()
    if kind == DatasetKind.SUBSISTENCE_ROLLS:
        absent = dept_lf.join(reg, on=KEY, how="anti")
        if area_prefix:
            ac = pl.col("area_code")
            absent = absent.filter(ac.is_null() | ac.str.starts_with(area_prefix))
        absent = absent.unique(subset=[KEY], keep="first", maintain_order=True)
        unmatched = absent.with_columns(
            rule=pl.lit(Rule.SUBSISTENCE_UNREGISTERED.value),
            summary=pl.concat_str(
                [_text(pl.col("roll_type")), _text(pl.col("started_on"))], separator=" "
            ),
        ).collect()
    else:
        unmatched = pl.DataFrame()
    if area_prefix:
        reg = reg.filter(pl.col("village_code").str.starts_with(area_prefix))
    matched = dept_lf.join(reg, on=KEY, how="inner")
    if kind == DatasetKind.SUBSISTENCE_ROLLS:
        matches = matched.select(pl.len()).collect().item()
        findings = pl.DataFrame()
    else:
        matched = matched.collect().lazy()
        matches = matched.select(pl.len()).collect().item()
        findings = (
            _rules(kind, matched, medical_threshold)
            .with_columns(pl.col("key").cast(pl.String).fill_null("").str.slice(0, 200))
            .unique(
                subset=["household_id", "member_id", "rule", "key"],
                keep="first",
                maintain_order=True,
            )
            .sort(ROW)
            .collect()
        )
    return MatchResult(
        findings=findings, unmatched=unmatched, matches=matches, detail_columns=detail_columns
    )


def compare_file(
    kind: str,
    path: str | Path,
    registry: pl.DataFrame,
    *,
    area_prefix: str = "",
    medical_threshold: float = DEFAULT_MEDICAL_THRESHOLD,
    today: dt.date | None = None,
) -> tuple[Prepared, MatchResult]:
    """Read, validate and match one department file: the whole columnar part of a run."""
    prepared = prepare(kind, read_table(path), today=today)
    result = match(
        kind,
        prepared.good,
        registry,
        area_prefix=area_prefix,
        medical_threshold=medical_threshold,
    )
    return prepared, result


def details_of(frame: pl.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """The department row's fields, as JSON-ready text, per row of `frame`."""
    cols = [c for c in [ROW, *columns] if c in frame.columns and c != KEY]
    return frame.select([_text(pl.col(c)).alias(c) for c in cols]).to_dicts()
