"""Risk features per household as of a year, built with Polars from a few SQL reads.

Four queries (households, members, incomes, findings), each read whole with
`fupin.core.frames.read_frame` (COPY on PostgreSQL), restricted to an area by the range of
12-digit division codes; everything else is vectorised frame work. Nothing goes through
the ORM row by row.

Income is compared with the line of its year in the household's county (the policy sets'
`fupin.policy.selectors.income_lines_frame`, the column form of `income_line`: a province's
own line where it has one, else the national one). Per household and year Y:

- ``margin``: net income per person ÷ line of Y − 1 (negative = under the line);
- ``income_trend``: relative change of (income per person ÷ line) from Y−2 to Y−1 (0 when
  unknown); the year before the as-of year, so the exit-year jump does not dominate it;
- ``size``, ``labour_share`` (labour units per person: skilled/ordinary 1, weak ½),
  ``serious_or_disabled``, ``chronic``, ``pupils`` (in school, primary to university),
  ``head_age``, ``migrants`` (members working away), ``cause_health`` (main cause illness
  or disability), ``supported`` (cooperative or leading enterprise), ``property_income``
  (any property income: dividends from assistance assets), ``findings`` (open or confirmed
  comparison findings).

Honest limits: members are the current ones (present if born by the end of Y; people
who left are not in the past years), health, labour, school and migration are as recorded
now, not as they were in Y, and findings carry no date — for past years these are
proxies.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from fupin.core.frames import read_frame
from fupin.core.scope import code_range
from fupin.quality.lines import income_lines_frame
from fupin.registry import choices as c
from fupin.registry.models import IncomeRecord

FEATURES: tuple[str, ...] = (
    "margin",
    "income_trend",
    "size",
    "labour_share",
    "serious_or_disabled",
    "chronic",
    "pupils",
    "head_age",
    "migrants",
    "cause_health",
    "supported",
    "property_income",
    "findings",
)

H = c.Health
L = c.LabourCapacity
SS = c.SchoolStatus
PUPIL_STATUSES = [s.value for s in SS if s not in (SS.PRESCHOOL_CHILD, SS.KINDERGARTEN)]


def _area_clause(area: str, column: str) -> tuple[str, list]:
    if not area:
        return "", []
    lo, hi = code_range(area)
    return f" AND {column} BETWEEN %s AND %s", [lo, hi]


def read_households(area: str = "") -> pl.DataFrame:
    where, params = _area_clause(area, "village_id")
    sql = (
        "SELECT id, number, village_id, status, status_year, monitoring_type, main_cause, "  # noqa: S608 - fixed SQL, values bound
        "CASE WHEN in_cooperative OR led_by_enterprise THEN 1 ELSE 0 END AS supported "
        f"FROM registry_household WHERE 1=1{where}"
    )
    schema = {
        "id": pl.Int64,
        "number": pl.String,
        "village_id": pl.String,
        "status": pl.String,
        "status_year": pl.Int64,
        "monitoring_type": pl.String,
        "main_cause": pl.String,
        "supported": pl.Int64,
    }
    return read_frame(sql, params, schema)


def read_members(area: str = "") -> pl.DataFrame:
    where, params = _area_clause(area, "h.village_id")
    sql = (
        "SELECT m.household_id, "  # noqa: S608 - fixed SQL, values bound
        "CAST(SUBSTR(CAST(m.birth_date AS TEXT), 1, 4) AS INTEGER) AS birth_year, "
        "m.relation, m.health, m.labour, m.school_status, m.migrant_months "
        "FROM registry_member m JOIN registry_household h ON h.id = m.household_id "
        f"WHERE m.is_active = %s{where}"
    )
    schema = {
        "household_id": pl.Int64,
        "birth_year": pl.Int64,
        "relation": pl.String,
        "health": pl.String,
        "labour": pl.String,
        "school_status": pl.String,
        "migrant_months": pl.Int64,
    }
    return read_frame(sql, [True, *params], schema).with_columns(
        pl.col("school_status").fill_null(""), pl.col("migrant_months").fill_null(0)
    )


def read_incomes(area: str = "") -> pl.DataFrame:
    where, params = _area_clause(area, "h.village_id")
    net = " + ".join(f"i.{f}" for f in IncomeRecord.INCOME_FIELDS) + " - i.production_expenses"
    sql = (
        "SELECT i.household_id, h.village_id, i.year, i.household_size, "  # noqa: S608 - fixed SQL, values bound
        f"{net} AS net, i.property_income "
        "FROM registry_incomerecord i JOIN registry_household h ON h.id = i.household_id "
        f"WHERE 1=1{where}"
    )
    schema = {
        "household_id": pl.Int64,
        "village_id": pl.String,
        "year": pl.Int64,
        "household_size": pl.Int64,
        "net": pl.Float64,
        "property_income": pl.Float64,
    }
    return read_frame(sql, params, schema)


def read_findings(area: str = "") -> pl.DataFrame:
    where, params = _area_clause(area, "h.village_id")
    sql = (
        "SELECT f.household_id, COUNT(*) AS findings FROM compare_finding f "  # noqa: S608 - fixed SQL, values bound
        "JOIN registry_household h ON h.id = f.household_id "
        f"WHERE f.status IN ('open', 'confirmed'){where} GROUP BY f.household_id"
    )
    return read_frame(sql, params, {"household_id": pl.Int64, "findings": pl.Int64})


def lines_for(years: Iterable[int], village_codes: Iterable[str]) -> pl.DataFrame:
    """(county, year, line): the income line of every year in the county of each village,
    from the policy sets (`income_lines_frame`, the one rule; years before 2013 have none)."""

    return income_lines_frame(sorted(set(years)), sorted(set(village_codes))).select(
        "county", "year", line=pl.col("line_cents").cast(pl.Float64) / 100
    )


def income_ratios(incomes: pl.DataFrame, lines: dict[int, float] | None = None) -> pl.DataFrame:
    """(household_id, year, ratio, property_income): income per person ÷ line (the line of
    each year in the household's county by the policy sets, or `lines` by year when given);
    a year without a line (before 2013) has no ratio."""
    if incomes.is_empty():
        return pl.DataFrame(
            schema={
                "household_id": pl.Int64,
                "year": pl.Int64,
                "ratio": pl.Float64,
                "property_income": pl.Float64,
            }
        )
    years = incomes["year"].unique().to_list()
    if lines is None:
        with_county = incomes.with_columns(county=pl.col("village_id").str.slice(0, 6))
        codes = with_county["village_id"].unique().drop_nulls().to_list()
        joined = with_county.join(lines_for(years, codes), on=["county", "year"])
    else:
        line_frame = pl.DataFrame(
            [(y, float(lines[y])) for y in years],
            schema={"year": pl.Int64, "line": pl.Float64},
            orient="row",
        )
        joined = incomes.join(line_frame, on="year")
    return joined.with_columns(
        ratio=pl.col("net") / pl.col("household_size").clip(lower_bound=1) / pl.col("line")
    ).select("household_id", "year", "ratio", "property_income")


def member_features(members: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """Member aggregates for each (household_id, year) in `keys`."""
    m = members.join(keys, on="household_id").filter(pl.col("birth_year") <= pl.col("year"))
    units = (
        pl.when(pl.col("labour").is_in([L.SKILLED, L.ORDINARY]))
        .then(1.0)
        .when(pl.col("labour") == L.WEAK)
        .then(0.5)
        .otherwise(0.0)
    )
    return m.group_by("household_id", "year").agg(
        size=pl.len(),
        labour_share=units.sum() / pl.len(),
        serious_or_disabled=pl.col("health").is_in([H.SERIOUS, H.DISABLED]).sum(),
        chronic=(pl.col("health") == H.CHRONIC).sum(),
        pupils=pl.col("school_status").is_in(PUPIL_STATUSES).sum(),
        head_age=(pl.col("year") - pl.col("birth_year"))
        .filter(pl.col("relation") == c.Relation.HEAD)
        .first(),
        migrants=(pl.col("migrant_months") > 0).sum(),
    )


def assemble(
    keys: pl.DataFrame,
    households: pl.DataFrame,
    members: pl.DataFrame,
    ratios: pl.DataFrame,
    findings: pl.DataFrame,
) -> pl.DataFrame:
    """Features for each (household_id, year) in `keys` (extra columns of `keys` kept)."""
    r = ratios.select("household_id", "year", "ratio", "property_income")
    prev1 = r.select("household_id", (pl.col("year") + 1).alias("year"), r1=pl.col("ratio"))
    prev2 = r.select("household_id", (pl.col("year") + 2).alias("year"), r2=pl.col("ratio"))
    hh = households.select(
        pl.col("id").alias("household_id"),
        cause_health=pl.col("main_cause").is_in(
            [c.PovertyCause.ILLNESS, c.PovertyCause.DISABILITY]
        ),
        supported=pl.col("supported"),
    )
    frame = (
        keys.join(r, on=["household_id", "year"], how="left")
        .join(prev1, on=["household_id", "year"], how="left")
        .join(prev2, on=["household_id", "year"], how="left")
        .join(
            member_features(members, keys.select("household_id", "year")),
            on=["household_id", "year"],
            how="left",
        )
        .join(hh, on="household_id", how="left")
        .join(findings, on="household_id", how="left")
    )
    return frame.with_columns(
        margin=(pl.col("ratio") - 1).fill_null(0.0),
        income_trend=pl.when(
            pl.col("r1").is_not_null() & pl.col("r2").is_not_null() & (pl.col("r2") > 0)
        )
        .then(pl.col("r1") / pl.col("r2") - 1)
        .otherwise(0.0),
        size=pl.col("size").fill_null(0).cast(pl.Float64),
        labour_share=pl.col("labour_share").fill_null(0.0),
        serious_or_disabled=pl.col("serious_or_disabled").fill_null(0).cast(pl.Float64),
        chronic=pl.col("chronic").fill_null(0).cast(pl.Float64),
        pupils=pl.col("pupils").fill_null(0).cast(pl.Float64),
        head_age=pl.col("head_age").fill_null(50).cast(pl.Float64),
        migrants=pl.col("migrants").fill_null(0).cast(pl.Float64),
        cause_health=pl.col("cause_health").fill_null(False).cast(pl.Float64),
        supported=pl.col("supported").fill_null(0).cast(pl.Float64),
        property_income=(pl.col("property_income").fill_null(0.0) > 0).cast(pl.Float64),
        findings=pl.col("findings").fill_null(0).cast(pl.Float64),
    ).drop("ratio", "r1", "r2")


def exits(ratios: pl.DataFrame) -> pl.DataFrame:
    """Labelled exits reconstructed from the income records.

    A household *exited in Y* when its income per person was under the line in Y−1 and at
    or above it in Y (both records present). The exit is *labelled* when a record for Y+1
    exists: ``returned`` = 1 if income per person in Y+1 is under the line again (returned
    to poverty within a year), else 0. The status field is not used: a household that fell
    back and exited again still counts, and the demo's returned households (status 返贫,
    status year Y+1) are exactly those with income under the line from Y+1 on.
    """
    r = ratios.select("household_id", "year", "ratio")
    before = r.select("household_id", (pl.col("year") + 1).alias("year"), before=pl.col("ratio"))
    after = r.select("household_id", (pl.col("year") - 1).alias("year"), after=pl.col("ratio"))
    return (
        r.join(before, on=["household_id", "year"])
        .join(after, on=["household_id", "year"])
        .filter((pl.col("before") < 1) & (pl.col("ratio") >= 1))
        .select("household_id", "year", returned=(pl.col("after") < 1).cast(pl.Int8))
        .sort("household_id", "year")
    )


def read_all(area: str = "", lines: dict[int, float] | None = None) -> dict[str, pl.DataFrame]:
    """The four reads, once (`lines`: income line by year instead of the policy sets)."""
    incomes = read_incomes(area)
    return {
        "households": read_households(area),
        "members": read_members(area),
        "ratios": income_ratios(incomes, lines),
        "findings": read_findings(area),
    }


def training_frame(area: str = "", data: dict[str, pl.DataFrame] | None = None) -> pl.DataFrame:
    """One row per labelled exit: features as of the exit year, and ``returned``."""
    data = data or read_all(area)
    labels = exits(data["ratios"])
    return assemble(labels, data["households"], data["members"], data["ratios"], data["findings"])


CANDIDATE_STATUSES = (c.HouseholdStatus.MONITORED, c.HouseholdStatus.EXITED)
RECENT_YEARS = 3


def scoring_frame(
    area: str = "",
    year: int | None = None,
    data: dict[str, pl.DataFrame] | None = None,
    everyone: bool = False,
) -> pl.DataFrame:
    """Features as of `year` (default: the latest income year) for monitored households
    and households exited within the last `RECENT_YEARS` years (all with `everyone`)."""
    data = data or read_all(area)
    ratios, households = data["ratios"], data["households"]
    if year is None:
        latest = ratios["year"].max()  # None when there are no rows
        year = latest if isinstance(latest, int) else 0
    pool = households
    if not everyone:
        pool = households.filter(
            (pl.col("status") == c.HouseholdStatus.MONITORED)
            | (
                (pl.col("status") == c.HouseholdStatus.EXITED)
                & (pl.col("status_year") > year - RECENT_YEARS)
            )
        )
    keys = pool.select(
        pl.col("id").alias("household_id"), "number", "village_id", "status", year=pl.lit(year)
    ).with_columns(pl.col("year").cast(pl.Int64))
    return assemble(keys, households, data["members"], ratios, data["findings"])
