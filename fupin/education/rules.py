"""The rules of education aid, each in one place, in a row form (one benefit or case: the
services and pages) and a column form (Polars: the workbook import and the indicator
engine) side by side; tests prove that the two forms agree (Hypothesis).

Which benefit at which stage of schooling (`KIND_STAGES`):
- 两免一补 (free tuition and textbooks, a living subsidy for boarders): compulsory
  education only, primary and junior secondary;
- 助学金 (grants): the stages outside compulsory education (kindergarten, senior
  secondary, secondary vocational, technician college, higher vocational, undergraduate,
  postgraduate); a compulsory-school pupil gets 两免一补 instead;
- 雨露计划 (Rainbow Plan): vocational education only (secondary vocational, technician
  college, higher vocational).

Who may receive a benefit paid on day D: a current member of a household due assistance
on D (`assistance.due`: in poverty, a monitoring object, or exited within the transition
period after exit: 脱贫不脱政策).

When: paid on or before today, within the calendar years of its school year (school year
Y runs from September Y to August Y+1: paid from 1 January Y to 31 December Y+1, which
leaves room for a term's money paid ahead or late). The amount is above zero.

A dropout case (辍学) is for a child of compulsory-school age on the day it was found out
of school (`quality.rules.SCHOOL_AGE`, 6 to 15 completed years: the ages data-quality
rule Q06 checks), found on or before today; a child has one open case at a time. A case is
open on day D when found on or before D and not closed on or before D.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
from django.utils.translation import gettext as _

from fupin.education.models import AidKind, Stage
from fupin.programmes.rows import Refusal
from fupin.quality.rules import SCHOOL_AGE
from fupin.registry.ages import age_on, age_on_expr

K, S = AidKind, Stage
COMPULSORY = (S.PRIMARY.value, S.JUNIOR.value)
VOCATIONAL = (S.VOCATIONAL.value, S.TECHNICIAN.value, S.HIGHER_VOCATIONAL.value)
KIND_STAGES: dict[str, tuple[str, ...]] = {
    K.TWO_EXEMPTIONS.value: COMPULSORY,
    K.GRANT.value: tuple(s for s in S.values if s not in COMPULSORY),
    K.RAINBOW_PLAN.value: VOCATIONAL,
}


def _stage_reasons() -> dict[str, str]:
    return {
        K.TWO_EXEMPTIONS.value: _(
            "两免一补 is for pupils in compulsory education (primary and junior secondary)."
        ),
        K.GRANT.value: _(
            "A grant is for students outside compulsory education; a primary or junior "
            "secondary pupil gets 两免一补."
        ),
        K.RAINBOW_PLAN.value: _(
            "The Rainbow Plan subsidy is for students of secondary vocational schools, "
            "technician colleges and higher vocational colleges."
        ),
    }


def not_due_reason() -> str:
    return _(
        "The household is not due assistance on the day of payment: only households in "
        "poverty, monitoring objects and households within the transition period after "
        "exit receive education aid."
    )


def paid_when_reason() -> str:
    return _(
        "A benefit of school year Y is paid between 1 January of Y and 31 December of the "
        "year after, and not after today."
    )


def amount_reason() -> str:
    return _("Enter an amount above zero.")


# ------------------------------------------------------------------ benefits, row form


def stage_fits(kind: str, stage: str) -> bool:
    return stage in KIND_STAGES.get(kind, ())


def paid_in_time(school_year: int, paid_on: dt.date, today: dt.date) -> bool:
    return dt.date(school_year, 1, 1) <= paid_on <= min(dt.date(school_year + 1, 12, 31), today)


def aid_refusals(
    *,
    kind: str,
    stage: str,
    school_year: int,
    paid_on: dt.date,
    amount: Decimal,
    household_due: bool,
    today: dt.date,
) -> list[tuple[str, str]]:
    """Why this benefit may not be recorded: (field, reason) pairs; empty: it may.
    `household_due`: the student's household is due assistance on `paid_on`
    (`assistance.due`)."""
    out: list[tuple[str, str]] = []
    if not stage_fits(kind, stage):
        out.append(("stage", _stage_reasons().get(kind, _("Unknown benefit."))))
    if not paid_in_time(school_year, paid_on, today):
        out.append(("paid_on", paid_when_reason()))
    if amount <= 0:
        out.append(("amount", amount_reason()))
    if not household_due:
        out.append(("household", not_due_reason()))
    return out


# ------------------------------------------------------------------ benefits, column form


def stage_fits_expr(kind: pl.Expr, stage: pl.Expr) -> pl.Expr:
    fits = pl.lit(False)
    for k, stages in KIND_STAGES.items():
        fits = pl.when(kind == k).then(stage.is_in(list(stages))).otherwise(fits)
    return fits.fill_null(False)


def paid_in_time_expr(school_year: pl.Expr, paid_on: pl.Expr, today: dt.date) -> pl.Expr:
    year = school_year.cast(pl.Int32)
    start = pl.date(year, 1, 1)
    end = pl.min_horizontal(pl.date(year + 1, 12, 31), pl.lit(today))
    return ((paid_on >= start) & (paid_on <= end)).fill_null(False)


def aid_refusal_columns(today: dt.date) -> list[Refusal]:
    """The column form of `aid_refusals` over a frame with kind, stage, school_year,
    paid_on, amount (yuan) and due (the household due assistance on paid_on)."""
    kind = pl.col("kind")
    return [
        Refusal(
            "stage",
            ~stage_fits_expr(kind, pl.col("stage")),
            kind.replace_strict(_stage_reasons(), default=_("Unknown benefit.")),
        ),
        Refusal(
            "paid_on",
            ~paid_in_time_expr(pl.col("school_year"), pl.col("paid_on"), today),
            pl.lit(paid_when_reason()),
        ),
        Refusal(
            "amount",
            (pl.col("amount").cast(pl.Float64) <= 0).fill_null(True),
            pl.lit(amount_reason()),
        ),
        Refusal("household", ~pl.col("due").fill_null(False), pl.lit(not_due_reason())),
    ]


# ------------------------------------------------------------------ dropout cases


def school_age(age: int) -> bool:
    lo, hi = SCHOOL_AGE
    return lo <= age <= hi


def school_age_reason() -> str:
    lo, hi = SCHOOL_AGE
    return _(
        "A dropout case is for a child of compulsory-school age (%(lo)d to %(hi)d) on the "
        "day found out of school."
    ) % {"lo": lo, "hi": hi}


def found_when_reason() -> str:
    return _("The day found out of school cannot be after today.")


def open_case_reason() -> str:
    return _("This child has an open dropout case already.")


def dropout_refusals(
    *, birth_date: dt.date, opened_on: dt.date, has_open: bool, today: dt.date
) -> list[tuple[str, str]]:
    """Why a dropout case may not be opened: (field, reason) pairs; empty: it may.
    `has_open`: the child has an open case already."""
    out: list[tuple[str, str]] = []
    if not school_age(age_on(birth_date, opened_on)):
        out.append(("member", school_age_reason()))
    if opened_on > today:
        out.append(("opened_on", found_when_reason()))
    if has_open:
        out.append(("member", open_case_reason()))
    return out


def dropout_refusal_columns(today: dt.date) -> list[Refusal]:
    """The column form of `dropout_refusals` over a frame with birth_date, opened_on and
    has_open."""
    lo, hi = SCHOOL_AGE
    age = age_on_expr(pl.col("birth_date"), pl.col("opened_on"))
    return [
        Refusal("member", ~age.is_between(lo, hi).fill_null(False), pl.lit(school_age_reason())),
        Refusal(
            "opened_on", (pl.col("opened_on") > today).fill_null(True), pl.lit(found_when_reason())
        ),
        Refusal("member", pl.col("has_open").fill_null(False), pl.lit(open_case_reason())),
    ]


def is_open_on(opened_on: dt.date, closed_on: dt.date | None, day: dt.date) -> bool:
    return opened_on <= day and (closed_on is None or closed_on > day)


def open_on_expr(day: dt.date, opened: str = "opened_on", closed: str = "closed_on") -> pl.Expr:
    """The column form of `is_open_on`."""
    return (
        (pl.col(opened) <= day) & (pl.col(closed).is_null() | (pl.col(closed) > day))
    ).fill_null(False)


# ------------------------------------------------------------------ the figures

AID_ROWS = {"household_id": pl.Int64, "member_id": pl.Int64, "kind": pl.String, "amount": pl.String}
CASE_ROWS = {
    "household_id": pl.Int64,
    "member_id": pl.Int64,
    "opened_on": pl.String,
    "closed_on": pl.String,
}


def household_counts(aid: pl.DataFrame, cases: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Per household (the one each row was recorded for): the students paid a benefit
    (`aid`: the benefits of the period), those on the Rainbow Plan, the amount (yuan),
    and the children with a dropout case open on `as_of` (`open_on_expr`)."""
    paid = aid.group_by("household_id").agg(
        edu_students=pl.col("member_id").n_unique(),
        edu_rainbow=pl.col("member_id").filter(pl.col("kind") == K.RAINBOW_PLAN.value).n_unique(),
        edu_amount=pl.col("amount").cast(pl.Float64).sum().round(2),
    )
    out_of_school = (
        cases.filter(open_on_expr(as_of))
        .group_by("household_id")
        .agg(edu_dropouts=pl.col("member_id").n_unique())
    )
    return paid.join(out_of_school, on="household_id", how="full", coalesce=True).with_columns(
        pl.col("edu_students").fill_null(0),
        pl.col("edu_rainbow").fill_null(0),
        pl.col("edu_dropouts").fill_null(0),
        pl.col("edu_amount").fill_null(0.0),
    )
