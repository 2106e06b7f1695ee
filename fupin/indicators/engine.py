"""The indicator engine: every figure of `definitions.DEFINITIONS` for every node of the
division tree, from the frames (`indicators.frames`), with Polars.

One pass per frame builds the counts of each village; a node above a village gets the sum
of its villages' counts (grouping by the first 2, 4, 6 or 9 digits of the village code);
rates are then computed from the summed counts. Every level is the same computation, so
the levels add up by construction.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import polars as pl

from fupin.assistance.choices import MeasureKind
from fupin.indicators.definitions import (
    AGE_GROUPS,
    COUNT_CODES,
    DEFINITIONS,
    MONEY_CODES,
    PERCENT,
    RATE_CODES,
)
from fupin.indicators.frames import (
    EDUCATION_COLUMNS,
    EMPLOYMENT_COLUMNS,
    HEALTH_COLUMNS,
    INDUSTRY_COLUMNS,
    MICROCREDIT_COLUMNS,
    RELOCATION_COLUMNS,
    TRAINING_COLUMNS,
    VILLAGE_EXIT_COLUMNS,
    Frames,
)
from fupin.industry.rules import MODE_COLUMNS
from fupin.monitoring.models import RiskLevel
from fupin.quality.selectors import score as quality_score
from fupin.registry.choices import (
    Health,
    HouseholdCategory,
    HouseholdStatus,
    LabourCapacity,
    MonitoringType,
    PovertyCause,
)

S = HouseholdStatus
QUALITY = ("quality_households", "quality_with_error", "quality_with_warning")
# Counts from household columns a snapshot written before they existed lacks.
VISIT_DUE = ("visit_due_households", "visit_compliant_households")
VISIT_DUE_COLUMNS = ("visit_due", "visit_on_time")
MICROCREDIT = (
    "microcredit_households",
    "microcredit_balance",
    "microcredit_eligible_households",
    "microcredit_ever_households",
    "microcredit_overdue_balance",
)
EMPLOYMENT = ("public_post_holders", "labourers", "employed_labourers")
RELOCATION = (
    "relocated_households",
    "relocated_people",
    "relocated_labourers",
    "relocated_employed_labourers",
)

# Counts that are the sum of one household column per village: code → (column, in fen).
# Money is summed in fen (whole numbers, so sums are exact; `rollup` gives yuan).
TRAINING = {
    "trained_labourers": ("tr_trained", False),
    "certified_labourers": ("tr_certified", False),
    "training_completions": ("tr_completions", False),
}
INDUSTRY = {
    "households_benefit_linked": ("il_linked", False),
    **{f"benefit_linked_{mode}": (column, False) for mode, column in MODE_COLUMNS.items()},
    "dividend_households": ("il_dividend", False),
    "dividends_paid": ("il_dividends", True),
}
EDUCATION = {
    "students_aided": ("edu_students", False),
    "rainbow_plan_students": ("edu_rainbow", False),
    "dropouts_open": ("edu_dropouts", False),
    "education_aid_amount": ("edu_amount", True),
}
# Health: the registered people insured are counted apart (`_insured_counts`: only the
# households registered on the date), the costs are plain sums.
HEALTH = {
    "medical_cost": ("med_cost", True),
    "medical_out_of_pocket": ("med_out_of_pocket", True),
}
INSURED = "medical_insured_people"
COLUMN_COUNTS = {**TRAINING, **INDUSTRY, **EDUCATION, **HEALTH}
# The household columns each group of those counts needs (a snapshot written before
# them lacks them: "no data").
COLUMN_GROUPS: tuple[tuple[Collection[str], tuple[str, ...]], ...] = (
    (TRAINING, TRAINING_COLUMNS),
    (INDUSTRY, INDUSTRY_COLUMNS),
    (EMPLOYMENT, EMPLOYMENT_COLUMNS),
    (RELOCATION, (*EMPLOYMENT_COLUMNS, *RELOCATION_COLUMNS)),
    (EDUCATION, EDUCATION_COLUMNS),
    ((*HEALTH, INSURED), HEALTH_COLUMNS),
)


# Poor villages and counties (贫困村, 贫困县): from the village profiles and the county
# profiles as of the date; a county's count belongs to the county and the levels above it.
VILLAGE_EXITS = ("poor_villages", "poor_villages_exited")
COUNTY_EXITS = ("poor_counties", "poor_counties_exited")
COUNTY_LENGTH = 6


def missing_counts(frames: Frames) -> set[str]:
    """The count codes the frames cannot give (None, "no data", rather than 0)."""
    out = set() if frames.has_quality else set(QUALITY)
    if not all(c in frames.villages.columns for c in VILLAGE_EXIT_COLUMNS):
        out |= set(VILLAGE_EXITS)
    if frames.counties is None:
        out |= set(COUNTY_EXITS)
    if not all(c in frames.households.columns for c in VISIT_DUE_COLUMNS):
        out |= set(VISIT_DUE)
    if not all(c in frames.households.columns for c in MICROCREDIT_COLUMNS):
        out |= set(MICROCREDIT)
    for codes, columns in COLUMN_GROUPS:
        if not all(c in frames.households.columns for c in columns):
            out |= set(codes)
    return out


def in_poverty(status: pl.Expr) -> pl.Expr:
    """未脱贫: in poverty or returned to poverty."""
    return status.is_in([S.POOR.value, S.RETURNED.value]).fill_null(False)


def exited(status: pl.Expr, monitoring_type: pl.Expr) -> pl.Expr:
    """已脱贫: exited, or an exited household under monitoring as unstable."""
    return (
        (status == S.EXITED.value)
        | (
            (status == S.MONITORED.value)
            & (monitoring_type == MonitoringType.UNSTABLE_EXITED.value)
        )
    ).fill_null(False)


def registered(status: pl.Expr, monitoring_type: pl.Expr) -> pl.Expr:
    """建档立卡: in poverty or exited (removed households are not)."""
    return in_poverty(status) | exited(status, monitoring_type)


def _village_index(frames: Frames) -> list[str]:
    """The village codes counts are kept for: the villages of the area, plus any code
    households carry that the tree lacks (they still count, under their own code)."""
    codes = set(frames.villages["village_code"].cast(pl.String).to_list())
    key = frames.households["village_code"]
    if isinstance(key.dtype, pl.Enum):
        codes |= set(key.dtype.categories.to_list())
    else:
        codes |= set(key.unique().to_list())
    return sorted(codes)


def _codes(series: pl.Series, categories: list[str]) -> np.ndarray:
    """A coded column as small integers (index into `categories`); a value outside them
    (or null) gets len(categories). Enums (snapshots) are translated through a lookup
    table on their physical codes, without touching the strings."""
    n = len(categories)
    if isinstance(series.dtype, pl.Enum):
        position = {c: i for i, c in enumerate(categories)}
        lut = np.array(
            [position.get(c, n) for c in series.dtype.categories.to_list()] + [n], dtype=np.int64
        )
        physical = series.to_physical().fill_null(len(lut) - 1).to_numpy().astype(np.int64)
        return lut[physical]
    codes = series.cast(pl.String).cast(pl.Enum(categories), strict=False).to_physical()
    return codes.cast(pl.Int64).fill_null(n).to_numpy()


# The columns a household's status counts depend on (few distinct combinations).
STATUS_COLUMNS = (
    "status",
    "monitoring_type",
    "status_start",
    "monitoring_type_start",
    "risk_level",
    "paired",
    "visited",
    "visit_due",
    "visit_on_time",
    "assist_due",
)
BOOLEAN_COLUMNS = ("paired", "visited", "visit_due", "visit_on_time", "assist_due")


def assist_due_before_transition(hh: pl.DataFrame) -> pl.Expr:
    """A snapshot written before the `assist_due` column (`assistance.due`) was locked
    under the rule of its day: registered poor households (in poverty or exited, whatever
    the exit date) and active monitoring objects. Its figures stay those it was created
    with."""
    return (
        registered(pl.col("status"), pl.col("monitoring_type")) | pl.col("risk_level").is_not_null()
    )


def _status_flags() -> dict[str, pl.Expr]:
    """Every 0/1 household count, as an expression over the STATUS_COLUMNS."""
    st, mt = pl.col("status"), pl.col("monitoring_type")
    st0, mt0 = pl.col("status_start"), pl.col("monitoring_type_start")
    # Households to be assisted: the assistance app's rule, evaluated per household by
    # the frames (`assistance.due.due_expr`; the transition period after exit).
    target = pl.col("assist_due")
    flags = {
        "registered": registered(st, mt),
        "poor": in_poverty(st),
        "exited": exited(st, mt),
        "returned": (st == S.RETURNED.value).fill_null(False),
        "removed": (st == S.REMOVED.value).fill_null(False),
        "flow_newly_included": ~registered(st0, mt0) & registered(st, mt),
        "flow_exited": in_poverty(st0) & exited(st, mt),
        "flow_returned": (st0 != S.RETURNED.value).fill_null(True) & (st == S.RETURNED.value),
        "flow_removed": (st0 != S.REMOVED.value).fill_null(True) & (st == S.REMOVED.value),
        "assist_target": target,
        "paired": target & pl.col("paired"),
        "visited": target & pl.col("visited"),
        "visit_due": target & pl.col("visit_due"),
        "visit_compliant": target & pl.col("visit_due") & pl.col("visit_on_time"),
        "monitoring_objects": pl.col("risk_level").is_not_null(),
        **{f"risk_{k}": (pl.col("risk_level") == k).fill_null(False) for k in RiskLevel.values},
    }
    return {k: v.fill_null(False) for k, v in flags.items()}


# Flag → (households count code, people count code or None).
FLAG_CODES = {
    "registered": ("registered_households", "registered_people"),
    "poor": ("poor_households", "poor_people"),
    "exited": ("exited_households", "exited_people"),
    "returned": ("returned_households", "returned_people"),
    "removed": ("removed_households", "removed_people"),
    "flow_newly_included": ("flow_newly_included_households", "flow_newly_included_people"),
    "flow_exited": ("flow_exited_households", "flow_exited_people"),
    "flow_returned": ("flow_returned_households", "flow_returned_people"),
    "flow_removed": ("flow_removed_households", "flow_removed_people"),
    "assist_target": ("assist_target_households", None),
    "paired": ("paired_households", None),
    "visited": ("visited_households", None),
    "visit_due": ("visit_due_households", None),
    "visit_compliant": ("visit_compliant_households", None),
    "monitoring_objects": ("monitoring_objects", None),
    **{f"risk_{k}": (f"risk_{k}", None) for k in RiskLevel.values},
}


def _household_counts(hh: pl.DataFrame, villages: list[str]) -> dict[str, np.ndarray]:
    """Per village: households and people by status, the flows, pairing, visits and
    monitoring, members added/removed and measures.

    A household's status counts depend only on a few coded columns, so the rules
    (`_status_flags`, Polars expressions) are evaluated once per distinct combination of
    them; two bincounts give, per village and combination, the households and their
    people; a matrix product with the combinations' 0/1 flags gives every count."""
    size = len(villages)
    # A snapshot written before the visit-due columns: counted as 0 here, reported as
    # missing by `rollup` (see `missing_counts`).
    hh = hh.with_columns(
        pl.lit(None, pl.Boolean).alias(c) for c in VISIT_DUE_COLUMNS if c not in hh.columns
    )
    if "assist_due" not in hh.columns:
        hh = hh.with_columns(assist_due_before_transition(hh).fill_null(False).alias("assist_due"))
    v = _codes(hh["village_code"], villages)
    key = np.zeros(hh.height, dtype=np.int64)
    radix: list[tuple[str, list]] = []
    for column in STATUS_COLUMNS:
        series = hh[column]
        if series.dtype == pl.Boolean:
            values: list = [False, True]
            codes = series.fill_null(False).cast(pl.Int64).to_numpy()
        else:
            values = (
                series.dtype.categories.to_list()
                if isinstance(series.dtype, pl.Enum)
                else sorted({x for x in series.unique().to_list() if x is not None})
            )
            codes = _codes(series, values)
        key = key * (len(values) + 1) + codes
        radix.append((column, values))
    # The combinations present, numbered densely (no sort: a bincount over the key).
    present = np.flatnonzero(np.bincount(key))
    dense = np.zeros(int(key.max()) + 1 if len(key) else 1, dtype=np.int64)
    dense[present] = np.arange(len(present))
    inverse = dense[key]
    combos = present
    # Each combination's values, decoded from the mixed-radix key (the last code of a
    # column, len(values), stands for null).
    decoded: dict[str, list] = {}
    rest = present.copy()
    for column, values in reversed(radix):
        base = len(values) + 1
        digits = rest % base
        rest //= base
        decoded[column] = [values[d] if d < len(values) else None for d in digits.tolist()]
    sample = pl.DataFrame(
        {c: decoded[c] for c in STATUS_COLUMNS},
        schema={c: pl.Boolean if c in BOOLEAN_COLUMNS else pl.String for c in STATUS_COLUMNS},
    )
    flags = sample.select(**{k: e.cast(pl.Int64) for k, e in _status_flags().items()})
    flag_matrix = flags.to_numpy().astype(np.float64)  # combinations × flags
    cell = v * len(combos) + inverse
    cells = (size + 1) * len(combos)
    households = np.bincount(cell, minlength=cells).reshape(size + 1, len(combos))[:size]
    people_w = hh["people"].cast(pl.Float64).to_numpy()
    people = np.bincount(cell, weights=people_w, minlength=cells)
    people = people.reshape(size + 1, len(combos))[:size]
    by_hh = np.rint(households @ flag_matrix).astype(np.int64)
    by_people = np.rint(people @ flag_matrix).astype(np.int64)
    out: dict[str, np.ndarray] = {}
    for i, name in enumerate(flags.columns):
        hh_code, people_code = FLAG_CODES[name]
        out[hh_code] = by_hh[:, i]
        if people_code:
            out[people_code] = by_people[:, i]
    for column, code in [
        ("members_added", "flow_members_added"),
        ("members_removed", "flow_members_removed"),
        *[(f"measure_{k}", f"measure_{k}") for k in MeasureKind.values],
    ]:
        weights = hh[column].cast(pl.Float64).fill_null(0).to_numpy()
        out[code] = np.rint(np.bincount(v, weights=weights, minlength=size + 1)[:size]).astype(
            np.int64
        )
    out.update(_microcredit_counts(hh, v, size))
    out.update(_column_counts(hh, v, size))
    out.update(_programme_counts(hh, v, size))
    out.update(_insured_counts(hh, v, size))
    return out


def _insured_counts(hh: pl.DataFrame, v: np.ndarray, size: int) -> dict[str, np.ndarray]:
    """Per village, the registered people insured by basic medical insurance on the date:
    the household column `med_insured` of the households registered then (zeros for a
    snapshot without it, reported missing by `rollup`)."""
    if "med_insured" not in hh.columns:
        return {INSURED: np.zeros(size, dtype=np.int64)}
    reg = hh.select(registered(pl.col("status"), pl.col("monitoring_type"))).to_series()
    weights = hh["med_insured"].cast(pl.Float64).fill_null(0).to_numpy()
    weights = weights * reg.fill_null(False).to_numpy()
    counts = np.bincount(v, weights=weights, minlength=size + 1)[:size]
    return {INSURED: np.rint(counts).astype(np.int64)}


def _column_counts(hh: pl.DataFrame, v: np.ndarray, size: int) -> dict[str, np.ndarray]:
    """Per village, each of COLUMN_COUNTS: the sum of its household column (a boolean
    counts the households where it is true; money in fen). Zeros for a column a snapshot
    lacks (reported missing by `rollup`, see `missing_counts`)."""
    out = {}
    for code, (column, fen) in COLUMN_COUNTS.items():
        if column not in hh.columns:
            out[code] = np.zeros(size, dtype=np.int64)
            continue
        weights = hh[column].cast(pl.Float64).fill_null(0.0).to_numpy()
        if fen:
            weights = np.rint(weights * 100)
        counts = np.bincount(v, weights=weights, minlength=size + 1)[:size]
        out[code] = np.rint(counts).astype(np.int64)
    return out


def _programme_counts(hh: pl.DataFrame, v: np.ndarray, size: int) -> dict[str, np.ndarray]:
    """Per village: post holders (any household), the labourers of registered households
    and those in work (`employment.rules`, per household in the frames), the households
    relocated by the date, their people, labourers and labourers in work. Zeros for a
    snapshot without the columns (reported missing by `rollup`)."""
    zeros = {code: np.zeros(size, dtype=np.int64) for code in (*EMPLOYMENT, *RELOCATION)}
    if not all(c in hh.columns for c in EMPLOYMENT_COLUMNS):
        return zeros
    reg = hh.select(registered(pl.col("status"), pl.col("monitoring_type"))).to_series().to_numpy()
    holders = hh["emp_post_holders"].fill_null(0).to_numpy().astype(np.float64)
    labourers = hh["emp_labourers"].fill_null(0).to_numpy().astype(np.float64)
    employed = hh["emp_employed"].fill_null(0).to_numpy().astype(np.float64)
    weights = {
        "public_post_holders": holders,
        "labourers": labourers * reg,
        "employed_labourers": employed * reg,
    }
    if all(c in hh.columns for c in RELOCATION_COLUMNS):
        moved = hh["rel_moved"].fill_null(False).to_numpy()
        weights.update(
            {
                "relocated_households": moved.astype(np.float64),
                "relocated_people": hh["rel_people"].fill_null(0).to_numpy().astype(np.float64),
                "relocated_labourers": labourers * moved,
                "relocated_employed_labourers": employed * moved,
            }
        )
    out = dict(zeros)
    out.update(
        {
            code: np.rint(np.bincount(v, weights=w, minlength=size + 1)[:size]).astype(np.int64)
            for code, w in weights.items()
        }
    )
    return out


def _microcredit_counts(hh: pl.DataFrame, v: np.ndarray, size: int) -> dict[str, np.ndarray]:
    """Per village: households with a balance, eligible households, those of them that
    have borrowed, and the balances in fen (whole numbers, so sums are exact; `rollup`
    gives yuan). Zeros for a snapshot without the columns (reported missing by
    `rollup`, see `missing_counts`)."""
    if not all(c in hh.columns for c in MICROCREDIT_COLUMNS):
        return {code: np.zeros(size, dtype=np.int64) for code in MICROCREDIT}
    balance = hh["mc_balance"].fill_null(0.0).to_numpy()
    overdue = hh["mc_overdue_balance"].fill_null(0.0).to_numpy()
    eligible = hh["mc_eligible"].fill_null(False).to_numpy()
    ever = hh["mc_ever"].fill_null(False).to_numpy()
    weights = {
        "microcredit_households": (balance > 0).astype(np.float64),
        "microcredit_balance": np.rint(balance * 100),
        "microcredit_eligible_households": eligible.astype(np.float64),
        "microcredit_ever_households": (eligible & ever).astype(np.float64),
        "microcredit_overdue_balance": np.rint(overdue * 100),
    }
    return {
        code: np.rint(np.bincount(v, weights=w, minlength=size + 1)[:size]).astype(np.int64)
        for code, w in weights.items()
    }


def _margins(
    key_frame: dict[str, np.ndarray],
    dims: list[tuple[str, str, list[str]]],
    villages: list[str],
    weight=None,
) -> dict[str, np.ndarray]:
    """Counts per village and value of each dimension, from one bincount over the
    combined key (village, dim 1, dim 2, …): a small cube whose margins are the
    breakdowns."""
    sizes = [len(values) + 1 for _c, _p, values in dims]  # + 1: unknown value
    key = np.asarray(key_frame["_v"], dtype=np.int64)
    for (column, _p, _values), n in zip(dims, sizes, strict=True):
        key = key * n + np.asarray(key_frame[column], dtype=np.int64)
    total = len(villages) + 1
    cube = np.bincount(key, weights=weight, minlength=total * int(np.prod(sizes)))
    cube = np.rint(cube).astype(np.int64).reshape([total, *sizes])[: len(villages)]
    out = {}
    for axis, (_column, prefix, values) in enumerate(dims, start=1):
        other = tuple(a for a in range(1, len(dims) + 1) if a != axis)
        margin = cube.sum(axis=other) if other else cube
        for i, value in enumerate(values):
            out[f"{prefix}_{value}"] = margin[:, i]
    return out


AGE_KEYS = [k for k, *_ in AGE_GROUPS]


def _people_counts(
    people: pl.DataFrame, hh: pl.DataFrame, villages: list[str]
) -> dict[str, np.ndarray]:
    """Registered poor people by category and main cause (household attributes: summed
    over households, weighted by their people) and by health, labour capacity and age
    group (one cube over the people)."""
    age = pl.lit(len(AGE_GROUPS), pl.Int64)
    for i, (_key, lo, hi, _label) in reversed(list(enumerate(AGE_GROUPS))):
        age = pl.when(pl.col("age").is_between(lo, hi)).then(pl.lit(i, pl.Int64)).otherwise(age)
    reg = people.filter(registered(pl.col("status"), pl.col("monitoring_type")))
    person_dims = [
        ("health", "health", Health.values),
        ("labour", "labour", LabourCapacity.values),
    ]
    p = {
        "_v": _codes(reg["village_code"], villages),
        **{c: _codes(reg[c], values) for c, _p, values in person_dims},
        "age": reg.select(age).to_series().to_numpy(),
    }
    out = _margins(p, [*person_dims, ("age", "age", AGE_KEYS)], villages)
    rh = hh.filter(registered(pl.col("status"), pl.col("monitoring_type")))
    house_dims = [
        ("category", "category", HouseholdCategory.values),
        ("main_cause", "cause", PovertyCause.values),
    ]
    h = {
        "_v": _codes(rh["village_code"], villages),
        **{c: _codes(rh[c], values) for c, _p, values in house_dims},
    }
    weight = rh["people"].cast(pl.Float64).to_numpy()
    out.update(_margins(h, house_dims, villages, weight=weight))
    return out


def village_counts(frames: Frames) -> pl.DataFrame:
    """One row per village (every village of the area and any code households carry,
    zeros where nothing) with every summable count."""
    villages = _village_index(frames)
    data: dict[str, list[str] | np.ndarray] = {"village_code": villages}
    data.update(_household_counts(frames.households, villages))
    data.update(_people_counts(frames.people, frames.households, villages))
    out = pl.DataFrame(data)
    base = _plain_key(frames.villages)
    if all(c in base.columns for c in VILLAGE_EXIT_COLUMNS):
        base = base.with_columns(
            **village_exit_flags(
                pl.col("poor_village"), pl.col("village_exit_year"), frames.as_of.year
            )
        )
    out = out.join(base, on="village_code", how="left").with_columns(
        pl.col("rural_population").fill_null(0), pl.col("rural_households").fill_null(0)
    )
    # Counts the village rows cannot give (the county counts, added by `compute`; the
    # village exits of a snapshot written before them: None through `missing_counts`).
    out = out.with_columns(
        pl.lit(0, pl.Int64).alias(c) for c in COUNT_CODES if c not in out.columns
    )
    return out.with_columns(
        pl.col(c).fill_null(0).cast(pl.Int64) for c in COUNT_CODES if c not in QUALITY
    ).select(["village_code", *COUNT_CODES])


def village_exit_flags(poor: pl.Expr, exit_year: pl.Expr, year: int) -> dict[str, pl.Expr]:
    """A poor village (county) not exited on the date: poor, with no year of exit or one
    after the date's year; exited in the date's year: poor, exit year that year. The
    same rule for villages and counties (`poor` and `exit_year` as of the date)."""
    poor = poor.fill_null(False)
    return {
        "poor_villages": (poor & (exit_year.is_null() | (exit_year > year))).cast(pl.Int64),
        "poor_villages_exited": (poor & (exit_year == year)).fill_null(False).cast(pl.Int64),
    }


def county_counts(frames: Frames, length: int) -> pl.DataFrame | None:
    """The county counts summed by the first `length` digits (a county or above), or None
    when the frames have no counties."""
    if frames.counties is None:
        return None
    flags = village_exit_flags(pl.col("poor_county"), pl.col("county_exit_year"), frames.as_of.year)
    return (
        frames.counties.with_columns(
            poor_counties=flags["poor_villages"], poor_counties_exited=flags["poor_villages_exited"]
        )
        .group_by(pl.col("county_code").cast(pl.String).str.slice(0, length).alias("area"))
        .agg(pl.col("poor_counties").sum(), pl.col("poor_counties_exited").sum())
    )


def _plain_key(frame: pl.DataFrame) -> pl.DataFrame:
    """Village codes as text (a snapshot stores them as an Enum)."""
    return frame.with_columns(pl.col("village_code").cast(pl.String))


def _rate_expr(code: str) -> pl.Expr:
    d = DEFINITIONS[code]
    num, den = pl.col(d.numerator), pl.col(d.denominator)
    scale = 100 if d.unit == PERCENT else 1
    return pl.when(den > 0).then((num / den * scale).round(2)).otherwise(None).alias(code)


def rollup(
    counts: pl.DataFrame, length: int, has_quality: bool, missing: set[str] | None = None
) -> pl.DataFrame:
    """Sum the village counts by the first `length` digits of the code and add the
    rates (from the summed counts). Column "area" holds the significant prefix.
    `missing`: count codes the frames cannot give (None), besides the quality counts
    when `has_quality` is false."""
    missing = set(missing or ()) | (set() if has_quality else set(QUALITY))
    key = pl.col("village_code").str.slice(0, length).alias("area")
    aggs = [
        (
            pl.lit(None, pl.Int64).first()
            if c in missing
            # Money is counted in fen (see _microcredit_counts, _column_counts), shown in yuan.
            else (pl.col(c).sum() / 100).round(2)
            if c in MONEY_CODES
            else pl.col(c).sum()
        ).alias(c)
        for c in COUNT_CODES
    ]
    table = counts.group_by(key).agg(aggs)
    rates = [_rate_expr(c) for c in RATE_CODES if c != "quality_score"]
    rates.append(pl.lit(None, pl.Float64).alias("quality_score"))  # see _quality_score
    return table.with_columns(rates).sort("area")


def _quality_score(row: dict) -> float | None:
    """The quality app's own formula (`quality.selectors.score`) on the summed counts."""
    if row["quality_households"] is None:
        return None
    return quality_score(
        row["quality_households"], row["quality_with_error"], row["quality_with_warning"]
    )


def with_rates(row: dict) -> dict:
    """A node's values in definition order, rates computed from its counts (for rows
    not produced by `rollup`, e.g. an area without any village data)."""
    values = {code: row.get(code) for code in COUNT_CODES}
    for code in RATE_CODES:
        d = DEFINITIONS[code]
        num, den = values.get(d.numerator), values.get(d.denominator)
        if code == "quality_score":
            values[code] = _quality_score(values)
        elif den:
            values[code] = round(num / den * (100 if d.unit == PERCENT else 1), 2)
        else:
            values[code] = None
    return {code: values[code] for code in DEFINITIONS}


def compute(frames: Frames, lengths: list[int]) -> dict[int, dict[str, dict]]:
    """{prefix length: {area prefix: {figure code: value}}} for each requested length."""
    counts = village_counts(frames)
    out: dict[int, dict[str, dict]] = {}
    for length in lengths:
        table = rollup(counts, length, frames.has_quality, missing_counts(frames))
        by_county = county_counts(frames, length) if length <= COUNTY_LENGTH else None
        if by_county is not None:
            table = (
                table.drop(*COUNTY_EXITS)
                .join(by_county, on="area", how="left")
                .with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in COUNTY_EXITS)
            )
        else:  # below a county (or no counties in the frames): not applicable
            table = table.with_columns(pl.lit(None, pl.Int64).alias(c) for c in COUNTY_EXITS)
        order = ["area", *DEFINITIONS]
        rows = table.select(order).to_dicts()
        nodes = {}
        for r in rows:
            area = r.pop("area")
            r["quality_score"] = _quality_score(r)
            nodes[area] = r
        out[length] = nodes
    return out
