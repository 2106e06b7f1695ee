"""The indicator engine: every figure of `definitions.DEFINITIONS` for every node of the
division tree, from the frames (`indicators.frames`), with Polars.

One pass per frame builds the counts of each village; a node above a village gets the sum
of its villages' counts (grouping by the first 2, 4, 6 or 9 digits of the village code);
rates are then computed from the summed counts. Every level is the same computation, so
the levels add up by construction.
"""

from __future__ import annotations

import polars as pl

from fupin.assistance.choices import MeasureKind
from fupin.indicators.definitions import (
    AGE_GROUPS,
    COUNT_CODES,
    DEFINITIONS,
    PERCENT,
    RATE_CODES,
)
from fupin.indicators.frames import Frames
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


def _household_counts(hh: pl.DataFrame) -> pl.DataFrame:
    st, mt = pl.col("status"), pl.col("monitoring_type")
    st0, mt0 = pl.col("status_start"), pl.col("monitoring_type_start")
    people = pl.col("people")
    flags = {
        "registered": registered(st, mt),
        "poor": in_poverty(st),
        "exited": exited(st, mt),
        "returned": (st == S.RETURNED.value).fill_null(False),
        "removed": (st == S.REMOVED.value).fill_null(False),
    }
    flows = {
        "newly_included": ~registered(st0, mt0) & registered(st, mt),
        "exited": in_poverty(st0) & exited(st, mt),
        "returned": (st0 != S.RETURNED.value).fill_null(True) & (st == S.RETURNED.value),
        "removed": (st0 != S.REMOVED.value).fill_null(True) & (st == S.REMOVED.value),
    }
    target = registered(st, mt) | pl.col("risk_level").is_not_null()
    aggs = []
    for name, flag in flags.items():
        aggs.append(flag.sum().alias(f"{name}_households"))
        aggs.append(people.filter(flag).sum().alias(f"{name}_people"))
    for name, flag in flows.items():
        flag = flag.fill_null(False)
        aggs.append(flag.sum().alias(f"flow_{name}_households"))
        aggs.append(people.filter(flag).sum().alias(f"flow_{name}_people"))
    aggs += [
        pl.col("members_added").sum().alias("flow_members_added"),
        pl.col("members_removed").sum().alias("flow_members_removed"),
        *[pl.col(f"measure_{k}").sum().alias(f"measure_{k}") for k in MeasureKind.values],
        target.sum().alias("assist_target_households"),
        (target & pl.col("paired")).sum().alias("paired_households"),
        (target & pl.col("visited")).sum().alias("visited_households"),
        pl.col("risk_level").is_not_null().sum().alias("monitoring_objects"),
        *[
            (pl.col("risk_level") == k).fill_null(False).sum().alias(f"risk_{k}")
            for k in RiskLevel.values
        ],
    ]
    return _plain_key(hh.group_by("village_code").agg(aggs))


def _plain_key(frame: pl.DataFrame) -> pl.DataFrame:
    """Village codes as text after grouping (a snapshot stores them as an Enum)."""
    return frame.with_columns(pl.col("village_code").cast(pl.String))


def _wide(frame: pl.DataFrame, column: str, prefix: str, values: list[str]) -> pl.DataFrame:
    counts = (
        frame.group_by("village_code", column).len().with_columns(pl.col(column).cast(pl.String))
    )
    out = _plain_key(counts.pivot(on=column, index="village_code", values="len"))
    out = out.rename({c: f"{prefix}_{c}" for c in out.columns if c != "village_code"})
    keep = [f"{prefix}_{v}" for v in values]
    return out.select(
        "village_code",
        *[pl.col(c) if c in out.columns else pl.lit(0).alias(c) for c in keep],
    )


def _people_counts(people: pl.DataFrame) -> list[pl.DataFrame]:
    reg = people.filter(registered(pl.col("status"), pl.col("monitoring_type")))
    age_expr = pl.lit(None, pl.String)
    for key, lo, hi, _label in reversed(AGE_GROUPS):
        age_expr = pl.when(pl.col("age").is_between(lo, hi)).then(pl.lit(key)).otherwise(age_expr)
    reg = reg.select(
        "village_code", "category", "main_cause", "health", "labour", age_expr.alias("age_group")
    )
    return [
        _wide(reg, "category", "category", HouseholdCategory.values),
        _wide(reg, "main_cause", "cause", PovertyCause.values),
        _wide(reg, "health", "health", Health.values),
        _wide(reg, "labour", "labour", LabourCapacity.values),
        _wide(reg, "age_group", "age", [k for k, *_ in AGE_GROUPS]),
    ]


def village_counts(frames: Frames) -> pl.DataFrame:
    """One row per village (every village of the area, zeros where nothing) with every
    summable count."""
    base = _plain_key(frames.villages)
    parts = [_household_counts(frames.households), *_people_counts(frames.people)]
    out = base
    for part in parts:
        out = out.join(part, on="village_code", how="left")
    # Households or people in a village code missing from the tree still count.
    extra = pl.concat([p.select("village_code") for p in parts]).unique()
    missing = extra.join(base.select("village_code"), on="village_code", how="anti")
    if not missing.is_empty():
        filler = missing.join(
            pl.concat(parts, how="diagonal").group_by("village_code").sum(), on="village_code"
        )
        out = pl.concat([out, filler], how="diagonal")
    return out.with_columns(
        pl.col(c).fill_null(0).cast(pl.Int64) for c in COUNT_CODES if c not in QUALITY
    ).select(["village_code", *COUNT_CODES])


def _rate_expr(code: str) -> pl.Expr:
    d = DEFINITIONS[code]
    num, den = pl.col(d.numerator), pl.col(d.denominator)
    scale = 100 if d.unit == PERCENT else 1
    return pl.when(den > 0).then((num / den * scale).round(2)).otherwise(None).alias(code)


def rollup(counts: pl.DataFrame, length: int, has_quality: bool) -> pl.DataFrame:
    """Sum the village counts by the first `length` digits of the code and add the
    rates (from the summed counts). Column "area" holds the significant prefix."""
    key = pl.col("village_code").str.slice(0, length).alias("area")
    aggs = [pl.col(c).sum() for c in COUNT_CODES if c not in QUALITY]
    aggs += [
        (pl.col(c).sum() if has_quality else pl.lit(None, pl.Int64).first()).alias(c)
        for c in QUALITY
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
        table = rollup(counts, length, frames.has_quality)
        order = ["area", *DEFINITIONS]
        rows = table.select(order).to_dicts()
        nodes = {}
        for r in rows:
            area = r.pop("area")
            r["quality_score"] = _quality_score(r)
            nodes[area] = r
        out[length] = nodes
    return out
