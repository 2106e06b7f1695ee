"""Grading rounds (分级分类, Loudi's red / orange / yellow / blue): every exited household,
and every household that is a monitoring object, of an area gets a colour from rules kept
as data, in a recorded round that the township reviews and adjusts.

Who is graded
-------------
The households of the area whose status is exited or monitored, and those with an active
monitoring object whatever their status, as the registry stands when the round runs.

The rules
---------
A list of rules, each ``{"id": …, "colour": "red" | "orange" | "yellow", "when": {one
condition}}``. A household gets the most urgent colour among the rules that fire, blue when
none does; its reasons are the ids of every rule that fired (described in the user's
language from the round's own copy of the rules, `describe`). The conditions, all read as
of the round's date (`as_of`):

- ``{"income_under_line": F}``: the household's latest income record of the as-of year or
  before has a net income per person (`fupin.registry.income`, the one rule) under F × the
  income line of that record's year for the household's county (`policy.selectors.
  income_line`, compared by `policy.comparisons`: strictly less; the line times F rounded
  to the fen, half up);
- ``{"income_missing": N}``: no income record of the as-of year or the N years before it;
- ``{"guarantee_unmet": "any" | [conditions]}``: the latest assessment of the as-of year or
  before (两不愁三保障 and safe drinking water, `registry.Assessment.CONDITIONS`) has one
  of the conditions (any of the six) not met;
- ``{"open_warning": LEVEL}``: a warning open on the as-of date (raised by the end of that
  day and not closed by then) at LEVEL or above (`RiskLevel`: low, general, serious, major;
  a warning's level is its current one);
- ``{"risk_level": LEVEL}``: an active monitoring object at LEVEL or above;
- ``{"signal": [names]}``: one of the named signals of the programme ledgers
  (`fupin.monitoring.hooks.register_grade_signal`); a name no app registered never fires,
  and the round's result lists it as missing.

Rules are configured per region (`GradingRules`: the most specific region of the area
wins, the national row next, `DEFAULT_RULES` when there is none) and every round keeps a
copy of the rules it used and whose they were.

Rounds and adjustments
----------------------
A round is named per area: running a name again for the same area is refused
(`RoundExists`), so a round is never silently rewritten; a new name makes a new round.
The round is computed set-based (one read per source into Polars, the grades written with
the database's bulk path and their change records written set-based, all in one
transaction). A township (or county) user adjusts a household's colour with a reason
(`grade_adjust`, recorded in the household's history); a village user may not. Who ran the
round does not matter for an adjustment: the round applies rules nobody in the area wrote,
so there is no proposal to keep the runner from reviewing. A round with a later round of
the same area is closed: its grades are kept as they were, for the comparison.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import polars as pl
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts import authority
from fupin.accounts.models import User
from fupin.core.errors import DomainError, OutsideArea, ValidationFailed
from fupin.core.frames import json_text, read_frame, reserve_ids, write_frame
from fupin.core.history import BulkRecorder, RowRecords, created, recording
from fupin.core.models import actor_account, actor_name
from fupin.core.scope import RestrictedQuerySet, code_range, user_covers
from fupin.geo.codes import ancestor_codes
from fupin.geo.models import Division
from fupin.monitoring.hooks import grade_signals
from fupin.monitoring.models import (
    COLOUR_RANK,
    LEVEL_RANK,
    GradeColour,
    GradingRound,
    GradingRules,
    HouseholdGrade,
    MonitoringStatus,
    RiskLevel,
)
from fupin.policy.comparisons import under_line_expr
from fupin.policy.selectors import NoPolicy, income_line
from fupin.registry import income as income_rule
from fupin.registry.choices import HouseholdStatus
from fupin.registry.models import Assessment, Household

# Who is graded besides the households with an active monitoring object.
GRADED_STATUSES = (HouseholdStatus.EXITED, HouseholdStatus.MONITORED)

# The decision of the authority table (fupin.accounts.authority) that an adjustment
# takes: the township or county office, never the village (a refusal names it).
ADJUST_AUTHORITY = "grade.adjust"

# The code's rules, used where no region has its own (see the module docstring).
DEFAULT_RULES: dict[str, Any] = {
    "rules": [
        # Red (重大): poor again by the line, or a basic guarantee not met.
        {"id": "R1", "colour": "red", "when": {"income_under_line": 1}},
        {"id": "R2", "colour": "red", "when": {"guarantee_unmet": "any"}},
        {"id": "R3", "colour": "red", "when": {"open_warning": "major"}},
        {"id": "R4", "colour": "red", "when": {"risk_level": "major"}},
        # Orange (较大): close to the line, a serious warning or object, a ledger signal.
        {"id": "O1", "colour": "orange", "when": {"income_under_line": 1.5}},
        {"id": "O2", "colour": "orange", "when": {"open_warning": "serious"}},
        {"id": "O3", "colour": "orange", "when": {"risk_level": "serious"}},
        {
            "id": "O4",
            "colour": "orange",
            "when": {"signal": ["overdue_loan", "lost_post", "serious_illness"]},
        },
        # Yellow (一般): any open warning, any monitoring object, income not known lately.
        {"id": "Y1", "colour": "yellow", "when": {"income_under_line": 2}},
        {"id": "Y2", "colour": "yellow", "when": {"open_warning": "low"}},
        {"id": "Y3", "colour": "yellow", "when": {"risk_level": "low"}},
        {"id": "Y4", "colour": "yellow", "when": {"income_missing": 1}},
    ]
}

CONDITIONS = (
    "income_under_line",
    "income_missing",
    "guarantee_unmet",
    "open_warning",
    "risk_level",
    "signal",
)


class RoundExists(DomainError):
    code = "round_exists"
    status = 409


class RoundClosed(DomainError):
    code = "round_closed"
    status = 409


# ---------------------------------------------------------------- the rules as data


def validate_rules(data: Any) -> list[str]:
    """What is wrong with a rules document (empty: nothing)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), list):
        return [_('The rules are a JSON object with a list "rules".')]
    errors: list[str] = []
    seen: set[str] = set()
    colours = [GradeColour.RED, GradeColour.ORANGE, GradeColour.YELLOW]
    for n, rule in enumerate(data["rules"], start=1):
        where = _("rule %(n)s") % {"n": n}
        if not isinstance(rule, Mapping):
            errors.append(_("%(where)s: not an object.") % {"where": where})
            continue
        rid = rule.get("id")
        if not isinstance(rid, str) or not rid.strip() or len(rid) > 20:
            errors.append(_("%(where)s: give an id (at most 20 characters).") % {"where": where})
        elif rid in seen:
            errors.append(
                _("%(where)s: the id %(id)s is used twice.") % {"where": where, "id": rid}
            )
        else:
            seen.add(rid)
        if rule.get("colour") not in colours:
            errors.append(_("%(where)s: the colour is red, orange or yellow.") % {"where": where})
        when = rule.get("when")
        if not isinstance(when, Mapping) or len(when) != 1:
            errors.append(_("%(where)s: give exactly one condition.") % {"where": where})
            continue
        ((kind, value),) = when.items()
        problem = _condition_problem(kind, value)
        if problem:
            errors.append(_("%(where)s: %(problem)s") % {"where": where, "problem": problem})
    return errors


def _condition_problem(kind: str, value: Any) -> str:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "income_under_line":
        return (
            "" if number and 0 < value <= 10 else _("the factor is a number above 0, at most 10.")
        )
    if kind == "income_missing":
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10
        return "" if ok else _("the years are a whole number from 0 to 10.")
    if kind == "guarantee_unmet":
        if value == "any":
            return ""
        ok = (
            isinstance(value, list)
            and bool(value)
            and all(v in Assessment.CONDITIONS for v in value)
        )
        return (
            ""
            if ok
            else _('name the conditions (%(names)s) or "any".')
            % {"names": ", ".join(Assessment.CONDITIONS)}
        )
    if kind in ("open_warning", "risk_level"):
        return (
            ""
            if value in RiskLevel.values
            else _("the level is one of %(levels)s.") % {"levels": ", ".join(RiskLevel.values)}
        )
    if kind == "signal":
        ok = isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)
        return "" if ok else _("name the signals in a list.")
    return _("unknown condition %(kind)s (one of %(kinds)s).") % {
        "kind": kind,
        "kinds": ", ".join(CONDITIONS),
    }


def _condition_label(name: str) -> str:
    found = Assessment._meta.get_field(name)
    return str(found.verbose_name) if isinstance(found, models.Field) else name


def describe(rule: Mapping[str, Any]) -> str:
    """A rule's condition in the user's language (the reasons of a grade)."""
    when = rule.get("when") or {}
    if len(when) != 1:
        return str(rule.get("id", ""))
    ((kind, value),) = when.items()
    if kind == "income_under_line":
        if value == 1:
            return _("Net income per person under the income line")
        return _("Net income per person under %(factor)s × the income line") % {"factor": value}
    if kind == "income_missing":
        if value == 0:
            return _("No income record of the year")
        return _("No income record of the year or the %(n)s years before") % {"n": value}
    if kind == "guarantee_unmet":
        if value == "any":
            return _("A guarantee (两不愁三保障, drinking water) not met")
        return _("Not met: %(names)s") % {"names": ", ".join(_condition_label(v) for v in value)}
    if kind == "open_warning":
        return _("An open warning of risk level %(level)s or higher") % {
            "level": RiskLevel(value).label
        }
    if kind == "risk_level":
        return _("Monitoring object at risk level %(level)s or higher") % {
            "level": RiskLevel(value).label
        }
    if kind == "signal":
        known = grade_signals()
        names = [str(known[v].label) if v in known else v for v in value]
        return _("Programme ledger: %(names)s") % {"names": ", ".join(names)}
    return str(kind)


def rules_for(area_code: str) -> tuple[dict[str, Any], str]:
    """The rules of the most specific region of the area that has its own, and that
    region's code ("" for the national row, "default" for the code's rules)."""
    regions = ancestor_codes(area_code)
    rank = {code: i for i, code in enumerate(regions)}
    rows = [
        r
        for r in GradingRules.objects.all()
        if r.region_id is None or r.region_id in rank  # a handful of rows
    ]
    if not rows:
        return DEFAULT_RULES, "default"
    rows.sort(key=lambda r: len(regions) if r.region_id is None else rank[r.region_id])
    return rows[0].rules, rows[0].region_id or ""


def rules_set(
    *, actor: User | None, region: str | None, rules: Any, note: str = ""
) -> GradingRules:
    """Set a region's grading rules (None: the national row), validated and recorded. Run
    from the command line (`fupin monitoring grade-rules`) by the system's operator."""
    errors = validate_rules(rules)
    if errors:
        raise ValidationFailed({"rules": errors})
    if region is not None and not Division.objects.filter(code=region).exists():
        raise ValidationFailed({"region": [_("No such division: %(code)s") % {"code": region}]})
    with transaction.atomic():
        row = GradingRules.objects.select_for_update().filter(region_id=region).first()
        if row is None:
            row = GradingRules(region_id=region)
        with recording(actor, row, area_code=region or "", reason=note) as rec:
            row.rules = rules
            row.note = note
            row.changed_at = timezone.now()
            row.save()
            rec.instance = row
    return row


# ---------------------------------------------------------------- the features, set-based


def _range(prefix: str) -> list[str]:
    return list(code_range(prefix))


def graded_households(prefix: str) -> pl.DataFrame:
    """id, village_id of the households a round grades (see the module docstring)."""
    return read_frame(
        "SELECT h.id, h.village_id FROM registry_household h "
        "WHERE h.village_id BETWEEN %s AND %s AND (h.status IN (%s, %s) OR h.id IN "
        "(SELECT o.household_id FROM monitoring_monitoringobject o WHERE o.status = %s))",
        [*_range(prefix), *GRADED_STATUSES, MonitoringStatus.ACTIVE],
        schema={"id": pl.Int64, "village_id": pl.Utf8},
    )


def _income(prefix: str, as_of: dt.date) -> pl.DataFrame:
    """household_id, income_year, per_person_fen: the latest income record of the as-of
    year or before of each household of the area."""
    frame = read_frame(
        "SELECT i.household_id, i.year, i.household_size, "  # noqa: S608
        f"{income_rule.fen_select_sql('i')} FROM registry_incomerecord i "
        "JOIN registry_household h ON h.id = i.household_id "
        "WHERE h.village_id BETWEEN %s AND %s AND i.year <= %s",
        [*_range(prefix), as_of.year],
        schema={
            "household_id": pl.Int64,
            "year": pl.Int64,
            "household_size": pl.Int64,
            **{f: pl.Int64 for f in income_rule.MONEY_FIELDS},
        },
    )
    latest = frame.sort(["household_id", "year"]).unique(
        subset=["household_id"], keep="last", maintain_order=True
    )
    return latest.select(
        "household_id",
        pl.col("year").alias("income_year"),
        income_rule.net_per_person_expr().alias("per_person_fen"),
    )


def _assessments(prefix: str, as_of: dt.date) -> pl.DataFrame:
    """household_id and the six conditions of the latest assessment of the as-of year or
    before."""
    cols = ", ".join(f"a.{c}" for c in Assessment.CONDITIONS)
    frame = read_frame(
        f"SELECT a.household_id, a.year, {cols} FROM registry_assessment a "  # noqa: S608
        "JOIN registry_household h ON h.id = a.household_id "
        "WHERE h.village_id BETWEEN %s AND %s AND a.year <= %s",
        [*_range(prefix), as_of.year],
        schema={
            "household_id": pl.Int64,
            "year": pl.Int64,
            **{c: pl.Boolean for c in Assessment.CONDITIONS},
        },
    )
    return (
        frame.sort(["household_id", "year"])
        .unique(subset=["household_id"], keep="last", maintain_order=True)
        .drop("year")
    )


def _level_rank_expr(column: str) -> pl.Expr:
    return pl.col(column).replace_strict(
        {str(k): v for k, v in LEVEL_RANK.items()}, default=0, return_dtype=pl.Int64
    )


def _warnings(prefix: str, as_of: dt.date) -> pl.DataFrame:
    """household_id, warning_rank: the highest level of the warnings open on the as-of
    date (raised before the next day began, not closed by then)."""
    end = connection.ops.adapt_datetimefield_value(
        dt.datetime.combine(
            as_of + dt.timedelta(days=1), dt.time(), tzinfo=timezone.get_current_timezone()
        )
    )
    frame = read_frame(
        "SELECT w.household_id, w.level FROM monitoring_riskwarning w "
        "JOIN registry_household h ON h.id = w.household_id "
        "WHERE h.village_id BETWEEN %s AND %s AND w.created_at < %s "
        "AND (w.closed_at IS NULL OR w.closed_at >= %s)",
        [*_range(prefix), end, end],
        schema={"household_id": pl.Int64, "level": pl.Utf8},
    )
    return frame.group_by("household_id").agg(_level_rank_expr("level").max().alias("warning_rank"))


def _objects(prefix: str, as_of: dt.date) -> pl.DataFrame:
    """household_id, object_rank: the highest risk level of the household's active
    monitoring objects (monitored since the as-of date or earlier, or no date)."""
    frame = read_frame(
        "SELECT o.household_id, o.risk_level FROM monitoring_monitoringobject o "
        "JOIN registry_household h ON h.id = o.household_id "
        "WHERE h.village_id BETWEEN %s AND %s AND o.status = %s "
        "AND (o.started_on IS NULL OR o.started_on <= %s)",
        [*_range(prefix), MonitoringStatus.ACTIVE, connection.ops.adapt_datefield_value(as_of)],
        schema={"household_id": pl.Int64, "risk_level": pl.Utf8},
    )
    return frame.group_by("household_id").agg(
        _level_rank_expr("risk_level").max().alias("object_rank")
    )


def _lines(pairs: pl.DataFrame, factors: set[float]) -> pl.DataFrame:
    """county, income_year and one column `line_<factor>` per factor: the income line of
    the year for the county times the factor, in fen (half up); null without a line."""
    rows: list[dict[str, Any]] = []
    for county, year in pairs.iter_rows():
        row: dict[str, Any] = {"county": county, "income_year": year}
        try:
            line = income_line(year, county.ljust(12, "0"))
        except NoPolicy:
            line = None
        for f in factors:
            row[_line_col(f)] = (
                None
                if line is None
                else int((line * Decimal(str(f)) * 100).quantize(Decimal(1), ROUND_HALF_UP))
            )
        rows.append(row)
    schema = {
        "county": pl.Utf8,
        "income_year": pl.Int64,
        **{_line_col(f): pl.Int64 for f in factors},
    }
    return pl.DataFrame(rows, schema=schema)


def _line_col(factor: float) -> str:
    return f"line_{str(factor).replace('.', '_')}"


@dataclass
class Features:
    frame: pl.DataFrame
    missing_signals: list[str] = field(default_factory=list)


def features(prefix: str, as_of: dt.date, rules: Mapping[str, Any]) -> Features:
    """One row per graded household with what the rules read."""
    h = graded_households(prefix)
    frame = (
        h.join(_income(prefix, as_of), left_on="id", right_on="household_id", how="left")
        .join(_assessments(prefix, as_of), left_on="id", right_on="household_id", how="left")
        .join(_warnings(prefix, as_of), left_on="id", right_on="household_id", how="left")
        .join(_objects(prefix, as_of), left_on="id", right_on="household_id", how="left")
        .with_columns(
            pl.col("village_id").str.slice(0, 6).alias("county"),
            pl.col("warning_rank").fill_null(0),
            pl.col("object_rank").fill_null(0),
        )
    )
    whens = [r["when"] for r in rules["rules"]]
    factors = {float(w["income_under_line"]) for w in whens if "income_under_line" in w}
    if factors:
        pairs = frame.select("county", "income_year").drop_nulls().unique()
        frame = frame.join(_lines(pairs, factors), on=["county", "income_year"], how="left")
    names = sorted({n for w in whens if "signal" in w for n in w["signal"]})
    known = grade_signals()
    ids = frame["id"].to_list()
    missing = []
    for name in names:
        if name not in known:
            missing.append(name)
            frame = frame.with_columns(pl.lit(False).alias(f"signal_{name}"))
            continue
        hits = known[name].fn(ids, as_of)
        frame = frame.with_columns(pl.col("id").is_in(list(hits)).alias(f"signal_{name}"))
    return Features(frame, missing)


def _fires(when: Mapping[str, Any], as_of: dt.date) -> pl.Expr:
    """The condition as a boolean column over `features` (null counts as not firing)."""
    ((kind, value),) = when.items()
    if kind == "income_under_line":
        expr = under_line_expr(pl.col("per_person_fen"), pl.col(_line_col(float(value))))
    elif kind == "income_missing":
        expr = pl.col("income_year").is_null() | (pl.col("income_year") < as_of.year - value)
    elif kind == "guarantee_unmet":
        names = Assessment.CONDITIONS if value == "any" else value
        expr = pl.any_horizontal([pl.col(c).not_() for c in names])
    elif kind == "open_warning":
        expr = pl.col("warning_rank") >= LEVEL_RANK[value]
    elif kind == "risk_level":
        expr = pl.col("object_rank") >= LEVEL_RANK[value]
    elif kind == "signal":
        expr = pl.any_horizontal([pl.col(f"signal_{n}") for n in value])
    else:  # validate_rules refuses it before
        raise ValueError(kind)
    return expr.fill_null(False)


def grade_frame(frame: pl.DataFrame, rules: Mapping[str, Any], as_of: dt.date) -> pl.DataFrame:
    """id, village_id, colour, reasons (the ids of the rules that fired, in rule order)."""
    items = rules["rules"]
    if frame.is_empty():
        return pl.DataFrame(
            schema={
                "id": pl.Int64,
                "village_id": pl.Utf8,
                "colour": pl.Utf8,
                "reasons": pl.List(pl.Utf8),
            }
        )
    if not items:
        return frame.select(
            "id",
            "village_id",
            pl.lit(str(GradeColour.BLUE)).alias("colour"),
            pl.lit([], dtype=pl.List(pl.Utf8)).alias("reasons"),
        )
    fired = [_fires(r["when"], as_of).alias(f"r{i}") for i, r in enumerate(items)]
    frame = frame.select("id", "village_id", *fired)
    rank = pl.max_horizontal(
        pl.lit(COLOUR_RANK[GradeColour.BLUE]),
        *[
            pl.when(pl.col(f"r{i}")).then(COLOUR_RANK[r["colour"]]).otherwise(0)
            for i, r in enumerate(items)
        ],
    )
    by_rank = {v: str(k) for k, v in COLOUR_RANK.items()}
    reasons = pl.concat_list(
        [pl.when(pl.col(f"r{i}")).then(pl.lit(r["id"])) for i, r in enumerate(items)]
    ).list.drop_nulls()
    return frame.select(
        "id",
        "village_id",
        rank.replace_strict(by_rank, return_dtype=pl.Utf8).alias("colour"),
        reasons.alias("reasons"),
    )


# ---------------------------------------------------------------- running a round


@dataclass
class RoundResult:
    round: GradingRound | None
    households: int
    counts: dict[str, int]
    seconds: float
    rules_source: str
    missing_signals: list[str]


def _previous_round(area: str, as_of: dt.date) -> GradingRound | None:
    return (
        GradingRound.objects.filter(area_id=area, as_of__lte=as_of)
        .order_by("-as_of", "-run_at", "-id")
        .first()
    )


def grade_round(
    *,
    area: str,
    name: str,
    as_of: dt.date | None = None,
    actor: User | None = None,
    dry_run: bool = False,
) -> RoundResult:
    """Grade every exited and monitored household of the area as a round named `name`
    (see the module docstring). `actor` None: the system (the command). A dry run computes
    and counts and writes nothing."""
    began = time.perf_counter()
    as_of = as_of or timezone.localdate()
    name = name.strip()
    if not name:
        raise ValidationFailed({"round": [_("Name the round.")]})
    division = Division.objects.filter(code=area).first()
    if division is None:
        raise ValidationFailed({"area": [_("No such division: %(code)s") % {"code": area}]})
    if actor is not None and not user_covers(actor, area):
        raise OutsideArea()
    if GradingRound.objects.filter(area=division, name=name).exists():
        raise RoundExists(
            _("The round %(name)s of %(area)s exists already: name a new round.")
            % {"name": name, "area": division.name}
        )
    rules, source = rules_for(area)
    errors = validate_rules(rules)
    if errors:  # a region's rules were checked when set; the code's by the tests
        raise ValidationFailed({"rules": errors})
    prefix = division.prefix
    with transaction.atomic():
        feats = features(prefix, as_of, rules)
        grades = grade_frame(feats.frame, rules, as_of)
        counts = {
            str(c): int(grades.filter(pl.col("colour") == c).height) for c in GradeColour.values
        }
        result = RoundResult(None, grades.height, counts, 0.0, source, feats.missing_signals)
        if not dry_run:
            result.round = _write_round(division, name, as_of, rules, source, actor, grades)
    result.seconds = time.perf_counter() - began
    return result


def _write_round(
    division: Division,
    name: str,
    as_of: dt.date,
    rules: Mapping[str, Any],
    source: str,
    actor: User | None,
    grades: pl.DataFrame,
) -> GradingRound:
    previous = _previous_round(division.code, as_of)
    now = timezone.now()
    try:
        with transaction.atomic():
            rnd = GradingRound.objects.create(
                area=division,
                name=name,
                as_of=as_of,
                rules=dict(rules),
                rules_source=source,
                households=grades.height,
                run_by=actor_account(actor),
                run_by_name=actor_name(actor),
                run_at=now,
            )
    except IntegrityError as exc:  # the same name, run meanwhile by someone else
        raise RoundExists(_("The round %(name)s exists already.") % {"name": name}) from exc
    created(actor, rnd, area_code=division.code, reason=name, time=now)
    if grades.is_empty():
        return rnd
    if previous is not None:
        before = pl.DataFrame(
            list(
                HouseholdGrade.objects.filter(round=previous).values_list("household_id", "colour")
            ),
            schema={"id": pl.Int64, "previous_colour": pl.Utf8},
            orient="row",
        )
        grades = grades.join(before, on="id", how="left")
    else:
        grades = grades.with_columns(pl.lit(None, dtype=pl.Utf8).alias("previous_colour"))
    ids = reserve_ids(HouseholdGrade, grades.height)
    rows = grades.select(
        pl.Series("id", ids, dtype=pl.Int64),
        pl.lit(rnd.pk, dtype=pl.Int64).alias("round_id"),
        pl.col("id").alias("household_id"),
        "village_id",
        pl.col("colour").alias("computed_colour"),
        "colour",
        pl.col("previous_colour").fill_null(""),
        json_text(grades, "reasons").alias("reasons"),
        pl.lit(None, dtype=pl.Int64).alias("adjusted_by_id"),
        pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("adjusted_at"),
        pl.lit("").alias("adjustment_reason"),
    )
    write_frame(HouseholdGrade, rows)
    BulkRecorder(actor=actor, now=now, reason=name).created(
        RowRecords(
            model=HouseholdGrade,
            repr_sql=(
                "CAST(t.round_id AS TEXT) || '/' || CAST(t.household_id AS TEXT) || ' ' || t.colour"
            ),
            area_sql="t.village_id",
            related=(Household, "t.household_id"),
        ),
        rows["id"],
    )
    return rnd


# ---------------------------------------------------------------- review and adjustment


def is_closed(rnd: GradingRound) -> bool:
    """A round with a later round of the same area is closed (kept as it was)."""
    return (
        GradingRound.objects.filter(area_id=rnd.area_id, as_of__gte=rnd.as_of)
        .exclude(pk=rnd.pk)
        .filter(run_at__gt=rnd.run_at)
        .exists()
    )


def may_adjust(user: User, grade: HouseholdGrade) -> bool:
    return authority.may(user, ADJUST_AUTHORITY, grade.village_id)


def grade_adjust(*, actor: User, grade: HouseholdGrade, colour: str, reason: str) -> HouseholdGrade:
    """Set a household's colour in a round by hand, with the reason (a township or county
    user; see `ADJUST_AUTHORITY`), recorded in the household's history. Setting the
    computed colour again undoes an adjustment (and is recorded the same way)."""
    authority.require(actor, ADJUST_AUTHORITY, grade.village_id)
    if colour not in GradeColour.values:
        raise ValidationFailed({"colour": [_("Choose a colour.")]})
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Give the reason.")]})
    with transaction.atomic():
        grade = (
            HouseholdGrade.objects.select_for_update()
            .select_related("round", "household")
            .get(pk=grade.pk)
        )
        if is_closed(grade.round):
            raise RoundClosed(_("A later round of the area exists: this round is closed."))
        if grade.colour == colour:
            return grade
        with recording(
            actor, grade, area_code=grade.village_id, reason=reason.strip(), related=grade.household
        ):
            grade.colour = colour
            grade.adjusted_by = actor
            grade.adjusted_at = timezone.now()
            grade.adjustment_reason = reason.strip()
            grade.save()
    return grade


# ---------------------------------------------------------------- comparing rounds


@dataclass
class Comparison:
    a: GradingRound
    b: GradingRound
    # village code -> {"a": {colour: n}, "b": {colour: n}}
    villages: dict[str, dict[str, dict[str, int]]]
    up: list[dict[str, Any]]  # households more urgent in b than in a
    down: list[dict[str, Any]]
    same: int
    only_a: int
    only_b: int
    names: dict[str, str] = field(default_factory=dict)  # village code -> name (pages)

    def rows(self) -> list[dict[str, Any]]:
        """One row per village (code, name, counts of a and b) for pages and output."""
        return [
            {"code": code, "name": self.names.get(code, code), **v}
            for code, v in self.villages.items()
        ]

    def totals(self, side: str) -> dict[str, int]:
        out = dict.fromkeys(GradeColour.values, 0)
        for v in self.villages.values():
            for c, n in v[side].items():
                out[c] += n
        return out


def compare(
    a: GradingRound,
    b: GradingRound,
    prefix: str = "",
    grades: RestrictedQuerySet[HouseholdGrade] | None = None,
) -> Comparison:
    """Who moved up or down from round `a` to round `b` (by each round's final colour) and
    the counts per colour per village of both, inside the area `prefix` ("" all) and
    among `grades` (a user's scoped grades; all by default)."""

    def frame(rnd: GradingRound) -> pl.DataFrame:
        qs = (HouseholdGrade.objects.all() if grades is None else grades).filter(round=rnd)
        if prefix:
            qs = qs.in_area(prefix)
        return pl.DataFrame(
            list(qs.values_list("household_id", "village_id", "colour", "household__number")),
            schema={"id": pl.Int64, "village_id": pl.Utf8, "colour": pl.Utf8, "number": pl.Utf8},
            orient="row",
        )

    fa, fb = frame(a), frame(b)
    ranks = {str(k): v for k, v in COLOUR_RANK.items()}
    villages: dict[str, dict[str, dict[str, int]]] = {}
    for side, f in (("a", fa), ("b", fb)):
        for village, colour, n in f.group_by("village_id", "colour").len().iter_rows():
            v = villages.setdefault(
                village,
                {
                    "a": dict.fromkeys(GradeColour.values, 0),
                    "b": dict.fromkeys(GradeColour.values, 0),
                },
            )
            v[side][colour] = n
    both = fa.join(fb, on="id", suffix="_b").with_columns(
        pl.col("colour").replace_strict(ranks, return_dtype=pl.Int64).alias("rank_a"),
        pl.col("colour_b").replace_strict(ranks, return_dtype=pl.Int64).alias("rank_b"),
    )
    cols = ["id", "number_b", "village_id_b", "colour", "colour_b"]
    rename = {"number_b": "number", "village_id_b": "village", "colour": "from", "colour_b": "to"}
    up = both.filter(pl.col("rank_b") > pl.col("rank_a")).sort("id").select(cols).rename(rename)
    down = both.filter(pl.col("rank_b") < pl.col("rank_a")).sort("id").select(cols).rename(rename)
    return Comparison(
        a=a,
        b=b,
        villages=dict(sorted(villages.items())),
        up=up.to_dicts(),
        down=down.to_dicts(),
        same=both.height - up.height - down.height,
        only_a=fa.height - both.height,
        only_b=fb.height - both.height,
    )
