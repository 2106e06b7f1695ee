"""The data-quality rules (capability Q), each a vectorised Polars expression.

A rule reads the `Frames` of one area (households, their active members, each
household's latest income record, and the deaths recorded as member changes) and returns
one row per violation: `household_id`, `member_id` (null for household-level rules) and up
to three display values `a`, `b`, `c` (strings) that fill the rule's `detail` template.

What is checked: households that are not `removed` from the registry, and their active
members (people who left are history). Income rules read each household's latest income
record only. Money is read as integer cents, so comparisons are exact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fupin.core.masking import mask_expr
from fupin.policy.comparisons import under_line_expr
from fupin.quality.lines import income_lines_frame
from fupin.registry import choices as c
from fupin.registry import idframes
from fupin.registry import income as income_rule
from fupin.registry.ages import age_on_expr
from fupin.registry.models import IncomeRecord, Member

ERROR = "error"
WARNING = "warning"
SEVERITIES = {ERROR: _("Error"), WARNING: _("Warning")}

# Compulsory schooling (义务教育) covers ages 6 to 15 (DOMAIN §2, 三保障).
SCHOOL_AGE = (6, 15)
NOT_IN_SCHOOL = ("", c.SchoolStatus.PRESCHOOL_CHILD.value, c.SchoolStatus.KINDERGARTEN.value)
# Health reasons excuse a child from school (DOMAIN §2: "except for health reasons").
EXCUSED_HEALTH = (c.Health.SERIOUS.value, c.Health.DISABLED.value)
# A head of household must be at least 16: under the Civil Code (民法典 art. 18) a person
# of 16 or 17 who lives on their own labour has full civil capacity, so such heads are
# real (orphaned siblings); a head under 16 is an entry error.
HEAD_MIN_AGE = 16
MAX_AGE = 100
# A poor household whose net income per person is at least this many times the line.
FAR_ABOVE = 2
POOR_STATUSES = (c.HouseholdStatus.POOR.value, c.HouseholdStatus.RETURNED.value)
INCOME_COLUMNS = income_rule.INCOME_FIELDS
MONEY_COLUMNS = income_rule.MONEY_FIELDS
REQUIRED_MEMBER_FIELDS = ("id_number", "name", "sex", "relation", "labour")

VIOLATION_SCHEMA = {
    "household_id": pl.Int64,
    "member_id": pl.Int64,
    "a": pl.String,
    "b": pl.String,
    "c": pl.String,
}

HOUSEHOLD_SCHEMA = {
    "id": pl.Int64,
    "number": pl.String,
    "village_code": pl.String,
    "status": pl.String,
    "main_cause": pl.String,
}
MEMBER_SCHEMA = {
    "id": pl.Int64,
    "household_id": pl.Int64,
    "id_number": pl.String,
    "name": pl.String,
    "sex": pl.String,
    "birth_date": pl.Date,
    "relation": pl.String,
    "education": pl.String,
    "school_status": pl.String,
    "health": pl.String,
    "labour": pl.String,
}
INCOME_SCHEMA = {
    "household_id": pl.Int64,
    "year": pl.Int64,
    "household_size": pl.Int64,
    **{name: pl.Int64 for name in MONEY_COLUMNS},  # cents
}
DEATH_SCHEMA = {"member_id": pl.Int64, "date": pl.Date}


@dataclass(frozen=True)
class Frames:
    """What the rules read, for one area. Build with `selectors.load_frames`."""

    households: pl.DataFrame
    members: pl.DataFrame  # active members of those households
    incomes: pl.DataFrame  # the latest income record of each household
    deaths: pl.DataFrame  # member changes of kind "death"
    today: dt.date
    cache: dict = field(default_factory=dict, compare=False, repr=False)  # shared columns

    @classmethod
    def build(
        cls,
        *,
        households: Sequence[dict[str, Any]] | pl.DataFrame = (),
        members: Sequence[dict[str, Any]] | pl.DataFrame = (),
        incomes: Sequence[dict[str, Any]] | pl.DataFrame = (),
        deaths: Sequence[dict[str, Any]] | pl.DataFrame = (),
        today: dt.date | None = None,
    ) -> Frames:
        """Frames from rows (missing columns get defaults); used by tests and loaders."""
        return cls(
            households=_frame(households, HOUSEHOLD_SCHEMA),
            members=_frame(members, MEMBER_SCHEMA),
            incomes=_frame(incomes, INCOME_SCHEMA),
            deaths=_frame(deaths, DEATH_SCHEMA),
            today=today or dt.date.today(),
        )


def _frame(rows, schema: dict) -> pl.DataFrame:
    if isinstance(rows, pl.DataFrame):
        return rows.select([pl.col(k).cast(v) for k, v in schema.items()])
    rows = list(rows)
    defaults = {k: ("" if v == pl.String else 0) for k, v in schema.items()}
    filled = [{**defaults, **r} for r in rows]
    return (
        pl.DataFrame(filled, schema=schema, orient="row") if filled else pl.DataFrame(schema=schema)
    )


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    title: Promise
    explanation: Promise
    detail: Promise  # a template over %(a)s, %(b)s, %(c)s
    check: Callable[[Frames], pl.DataFrame]
    field_lists: tuple[str, ...] = field(default=())  # which of a/b/c hold field names
    choices: dict = field(default_factory=dict)  # a/b/c holding a code of this code list

    @property
    def severity_label(self) -> str:
        return str(SEVERITIES[self.severity])

    def describe(self, a: str | None, b: str | None, c: str | None) -> str:
        values = {"a": a or "", "b": b or "", "c": c or ""}
        for key in self.field_lists:
            values[key] = "、".join(_field_label(f) for f in values[key].split(",") if f)
        for key, choices in self.choices.items():
            labels = {str(k): v for k, v in choices.choices}
            values[key] = str(labels.get(values[key], values[key] or "—"))
        return str(self.detail) % values


def _field_label(name: str) -> str:
    for model in (Member, IncomeRecord):
        try:
            found = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(found, models.Field):
            return str(found.verbose_name)
    return name


# ------------------------------------------------------------------ helpers


def _out(df: pl.DataFrame, household: str = "household_id", member: str | None = None, **vals):
    """Shape a rule's result: household_id, member_id, a, b, c (all strings)."""
    cols = [
        pl.col(household).cast(pl.Int64).alias("household_id"),
        (pl.col(member) if member else pl.lit(None)).cast(pl.Int64).alias("member_id"),
    ]
    for key in ("a", "b", "c"):
        expr = vals.get(key)
        cols.append((expr if expr is not None else pl.lit(None)).cast(pl.String).alias(key))
    return df.select(cols)


def age_expr(today: dt.date, birth: str = "birth_date") -> pl.Expr:
    """Completed years on `today` (`registry.ages.age_on_expr`)."""
    return age_on_expr(pl.col(birth), pl.lit(today, dtype=pl.Date))


def _yuan(cents: pl.Expr) -> pl.Expr:
    return (cents.cast(pl.Float64) / 100).round(2).cast(pl.String)


def _with_lines(incomes: pl.DataFrame, households: pl.DataFrame) -> pl.DataFrame:
    """Each income row with the line of its year in its household's county (the policy
    sets' `income_lines_frame`: a province's own line where it has one)."""
    counties = households.select(
        pl.col("id").alias("household_id"), pl.col("village_code").str.slice(0, 6).alias("county")
    )
    with_county = incomes.join(counties, on="household_id", how="inner")
    years = [int(y) for y in with_county.get_column("year").unique().to_list()]
    codes = with_county.get_column("county").unique().to_list()
    lines = income_lines_frame(years, codes)
    return with_county.join(lines, on=["county", "year"], how="inner").with_columns(
        # 人均纯收入 in fen, by the registry's one rule (half away from zero).
        per_person=income_rule.net_per_person_expr()
    )


def _id_parts(f: Frames) -> pl.DataFrame:
    """ID-number checks of GB 11643 (the same rules as registry.idnumber.parse), computed
    once per Frames for Q07–Q09."""
    if "id_parts" not in f.cache:
        f.cache["id_parts"] = _compute_id_parts(f.members)
    return f.cache["id_parts"]


def _compute_id_parts(members: pl.DataFrame) -> pl.DataFrame:
    s = pl.col("id_number")
    return members.with_columns(
        id_ok=idframes.valid(s),
        id_birth=idframes.birth_date(s),
        id_sex=idframes.sex(s),
    )


class BothOrNeither(models.TextChoices):
    BOTH = "both", _("both filled")
    NONE = "none", _("neither filled")


# ------------------------------------------------------------------ the rules


def q01_size(f: Frames) -> pl.DataFrame:
    counts = f.members.group_by("household_id").agg(active=pl.len())
    df = (
        f.incomes.join(counts, on="household_id", how="left")
        .with_columns(pl.col("active").fill_null(0))
        .filter(pl.col("household_size") != pl.col("active"))
    )
    return _out(df, a=pl.col("year"), b=pl.col("household_size"), c=pl.col("active"))


def q02_negative(f: Frames) -> pl.DataFrame:
    names = pl.concat_list(
        [pl.when(pl.col(n) < 0).then(pl.lit(n)).otherwise(None) for n in MONEY_COLUMNS]
    ).list.drop_nulls()
    df = f.incomes.with_columns(neg=names).filter(pl.col("neg").list.len() > 0)
    return _out(df, a=pl.col("year"), b=pl.col("neg").list.join(","))


def q03_no_expenses(f: Frames) -> pl.DataFrame:
    df = f.incomes.filter((pl.col("production") > 0) & (pl.col("production_expenses") == 0))
    return _out(df, a=pl.col("year"), b=_yuan(pl.col("production")))


def _status_income(f: Frames) -> pl.DataFrame:
    return _with_lines(f.incomes, f.households).join(
        f.households.select(pl.col("id").alias("household_id"), "status"), on="household_id"
    )


def q04_exited_under_line(f: Frames) -> pl.DataFrame:
    df = _status_income(f).filter(
        (pl.col("status") == c.HouseholdStatus.EXITED.value)
        & under_line_expr(pl.col("per_person"), pl.col("line_cents"))
    )
    return _out(df, a=pl.col("year"), b=_yuan(pl.col("per_person")), c=_yuan(pl.col("line_cents")))


def q05_poor_far_above(f: Frames) -> pl.DataFrame:
    df = _status_income(f).filter(
        pl.col("status").is_in(POOR_STATUSES)
        & (pl.col("per_person") >= FAR_ABOVE * pl.col("line_cents"))
    )
    return _out(df, a=pl.col("year"), b=_yuan(pl.col("per_person")), c=_yuan(pl.col("line_cents")))


def q06_not_in_school(f: Frames) -> pl.DataFrame:
    lo, hi = SCHOOL_AGE
    status = pl.col("school_status").fill_null("")
    df = f.members.with_columns(age=age_expr(f.today)).filter(
        pl.col("age").is_between(lo, hi)
        & status.is_in(NOT_IN_SCHOOL)
        & ~pl.col("health").is_in(EXCUSED_HEALTH)
        # A 6-year-old may still be in kindergarten (school entry depends on the birthday).
        & ~((pl.col("age") == lo) & (status != ""))
    )
    return _out(df, member="id", a=pl.col("age"), b=status)


def _masked(expr: pl.Expr) -> pl.Expr:
    return mask_expr(expr, "id_number")


def q07_id_invalid(f: Frames) -> pl.DataFrame:
    df = _id_parts(f).filter(~pl.col("id_ok") & (pl.col("id_number") != ""))
    return _out(df, member="id", a=_masked(pl.col("id_number")))


def q08_birth_vs_id(f: Frames) -> pl.DataFrame:
    df = _id_parts(f).filter(pl.col("id_ok") & (pl.col("id_birth") != pl.col("birth_date")))
    return _out(
        df,
        member="id",
        a=pl.col("birth_date").dt.to_string("%Y-%m-%d"),
        b=pl.col("id_birth").dt.to_string("%Y-%m-%d"),
    )


def q09_sex_vs_id(f: Frames) -> pl.DataFrame:
    df = _id_parts(f).filter(
        pl.col("id_ok") & (pl.col("sex") != "") & (pl.col("id_sex") != pl.col("sex"))
    )
    return _out(df, member="id", a=pl.col("sex"), b=pl.col("id_sex"))


def q10_born_in_future(f: Frames) -> pl.DataFrame:
    df = f.members.filter(pl.col("birth_date") > f.today)
    return _out(df, member="id", a=pl.col("birth_date").dt.to_string("%Y-%m-%d"))


def q11_over_100(f: Frames) -> pl.DataFrame:
    df = f.members.with_columns(age=age_expr(f.today)).filter(pl.col("age") > MAX_AGE)
    return _out(df, member="id", a=pl.col("age"))


def q12_head_minor(f: Frames) -> pl.DataFrame:
    df = f.members.with_columns(age=age_expr(f.today)).filter(
        (pl.col("relation") == c.Relation.HEAD.value) & (pl.col("age") < HEAD_MIN_AGE)
    )
    return _out(df, member="id", a=pl.col("age"))


def q13_deceased_active(f: Frames) -> pl.DataFrame:
    deaths = f.deaths.group_by("member_id").agg(pl.col("date").max())
    df = f.members.join(deaths, left_on="id", right_on="member_id", how="inner")
    return _out(df, member="id", a=pl.col("date").dt.to_string("%Y-%m-%d"))


def q14_same_person(f: Frames) -> pl.DataFrame:
    """Within one county: the check gives the same answer at any level that covers it."""
    keys = ["county", "name", "birth_date", "sex"]
    county = f.households.select(
        pl.col("id").alias("household_id"), pl.col("village_code").str.slice(0, 6).alias("county")
    )
    m = f.members.filter(pl.col("name") != "").join(county, on="household_id")
    groups = m.group_by(keys).agg(n=pl.col("household_id").n_unique()).filter(pl.col("n") > 1)
    df = m.join(groups, on=keys, how="inner")
    return _out(df, member="id", a=pl.col("n"))


def q15_no_main_cause(f: Frames) -> pl.DataFrame:
    df = f.households.filter(pl.col("main_cause").fill_null("") == "")
    return _out(df, household="id")


def q16_heads(f: Frames) -> pl.DataFrame:
    df = (
        f.members.group_by("household_id")
        .agg(heads=(pl.col("relation") == c.Relation.HEAD.value).sum())
        .filter(pl.col("heads") != 1)
    )
    return _out(df, a=pl.col("heads"))


def q17_no_members(f: Frames) -> pl.DataFrame:
    df = f.households.join(
        f.members.select("household_id").unique(),
        left_on="id",
        right_on="household_id",
        how="anti",
    )
    return _out(df, household="id")


def q18_required_fields(f: Frames) -> pl.DataFrame:
    names = pl.concat_list(
        [
            pl.when(pl.col(n).fill_null("") == "").then(pl.lit(n)).otherwise(None)
            for n in REQUIRED_MEMBER_FIELDS
        ]
    ).list.drop_nulls()
    df = f.members.with_columns(empty=names).filter(pl.col("empty").list.len() > 0)
    return _out(df, member="id", a=pl.col("empty").list.join(","))


def q19_education_and_school(f: Frames) -> pl.DataFrame:
    edu = pl.col("education").fill_null("") != ""
    school = pl.col("school_status").fill_null("") != ""
    df = f.members.filter(edu == school)
    return _out(df, member="id", a=pl.when(edu).then(pl.lit("both")).otherwise(pl.lit("none")))


RULES: tuple[Rule, ...] = (
    Rule(
        "Q01",
        WARNING,
        _("Household size differs from the members"),
        _(
            "The household size in the latest income record should equal the number of "
            "people now in the household; otherwise income per person is wrong."
        ),
        _("Income record %(a)s counts %(b)s people; the household has %(c)s active members."),
        q01_size,
    ),
    Rule(
        "Q02",
        ERROR,
        _("Negative income component"),
        _("Income components and production expenses cannot be negative."),
        _("Income record %(a)s: negative %(b)s."),
        q02_negative,
        field_lists=("b",),
    ),
    Rule(
        "Q03",
        WARNING,
        _("Production income without expenses"),
        _(
            "Production and business income is counted gross; it always has some "
            "production expenses to subtract."
        ),
        _("Income record %(a)s: production income %(b)s yuan, expenses 0."),
        q03_no_expenses,
    ),
    Rule(
        "Q04",
        ERROR,
        _("Exited household under the line"),
        _(
            "A household marked as exited must have a net income per person above the "
            "poverty line of the year (after 2020, the monitoring threshold)."
        ),
        _("Net income per person in %(a)s: %(b)s yuan; the line is %(c)s yuan."),
        q04_exited_under_line,
    ),
    Rule(
        "Q05",
        WARNING,
        _("Poor household far above the line"),
        _(
            "A household still in poverty whose net income per person is at least twice "
            "the line of the year: check the income or the status."
        ),
        _("Net income per person in %(a)s: %(b)s yuan; the line is %(c)s yuan."),
        q05_poor_far_above,
    ),
    Rule(
        "Q06",
        ERROR,
        _("Child of compulsory-school age not in school"),
        _(
            "Children aged 6 to 15 must be in school unless their health prevents it; a "
            "6-year-old may still be in kindergarten."
        ),
        _("Age %(a)s, school status: %(b)s."),
        q06_not_in_school,
        choices={"b": c.SchoolStatus},
    ),
    Rule(
        "Q07",
        ERROR,
        _("Invalid ID number"),
        _("The ID number fails the national format, birth date or check-digit rules."),
        _("ID number %(a)s."),
        q07_id_invalid,
    ),
    Rule(
        "Q08",
        ERROR,
        _("Birth date differs from the ID number"),
        _("The birth date entered must equal the one contained in the ID number."),
        _("Entered %(a)s; the ID number says %(b)s."),
        q08_birth_vs_id,
    ),
    Rule(
        "Q09",
        ERROR,
        _("Sex differs from the ID number"),
        _("The 17th digit of the ID number is odd for men and even for women."),
        _("Entered %(a)s; the ID number says %(b)s."),
        q09_sex_vs_id,
        choices={"a": c.Sex, "b": c.Sex},
    ),
    Rule(
        "Q10",
        ERROR,
        _("Birth date in the future"),
        _("A birth date cannot be later than today."),
        _("Birth date %(a)s."),
        q10_born_in_future,
    ),
    Rule(
        "Q11",
        WARNING,
        _("Member aged over 100"),
        _("People over 100 are rare: check the birth date, or whether the person has died."),
        _("Age %(a)s."),
        q11_over_100,
    ),
    Rule(
        "Q12",
        ERROR,
        _("Head of household under 16"),
        _(
            "The head of household must be at least 16 (a 16- or 17-year-old living on "
            "their own labour has full civil capacity)."
        ),
        _("Age %(a)s."),
        q12_head_minor,
    ),
    Rule(
        "Q13",
        ERROR,
        _("Deceased member still in the household"),
        _("A member whose death was recorded must have left the household."),
        _("Death recorded on %(a)s."),
        q13_deceased_active,
    ),
    Rule(
        "Q14",
        WARNING,
        _("Possibly the same person in two households"),
        _(
            "Active members with the same name, birth date and sex in different households "
            "of one county (within the area you may see). The same ID number cannot be "
            "active twice (the database forbids it), so a duplicate usually carries a "
            "mistyped ID number."
        ),
        _("The same name, birth date and sex appear in %(a)s households."),
        q14_same_person,
    ),
    Rule(
        "Q15",
        ERROR,
        _("Main poverty cause missing"),
        _("Every registered household has one main poverty cause."),
        _("No main poverty cause."),
        q15_no_main_cause,
    ),
    Rule(
        "Q16",
        ERROR,
        _("Not exactly one head of household"),
        _("Among the active members exactly one is the head of household."),
        _("%(a)s heads of household."),
        q16_heads,
    ),
    Rule(
        "Q17",
        ERROR,
        _("Household without members"),
        _("A registered household has at least one active member."),
        _("No active members."),
        q17_no_members,
    ),
    Rule(
        "Q18",
        ERROR,
        _("Required member field empty"),
        _("ID number, name, sex, relation to the head and labour capacity are required."),
        _("Empty: %(a)s."),
        q18_required_fields,
        field_lists=("a",),
    ),
    Rule(
        "Q19",
        WARNING,
        _("Education and school status both or neither filled"),
        _(
            "A person has either an education level (not in school) or a school status "
            "(in school or below school age), never both and never neither."
        ),
        _("Education and school status: %(a)s."),
        q19_education_and_school,
        choices={"a": BothOrNeither},
    ),
)

RULES_BY_CODE = {r.code: r for r in RULES}
