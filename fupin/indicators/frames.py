"""Reading the registry into the frames the indicators are computed from.

Three frames, the same whether they come from the database or from a snapshot:

- people: one row per person in a household on the as-of date (active member), with
  their household's status, category, main cause and village;
- households: one row per household existing on the as-of date, with its status at the
  start of the period, member changes over the period, pairing, visits, measures and
  monitoring risk level;
- villages: one row per village, with the village profile's rural population and the
  data-quality counts.

Plus the divisions of the area (code, name, level), so a snapshot carries its own tree.

States come from two places: today's figures (`as_of=None`) read the registry tables;
figures as of a past date read the change records (`core.ChangeRecord.post_data`, the
full state after each change): the last record of each object at or before the end of
that day. The state at the start of the period (1 January of the as-of year) always
comes from the change records. Everything is read with `core.frames.read_frame` (COPY on
PostgreSQL) and decoded with Polars, never row by row through the ORM.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl
from django.db import connection
from django.utils import timezone

from fupin.assistance import due
from fupin.assistance.choices import MeasureKind
from fupin.assistance.models import AssistancePolicy, Measure, Pairing, Visit
from fupin.assistance.selectors import policy_for
from fupin.core.frames import DType, read_frame
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.core.scope import code_range
from fupin.education import rules as education_rules
from fupin.education import selectors as education_selectors
from fupin.employment import rules as employment_rules
from fupin.employment import selectors as employment_selectors
from fupin.geo.codes import ancestor_codes
from fupin.geo.models import CountyProfile, Division, VillageProfile
from fupin.health import rules as health_rules
from fupin.health import selectors as health_selectors
from fupin.industry import rules as industry_rules
from fupin.industry import selectors as industry_selectors
from fupin.microcredit import rules as microcredit_rules
from fupin.microcredit import services as microcredit_services
from fupin.monitoring.models import MonitoringObject, MonitoringStatus
from fupin.quality.selectors import check_area
from fupin.registry.models import Household, Member
from fupin.relocation import selectors as relocation_selectors
from fupin.training import rules as training_rules
from fupin.training import selectors as training_selectors

PEOPLE_SCHEMA = {
    "person_id": pl.Int64,
    "household_id": pl.Int64,
    "village_code": pl.String,
    "status": pl.String,
    "monitoring_type": pl.String,
    "category": pl.String,
    "main_cause": pl.String,
    "health": pl.String,
    "labour": pl.String,
    "age": pl.Int16,
}
MEASURE_COLUMNS = [f"measure_{k}" for k in MeasureKind.values]
HOUSEHOLD_SCHEMA = {
    "household_id": pl.Int64,
    "village_code": pl.String,
    "status": pl.String,
    "monitoring_type": pl.String,
    "category": pl.String,
    "main_cause": pl.String,
    "people": pl.Int32,
    "status_start": pl.String,  # null: did not exist at the start of the period
    "monitoring_type_start": pl.String,
    "members_added": pl.Int32,
    "members_removed": pl.Int32,
    "paired": pl.Boolean,
    "visited": pl.Boolean,
    # A current pairing started at least the policy's visit interval before the as-of
    # date (a visit is due), and every such pairing visited within the interval.
    "visit_due": pl.Boolean,
    "visit_on_time": pl.Boolean,
    # Due assistance on the as-of date (`assistance.due`: in poverty, monitoring object,
    # or exited within the transition period after exit).
    "assist_due": pl.Boolean,
    "risk_level": pl.String,  # null: not an active monitoring object
    **{c: pl.Boolean for c in MEASURE_COLUMNS},
    # Microcredit on the as-of date (`microcredit.rules`): the household may borrow
    # (status, a member of borrowing age), has had a loan disbursed on or before the
    # date, and its outstanding and overdue principal (yuan, to the fen).
    "mc_eligible": pl.Boolean,
    "mc_ever": pl.Boolean,
    "mc_balance": pl.Float64,
    "mc_overdue_balance": pl.Float64,
    # Posts and jobs on the as-of date (`employment.rules`): the household's people
    # holding a public-welfare post, its labourers, and those of them in work.
    "emp_post_holders": pl.Int32,
    "emp_labourers": pl.Int32,
    "emp_employed": pl.Int32,
    # Relocation (`relocation.rules`): moved in on or before the as-of date, and the
    # people relocated with it (0 before).
    "rel_moved": pl.Boolean,
    "rel_people": pl.Int32,
    # Training on the as-of date (`training.rules`), for households due assistance then:
    # their labourers trained and certified by the date, and the completed attendances of
    # courses that ended in the period.
    "tr_trained": pl.Int32,
    "tr_certified": pl.Int32,
    "tr_completions": pl.Int32,
    # Benefit-linking on the as-of date (`industry.rules`): a current link (any mode and
    # each mode), a dividend paid in the period and their sum (yuan, to the fen).
    "il_linked": pl.Boolean,
    **{c: pl.Boolean for c in industry_rules.MODE_COLUMNS.values()},
    "il_dividend": pl.Boolean,
    "il_dividends": pl.Float64,
    # Education aid (`education.rules`), per household the rows were recorded for: the
    # students paid a benefit in the period (any benefit; the Rainbow Plan), the children
    # with a dropout case open on the as-of date, and the amount paid in the period (yuan).
    "edu_students": pl.Int32,
    "edu_rainbow": pl.Int32,
    "edu_dropouts": pl.Int32,
    "edu_amount": pl.Float64,
    # Health (`health.rules`): the people insured on the as-of date by basic medical
    # insurance of its year, and the total cost and out-of-pocket part of the
    # reimbursements settled in the period (yuan).
    "med_insured": pl.Int32,
    "med_cost": pl.Float64,
    "med_out_of_pocket": pl.Float64,
}
MICROCREDIT_COLUMNS = ("mc_eligible", "mc_ever", "mc_balance", "mc_overdue_balance")
TRAINING_COLUMNS = ("tr_trained", "tr_certified", "tr_completions")
INDUSTRY_COLUMNS = (
    "il_linked",
    *industry_rules.MODE_COLUMNS.values(),
    "il_dividend",
    "il_dividends",
)
EMPLOYMENT_COLUMNS = ("emp_post_holders", "emp_labourers", "emp_employed")
RELOCATION_COLUMNS = ("rel_moved", "rel_people")
EDUCATION_COLUMNS = ("edu_students", "edu_rainbow", "edu_dropouts", "edu_amount")
HEALTH_COLUMNS = ("med_insured", "med_cost", "med_out_of_pocket")
VILLAGE_SCHEMA = {
    "village_code": pl.String,
    "rural_population": pl.Int64,
    "rural_households": pl.Int64,
    # The village profile's poor-village status and year of exit as of the date (a
    # snapshot written before these columns lacks them: the village figures are None).
    "poor_village": pl.Boolean,
    "village_exit_year": pl.Int64,
    "quality_households": pl.Int64,
    "quality_with_error": pl.Int64,
    "quality_with_warning": pl.Int64,
}
DIVISION_SCHEMA = {"code": pl.String, "name": pl.String, "level": pl.Int8}
# The counties of the area with their poor-county status and year of exit as of the date
# (geo.CountyProfile, from history for a past date).
COUNTY_SCHEMA = {"county_code": pl.String, "poor_county": pl.Boolean, "county_exit_year": pl.Int64}
VILLAGE_EXIT_COLUMNS = ("poor_village", "village_exit_year")


@dataclass
class Frames:
    as_of: dt.date
    period_start: dt.date
    people: pl.DataFrame
    households: pl.DataFrame
    villages: pl.DataFrame
    divisions: pl.DataFrame
    has_quality: bool = False
    meta: dict = field(default_factory=dict)
    # None: not in the frames (a snapshot written before it): the county figures are None.
    counties: pl.DataFrame | None = None


def period_start(as_of: dt.date) -> dt.date:
    """Flows run from 1 January of the as-of year."""
    return dt.date(as_of.year, 1, 1)


def end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after `day` in the project's time zone."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _age(birth: pl.Expr, on: dt.date) -> pl.Expr:
    """Completed years on `on`."""
    before_birthday = (birth.dt.month() > on.month) | (
        (birth.dt.month() == on.month) & (birth.dt.day() > on.day)
    )
    return (pl.lit(on.year) - birth.dt.year() - before_birthday.cast(pl.Int32)).cast(pl.Int16)


def _table(model) -> str:
    return model._meta.db_table


# ------------------------------------------------------------------ history


def history_states(
    object_type: str,
    before: dt.datetime,
    fields: Mapping[str, DType],
    *,
    only_changed_since: bool = False,
    id_dtype: DType = pl.Int64,
) -> pl.DataFrame:
    """The state as of `before` (exclusive) of the objects of a type, from the change
    records: the latest record of each object earlier than `before`; deleted objects are
    left out. With `only_changed_since`, only objects with a record at or after `before`
    (see `states_at`). Columns: `id` (the object id) and `fields` from `post_data`."""
    t = _table(ChangeRecord)
    when = connection.ops.adapt_datetimefield_value(before)
    since = (
        f" AND object_id IN (SELECT object_id FROM {t} "  # noqa: S608
        "WHERE object_type = %s AND time >= %s)"
        if only_changed_since
        else ""
    )
    params = [object_type, when, *([object_type, when] if only_changed_since else [])]
    raw = read_frame(
        "SELECT object_id, action, post_data FROM ("  # noqa: S608 - model metadata only
        "SELECT object_id, action, CAST(post_data AS TEXT) AS post_data, ROW_NUMBER() OVER "
        "(PARTITION BY object_id ORDER BY time DESC, id DESC) AS rn "
        f"FROM {t} WHERE object_type = %s AND time < %s{since}) q "
        "WHERE rn = 1 AND action <> %s",
        [*params, ChangeAction.DELETE.value],
    )
    # Every value as text first: JSON numbers, booleans and strings are cast below.
    struct = pl.Struct(dict.fromkeys(fields, pl.String))
    if raw.is_empty():
        return pl.DataFrame(schema={"id": id_dtype, **fields})
    decoded = raw.select(
        pl.col("object_id").cast(id_dtype).alias("id"),
        pl.col("post_data").str.json_decode(struct).alias("s"),
    ).unnest("s")
    return decoded.with_columns(_from_json(name, dtype) for name, dtype in fields.items())


def changed_since(object_type: str, since: dt.datetime, id_dtype: DType = pl.Int64) -> pl.Series:
    """Ids of the objects of a type with a change record at or after `since`."""
    rows = read_frame(
        f"SELECT DISTINCT object_id FROM {_table(ChangeRecord)} "  # noqa: S608
        "WHERE object_type = %s AND time >= %s",
        [object_type, connection.ops.adapt_datetimefield_value(since)],
    )
    if rows.is_empty():
        return pl.Series("id", [], dtype=id_dtype)
    return rows["object_id"].cast(id_dtype).alias("id")


def states_at(
    object_type: str,
    before: dt.datetime,
    fields: Mapping[str, DType],
    current: pl.DataFrame,
    id_dtype: DType = pl.Int64,
) -> pl.DataFrame:
    """The state as of `before` of the objects in `current` (rows of the table now, with
    columns `id` and `fields`) and of those that were there then. Every change writes a
    change record holding the full state after it, so an object without a record since
    `before` is as it is now; an object with one is as its last record before `before`
    says (or absent). Only the records since `before` are read, which is what makes
    as-of reads fast; the result equals reading every object's last record before
    `before`, which the tests check."""
    changed = changed_since(object_type, before, id_dtype)
    if changed.is_empty():
        return current
    prior = history_states(object_type, before, fields, only_changed_since=True, id_dtype=id_dtype)
    keep = current.filter(~pl.col("id").is_in(changed.implode()))
    return pl.concat([keep, prior.select(keep.columns).cast(keep.schema)], how="vertical")


def _from_json(name: str, dtype: DType) -> pl.Expr:
    col = pl.col(name)
    if dtype == pl.Boolean:
        return (
            col.str.to_lowercase()
            .replace_strict({"true": True, "false": False, "1": True, "0": False}, default=None)
            .cast(pl.Boolean)
        )
    if dtype == pl.Date:
        return col.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    if dtype == pl.String:
        return col.fill_null("")
    return col.cast(dtype, strict=False)


HOUSEHOLD_FIELDS = {
    "village_id": pl.String,
    "status": pl.String,
    "status_year": pl.Int64,
    "monitoring_type": pl.String,
    "category": pl.String,
    "main_cause": pl.String,
}
MEMBER_FIELDS = {
    "household_id": pl.Int64,
    "is_active": pl.Boolean,
    "health": pl.String,
    "labour": pl.String,
    "birth_date": pl.Date,
}
PROFILE_FIELDS = {
    "village_id": pl.String,
    "rural_population": pl.Int64,
    "rural_households": pl.Int64,
    "is_poor_village": pl.Boolean,
    "exit_year": pl.Int64,
}
COUNTY_FIELDS = {"poor_county": pl.String, "exit_year": pl.Int64}
MONITORING_FIELDS = {"household_id": pl.Int64, "status": pl.String, "risk_level": pl.String}


def _type(model) -> str:
    return model._meta.label_lower


def _in_area(frame: pl.DataFrame, column: str, prefix: str) -> pl.DataFrame:
    return frame.filter(pl.col(column).str.starts_with(prefix)) if prefix else frame


# ------------------------------------------------------------------ current tables


def _current_households(prefix: str) -> pl.DataFrame:
    lo, hi = code_range(prefix)
    df = read_frame(
        "SELECT id, village_id, status, status_year, monitoring_type, category, "  # noqa: S608
        f"main_cause FROM {_table(Household)} WHERE village_id BETWEEN %s AND %s",
        [lo, hi],
        schema={"id": pl.Int64, **HOUSEHOLD_FIELDS},
    )
    return df.with_columns(
        pl.col(c).fill_null("") for c, t in HOUSEHOLD_FIELDS.items() if t == pl.String
    )


MEMBER_TEXT_SCHEMA = {
    "id": pl.Int64,
    "household_id": pl.Int64,
    "is_active": pl.Boolean,
    "health": pl.String,
    "labour": pl.String,
    "birth_date": pl.String,
}


def _current_members(prefix: str) -> pl.DataFrame:
    lo, hi = code_range(prefix)
    df = read_frame(
        "SELECT m.id, m.household_id, m.is_active, m.health, m.labour, "  # noqa: S608
        f"CAST(m.birth_date AS TEXT) AS birth_date FROM {_table(Member)} m "
        f"JOIN {_table(Household)} h ON h.id = m.household_id "
        "WHERE h.village_id BETWEEN %s AND %s AND m.is_active = %s",
        [lo, hi, True],
        schema=MEMBER_TEXT_SCHEMA,
    )
    return df.with_columns(pl.col("birth_date").str.slice(0, 10).str.to_date("%Y-%m-%d"))


def _current_members_of(household_ids: list[int], chunk: int = 5000) -> pl.DataFrame:
    parts = []
    for i in range(0, len(household_ids), chunk):
        ids = household_ids[i : i + chunk]
        marks = ", ".join(["%s"] * len(ids))
        df = read_frame(
            "SELECT id, household_id, is_active, health, labour, "  # noqa: S608
            f"CAST(birth_date AS TEXT) AS birth_date FROM {_table(Member)} "
            f"WHERE household_id IN ({marks}) AND is_active = %s",
            [*ids, True],
            schema=MEMBER_TEXT_SCHEMA,
        )
        parts.append(df.with_columns(pl.col("birth_date").str.slice(0, 10).str.to_date("%Y-%m-%d")))
    return pl.concat(parts)


def _current_profiles(prefix: str) -> pl.DataFrame:
    lo, hi = code_range(prefix)
    return read_frame(
        "SELECT village_id AS id, village_id, rural_population, rural_households, "  # noqa: S608
        f"is_poor_village, exit_year FROM {_table(VillageProfile)} "
        "WHERE village_id BETWEEN %s AND %s",
        [lo, hi],
        schema={"id": pl.String, **PROFILE_FIELDS},
    )


def _current_counties(prefix: str) -> pl.DataFrame:
    lo, hi = code_range(prefix)
    return read_frame(
        "SELECT county_id AS id, poor_county, exit_year "  # noqa: S608
        f"FROM {_table(CountyProfile)} WHERE county_id BETWEEN %s AND %s",
        [lo, hi],
        schema={"id": pl.String, **COUNTY_FIELDS},
    )


def counties_frame(prefix: str, as_of: dt.date, live: bool) -> pl.DataFrame:
    """The counties of the area (`COUNTY_SCHEMA`) as of the date."""
    now = _current_counties(prefix)
    rows = (
        now
        if live
        else states_at(_type(CountyProfile), end_of_day(as_of), COUNTY_FIELDS, now, pl.String)
    )
    return rows.filter(pl.col("id").str.starts_with(prefix)).select(
        pl.col("id").alias("county_code"),
        (pl.col("poor_county").fill_null("") != "").alias("poor_county"),
        pl.col("exit_year").cast(pl.Int64).alias("county_exit_year"),
    )


def _current_monitoring(prefix: str) -> pl.DataFrame:
    lo, hi = code_range(prefix)
    return read_frame(
        "SELECT o.id, o.household_id, o.status, o.risk_level "  # noqa: S608
        f"FROM {_table(MonitoringObject)} o JOIN {_table(Household)} h "
        "ON h.id = o.household_id WHERE h.village_id BETWEEN %s AND %s",
        [lo, hi],
        schema={"id": pl.Int64, **MONITORING_FIELDS},
    )


# ------------------------------------------------------------------ assistance


def _dated_household_ids(model, date_col: str, start: dt.date, end: dt.date, extra="") -> str:
    return (
        f"SELECT DISTINCT household_id{extra} FROM {_table(model)} "  # noqa: S608
        f"WHERE {date_col} >= %s AND {date_col} <= %s"
    )


def _assistance(as_of: dt.date, start: dt.date) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    d = connection.ops.adapt_datefield_value
    day, since = d(as_of), d(start)
    paired = read_frame(
        f"SELECT DISTINCT household_id FROM {_table(Pairing)} "  # noqa: S608
        "WHERE start_date <= %s AND (end_date IS NULL OR end_date > %s)",
        [day, day],
        schema={"household_id": pl.Int64},
    )
    visited = read_frame(
        _dated_household_ids(Visit, "date", start, as_of),
        [since, day],
        schema={"household_id": pl.Int64},
    )
    measures = read_frame(
        _dated_household_ids(Measure, "date", start, as_of, ", kind"),
        [since, day],
        schema={"household_id": pl.Int64, "kind": pl.String},
    )
    return paired, visited, measures


def visit_intervals(village_codes: list[str]) -> dict[str, int]:
    """The visit interval (days) of each village, from the assistance app's
    `policy_for`, called once per policy region that decides (the most specific region
    with a policy of its own, or none: the national policy), not once per village."""

    regions = set(
        AssistancePolicy.objects.filter(region__isnull=False).values_list("region_id", flat=True)
    )
    by_region: dict[str | None, int] = {}
    out: dict[str, int] = {}
    for code in village_codes:
        decider = next((a for a in ancestor_codes(code) if a in regions), None)
        if decider not in by_region:
            by_region[decider] = policy_for(code).visit_interval_days
        out[code] = by_region[decider]
    return out


def visit_compliance(hh: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Per household with a current pairing (household_id, visit_due, visit_on_time),
    with the assistance app's rule (`assistance.selectors.overdue_cadres`): a pairing
    current on the as-of date is due when it started at least the village's visit
    interval before it; it is visited in time when the cadre's last visit to the
    household on or before the as-of date is after (as-of − interval). A household is
    on time when every due pairing is. `hh`: household_id and village_code."""
    d = connection.ops.adapt_datefield_value
    pairs = read_frame(
        "SELECT cadre_id, household_id, CAST(start_date AS TEXT) AS start_date "  # noqa: S608
        f"FROM {_table(Pairing)} WHERE start_date <= %s AND (end_date IS NULL OR end_date > %s)",
        [d(as_of), d(as_of)],
        schema={"cadre_id": pl.Int64, "household_id": pl.Int64, "start_date": pl.String},
    )
    schema = {"household_id": pl.Int64, "visit_due": pl.Boolean, "visit_on_time": pl.Boolean}
    pairs = pairs.join(hh.select("household_id", "village_code"), on="household_id", how="inner")
    if pairs.is_empty():
        return pl.DataFrame(schema=schema)
    last = read_frame(
        "SELECT cadre_id, household_id, CAST(MAX(date) AS TEXT) AS last "  # noqa: S608
        f"FROM {_table(Visit)} WHERE date <= %s GROUP BY cadre_id, household_id",
        [d(as_of)],
        schema={"cadre_id": pl.Int64, "household_id": pl.Int64, "last": pl.String},
    )
    intervals = visit_intervals(pairs["village_code"].unique().to_list())
    day = pl.col("start_date").str.slice(0, 10).str.to_date("%Y-%m-%d")
    cut = pl.lit(as_of) - pl.duration(
        days=pl.col("village_code").replace_strict(intervals, return_dtype=pl.Int64)
    )
    due = (
        pairs.with_columns(cut=cut.cast(pl.Date), start=day)
        .filter(pl.col("start") <= pl.col("cut"))
        .join(
            last.with_columns(pl.col("last").str.slice(0, 10).str.to_date("%Y-%m-%d")),
            on=["cadre_id", "household_id"],
            how="left",
        )
        .with_columns(in_time=(pl.col("last") > pl.col("cut")).fill_null(False))
    )
    return (
        due.group_by("household_id")
        .agg(visit_due=pl.lit(True), visit_on_time=pl.col("in_time").all())
        .select([pl.col(k).cast(v) for k, v in schema.items()])
    )


def assist_due(hh: pl.DataFrame, prefix: str, as_of: dt.date, moved: list[int]) -> pl.DataFrame:
    """household_id, assist_due: the assistance app's rule (`assistance.due.due_expr`) on
    each household's status, exit date and village on the as-of date. `hh`: household_id,
    village_code, status, status_year; `moved`: households of the area then, outside now."""
    exits = due.exit_dates(prefix, as_of, moved)
    return (
        hh.select("household_id", "village_code", "status", "status_year")
        .join(exits, on="household_id", how="left")
        .with_columns(exit_date=due.exit_date_expr())
        .select("household_id", due.due_expr(as_of, due.periods()).alias("assist_due"))
    )


def microcredit(
    hh: pl.DataFrame, people: pl.DataFrame, prefix: str, as_of: dt.date, moved: list[int]
) -> pl.DataFrame:
    """household_id, mc_eligible, mc_ever, mc_balance, mc_overdue_balance: the
    microcredit app's rules on the as-of date (`rules.eligible_households` on the
    household's status and its members' ages; `services.states_on`, the column form of
    a loan's state, for its loans). `hh`: household_id, status; `people`: household_id,
    age; `moved`: households of the area then, outside now (their loans went with them)."""
    loans = microcredit_services.states_on(as_of, prefix=prefix)
    if moved:
        loans = pl.concat([loans, microcredit_services.states_on(as_of, household_ids=moved)])
    per_household = (
        loans.unique("loan_id")
        .group_by("household_id")
        .agg(
            mc_ever=pl.col("disbursed").fill_null(False).any(),
            mc_balance=pl.col("balance").fill_null(0.0).sum().round(2),
            mc_overdue_balance=pl.col("balance")
            .filter(pl.col("overdue").fill_null(False))
            .sum()
            .round(2),
        )
    )
    eligible = microcredit_rules.eligible_households(
        hh.select("household_id", "status"), people.select("household_id", "age")
    ).rename({"eligible": "mc_eligible"})
    return eligible.join(per_household, on="household_id", how="left").with_columns(
        pl.col("mc_ever").fill_null(False),
        pl.col("mc_balance").fill_null(0.0),
        pl.col("mc_overdue_balance").fill_null(0.0),
    )


def employment(people: pl.DataFrame, prefix: str, as_of: dt.date, moved: list[int]) -> pl.DataFrame:
    """household_id, emp_post_holders, emp_labourers, emp_employed: the employment app's
    rules on the as-of date (`rules.household_work` over its people, with
    `selectors.people_in_work` read for the area and for `moved`, the households of the
    area then that are outside it now)."""
    work = employment_selectors.people_in_work(as_of, prefix=prefix, household_ids=moved)
    return employment_rules.household_work(people, work).rename(
        {
            "post_holders": "emp_post_holders",
            "labourers": "emp_labourers",
            "employed": "emp_employed",
        }
    )


def training(
    people: pl.DataFrame, due_flags: pl.DataFrame, prefix: str, as_of: dt.date, moved: list[int]
) -> pl.DataFrame:
    """household_id, tr_trained, tr_certified, tr_completions: the training app's rules
    on the as-of date (`rules.household_counts`) for the people of the households due
    assistance then (`due_flags`: household_id, assist_due), each counted in their
    household on the date. `moved`: households of the area then, outside now."""
    rows = training_selectors.attendance_rows(prefix, moved)
    due_people = people.join(
        due_flags.filter(pl.col("assist_due")).select("household_id"), on="household_id", how="semi"
    )
    return training_rules.household_counts(rows, due_people, as_of, period_start(as_of))


def industry(prefix: str, as_of: dt.date, moved: list[int]) -> pl.DataFrame:
    """household_id and the il_ columns: the benefit-linking app's rules on the as-of
    date (`rules.household_links`) over the links and dividends of the households of the
    area then (`moved`: outside now, their rows went with them)."""
    links, paid = industry_selectors.link_rows(prefix, moved)
    return industry_rules.household_links(links, paid, as_of, period_start(as_of))


def education(prefix: str, as_of: dt.date, moved: list[int]) -> pl.DataFrame:
    """household_id and EDUCATION_COLUMNS: the education app's rules on the as-of date
    (`rules.household_counts`) over the benefits of the period and the dropout cases of
    the households of the area then (`moved`: outside now, their rows went with them)."""
    aid, cases = education_selectors.engine_rows(prefix, moved, period_start(as_of), as_of)
    return education_rules.household_counts(aid, cases, as_of)


def health(prefix: str, as_of: dt.date, moved: list[int]) -> pl.DataFrame:
    """household_id and HEALTH_COLUMNS: the health app's rules on the as-of date
    (`rules.household_counts`) over the basic cover of the year and the reimbursements of
    the period of the households of the area then (`moved`: outside now)."""
    cover, pays = health_selectors.engine_rows(prefix, moved, period_start(as_of), as_of)
    return health_rules.household_counts(cover, pays, as_of)


# ------------------------------------------------------------------ the frames


def load(prefix: str, as_of: dt.date | None = None, *, quality: bool | None = None) -> Frames:
    """The frames of the area whose codes start with `prefix`, as of a date (None: today,
    from the current tables). `quality`: attach the data-quality counts (default: only
    for today's figures, the quality rules read the current data)."""
    today = timezone.localdate()
    live = as_of is None or as_of >= today
    as_of = min(as_of or today, today)  # a future date reads today's figures
    start = period_start(as_of)
    start_cut = end_of_day(start - dt.timedelta(days=1))

    hh_now = _current_households(prefix)
    prof_now = _current_profiles(prefix)
    mon_now = _current_monitoring(prefix)
    if live:
        hh, prof, mon = hh_now, prof_now, mon_now
    else:
        cut = end_of_day(as_of)
        hh = _in_area(
            states_at(_type(Household), cut, HOUSEHOLD_FIELDS, hh_now), "village_id", prefix
        )
        prof = _in_area(
            states_at(_type(VillageProfile), cut, PROFILE_FIELDS, prof_now, pl.String),
            "village_id",
            prefix,
        )
        mon = states_at(_type(MonitoringObject), cut, MONITORING_FIELDS, mon_now)
    # Members now of the households in the area now, and of those in the area on the
    # as-of date that have moved out since.
    mem_now = _current_members(prefix)
    moved = hh.filter(~pl.col("id").is_in(hh_now["id"].implode()))["id"].to_list()
    if moved:
        mem_now = pl.concat([mem_now, _current_members_of(moved)])
    mem = mem_now if live else states_at(_type(Member), cut, MEMBER_FIELDS, mem_now)
    mem = mem.filter(pl.col("is_active"))
    prof = prof.drop("id")
    hh0 = states_at(_type(Household), start_cut, HOUSEHOLD_FIELDS, hh_now)
    mem0 = states_at(_type(Member), start_cut, MEMBER_FIELDS, mem_now).filter(pl.col("is_active"))

    hh = hh.rename({"id": "household_id", "village_id": "village_code"})
    mem = mem.join(hh.select("household_id"), on="household_id", how="semi")
    # People: active members with their household's attributes and their age.
    people = mem.join(hh, on="household_id", how="inner").select(
        pl.col("id").alias("person_id"),
        "household_id",
        "village_code",
        "status",
        "monitoring_type",
        "category",
        "main_cause",
        pl.col("health").fill_null(""),
        pl.col("labour").fill_null(""),
        _age(pl.col("birth_date"), as_of).alias("age"),
    )

    # Member flows: records in the household at the end and not at the start, and back.
    now_pairs = mem.select(pl.col("id"), "household_id")
    start_pairs = mem0.select(pl.col("id"), "household_id")
    added = (
        now_pairs.join(start_pairs, on=["id", "household_id"], how="anti")
        .group_by("household_id")
        .agg(members_added=pl.len())
    )
    removed = (
        start_pairs.join(now_pairs, on=["id", "household_id"], how="anti")
        .group_by("household_id")
        .agg(members_removed=pl.len())
    )
    sizes = mem.group_by("household_id").agg(people=pl.len())

    paired, visited, measures = _assistance(as_of, start)
    active = mon.filter(pl.col("status") == MonitoringStatus.ACTIVE.value)
    risk = active.group_by("household_id").agg(pl.col("risk_level").max())
    measure_flags = (
        measures.with_columns(pl.lit(True).alias("v")).pivot(
            on="kind", index="household_id", values="v", aggregate_function="first"
        )
        if not measures.is_empty()
        else pl.DataFrame(schema={"household_id": pl.Int64})
    )
    measure_flags = measure_flags.rename(
        {k: f"measure_{k}" for k in measure_flags.columns if k != "household_id"}
    )

    due_flags = assist_due(hh, prefix, as_of, moved)
    households = (
        hh.join(sizes, on="household_id", how="left")
        .join(
            hh0.select(
                pl.col("id").alias("household_id"),
                pl.col("status").alias("status_start"),
                pl.col("monitoring_type").alias("monitoring_type_start"),
            ),
            on="household_id",
            how="left",
        )
        .join(added, on="household_id", how="left")
        .join(removed, on="household_id", how="left")
        .join(paired.with_columns(paired=pl.lit(True)), on="household_id", how="left")
        .join(visited.with_columns(visited=pl.lit(True)), on="household_id", how="left")
        .join(visit_compliance(hh, as_of), on="household_id", how="left")
        .join(risk, on="household_id", how="left")
        .join(measure_flags, on="household_id", how="left")
        .join(due_flags, on="household_id", how="left")
        .join(microcredit(hh, people, prefix, as_of, moved), on="household_id", how="left")
        .join(employment(people, prefix, as_of, moved), on="household_id", how="left")
        .join(
            relocation_selectors.relocated_households(as_of, prefix=prefix, moved=moved),
            on="household_id",
            how="left",
        )
        .join(training(people, due_flags, prefix, as_of, moved), on="household_id", how="left")
        .join(industry(prefix, as_of, moved), on="household_id", how="left")
        .join(education(prefix, as_of, moved), on="household_id", how="left")
        .join(health(prefix, as_of, moved), on="household_id", how="left")
    )
    for col in MEASURE_COLUMNS:
        if col not in households.columns:
            households = households.with_columns(pl.lit(None, pl.Boolean).alias(col))
    households = households.with_columns(
        pl.col("people").fill_null(0),
        pl.col("members_added").fill_null(0),
        pl.col("members_removed").fill_null(0),
        pl.col("paired").fill_null(False),
        pl.col("visited").fill_null(False),
        pl.col("visit_due").fill_null(False),
        pl.col("visit_on_time").fill_null(False),
        pl.col("assist_due").fill_null(False),
        *[pl.col(c).fill_null(False) for c in MEASURE_COLUMNS],
        pl.col("mc_eligible").fill_null(False),
        pl.col("mc_ever").fill_null(False),
        pl.col("mc_balance").fill_null(0.0),
        pl.col("mc_overdue_balance").fill_null(0.0),
        *[pl.col(c).fill_null(0) for c in EMPLOYMENT_COLUMNS],
        pl.col("rel_moved").fill_null(False),
        pl.col("rel_people").fill_null(0),
        *[pl.col(c).fill_null(0) for c in TRAINING_COLUMNS],
        *[pl.col(c).fill_null(0.0 if c == "il_dividends" else False) for c in INDUSTRY_COLUMNS],
        *[pl.col(c).fill_null(0) for c in (*EDUCATION_COLUMNS, *HEALTH_COLUMNS)],
    ).select([pl.col(k).cast(v) for k, v in HOUSEHOLD_SCHEMA.items()])

    divisions = read_divisions(prefix)
    village_codes = divisions.filter(pl.col("level") == 5).select(
        pl.col("code").alias("village_code")
    )
    villages = village_codes.join(
        prof.rename({"village_id": "village_code"}), on="village_code", how="left"
    ).with_columns(
        pl.col("rural_population").fill_null(0),
        pl.col("rural_households").fill_null(0),
        pl.col("is_poor_village").fill_null(False).alias("poor_village"),
        pl.col("exit_year").alias("village_exit_year"),
    )
    has_quality = live if quality is None else quality
    if has_quality:
        villages = villages.join(quality_counts(prefix), on="village_code", how="left")
    villages = villages.with_columns(
        pl.col(c).cast(pl.Int64) if c in villages.columns else pl.lit(None, pl.Int64).alias(c)
        for c in ("quality_households", "quality_with_error", "quality_with_warning")
    ).select([pl.col(k).cast(v) for k, v in VILLAGE_SCHEMA.items()])
    if has_quality:
        villages = villages.with_columns(
            pl.col(c).fill_null(0)
            for c in ("quality_households", "quality_with_error", "quality_with_warning")
        )
    return Frames(
        as_of=as_of,
        period_start=start,
        people=people.select([pl.col(k).cast(v) for k, v in PEOPLE_SCHEMA.items()]),
        households=households,
        villages=villages,
        divisions=divisions,
        has_quality=has_quality,
        counties=counties_frame(prefix, as_of, live),
    )


def read_divisions(prefix: str) -> pl.DataFrame:
    lo, hi = code_range(prefix)
    return read_frame(
        f"SELECT code, name, level FROM {_table(Division)} "  # noqa: S608
        "WHERE code BETWEEN %s AND %s ORDER BY code",
        [lo, hi],
        schema=DIVISION_SCHEMA,
    )


def quality_counts(prefix: str) -> pl.DataFrame:
    """Per village: households checked, with an error, with warnings only (from the
    quality app's own selector, not recomputed here)."""

    report = check_area(prefix)
    rows = [(s.code, s.households, s.with_error, s.with_warning) for s in report.scores(12)]
    return pl.DataFrame(
        rows,
        schema={
            "village_code": pl.String,
            "quality_households": pl.Int64,
            "quality_with_error": pl.Int64,
            "quality_with_warning": pl.Int64,
        },
        orient="row",
    )
