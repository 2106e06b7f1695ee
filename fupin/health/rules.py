"""The rules of health and insurance, each in one place, in a row form (one cover or
reimbursement: the services, the pages, the grading signal of one household) and a column
form (Polars: the workbook import, the indicator engine, the grading rounds) side by
side; tests prove that the two forms agree (Hypothesis).

Cover (参保), for calendar year Y:
- enrolled from 1 January of Y−1 (enrolment for a year opens in the autumn before it) to
  31 December of Y, and not after today;
- the government pays at most the premium (参保资助), and pays anything only for a
  person of a household due assistance on the day of enrolment (`assistance.due`);
- serious-illness insurance (大病保险) goes with basic medical insurance (基本医保): a
  person has it for Y only with basic cover for Y.

Insured on day D: a cover of year D.year enrolled on or before D.

Reimbursement (结算): the total cost is above zero; the layers (basic, serious illness,
medical assistance, commercial, 防贫保, other top-ups) are not negative and together pay
at most the total; what is left is paid out of pocket (`out_of_pocket`). A layer of an
insurance pays only a patient with that cover in the year of settlement (medical
assistance and other top-ups need no cover). Admitted on or before the settlement, which
is not after today.

Serious illness (the grading signal "serious_illness", fupin.monitoring.hooks): a
household has it on day D when a reimbursement of one of its members settled in the twelve
months up to D (after the same day a year before, up to D) was paid by serious-illness
insurance, or its members paid more than the threshold out of pocket over those twelve
months together (settings.FUPIN_SERIOUS_ILLNESS_OUT_OF_POCKET, 10,000 yuan unless set).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

import polars as pl
from django.conf import settings
from django.utils.translation import gettext as _

from fupin.assistance.due import add_years
from fupin.health.models import CoverKind
from fupin.programmes.rows import Refusal

K = CoverKind
LAYERS = (
    "basic_paid",
    "serious_paid",
    "assistance_paid",
    "commercial_paid",
    "prevention_paid",
    "other_paid",
)
# The layers paid by an insurance, and its cover.
LAYER_COVER = {
    "basic_paid": K.BASIC.value,
    "serious_paid": K.SERIOUS.value,
    "commercial_paid": K.COMMERCIAL.value,
    "prevention_paid": K.PREVENTION.value,
}
DEFAULT_THRESHOLD = Decimal("10000")


def out_of_pocket_threshold() -> Decimal:
    return Decimal(str(getattr(settings, "FUPIN_SERIOUS_ILLNESS_OUT_OF_POCKET", DEFAULT_THRESHOLD)))


# ------------------------------------------------------------------ reasons


def _layer_reasons() -> dict[str, str]:
    return {
        "basic_paid": _(
            "Paid by basic medical insurance, but the patient has no basic medical cover in "
            "the year of settlement."
        ),
        "serious_paid": _(
            "Paid by serious-illness insurance, but the patient has no serious-illness cover "
            "in the year of settlement."
        ),
        "commercial_paid": _(
            "Paid by commercial insurance, but the patient has no commercial cover in the "
            "year of settlement."
        ),
        "prevention_paid": _(
            "Paid by poverty-prevention insurance, but the patient has no such cover in the "
            "year of settlement."
        ),
    }


def total_reason() -> str:
    return _("Enter a total cost above zero.")


def layers_reason() -> str:
    return _("The layers together pay more than the total cost.")


def settled_reason() -> str:
    return _("Settled on or after the day of admission, and not after today.")


def enrolled_reason() -> str:
    return _(
        "Cover for year Y is enrolled from 1 January of the year before to 31 December of "
        "Y, and not after today."
    )


def subsidy_reason() -> str:
    return _("The government pays at most the premium.")


def subsidy_due_reason() -> str:
    return _(
        "The government pays premiums only for households due assistance on the day of "
        "enrolment (in poverty, monitoring objects, or within the transition period after "
        "exit)."
    )


def serious_basic_reason() -> str:
    return _("Serious-illness insurance goes with basic medical insurance of the same year.")


# ------------------------------------------------------------------ cover


def enrolled_in_time(year: int, insured_on: dt.date, today: dt.date) -> bool:
    return dt.date(year - 1, 1, 1) <= insured_on <= min(dt.date(year, 12, 31), today)


def enrolled_in_time_expr(year: pl.Expr, insured_on: pl.Expr, today: dt.date) -> pl.Expr:
    y = year.cast(pl.Int32)
    end = pl.min_horizontal(pl.date(y, 12, 31), pl.lit(today))
    return ((insured_on >= pl.date(y - 1, 1, 1)) & (insured_on <= end)).fill_null(False)


def cover_refusals(
    *,
    kind: str,
    year: int,
    insured_on: dt.date,
    premium: Decimal,
    subsidy: Decimal,
    household_due: bool,
    has_basic: bool,
    today: dt.date,
) -> list[tuple[str, str]]:
    """Why this cover may not be recorded: (field, reason) pairs; empty: it may.
    `household_due`: the person's household is due assistance on `insured_on`;
    `has_basic`: the person has basic medical cover for `year`."""
    out: list[tuple[str, str]] = []
    if not enrolled_in_time(year, insured_on, today):
        out.append(("insured_on", enrolled_reason()))
    if subsidy > premium:
        out.append(("subsidy", subsidy_reason()))
    if subsidy > 0 and not household_due:
        out.append(("subsidy", subsidy_due_reason()))
    if kind == K.SERIOUS and not has_basic:
        out.append(("kind", serious_basic_reason()))
    return out


def cover_refusal_columns(today: dt.date) -> list[Refusal]:
    """The column form of `cover_refusals` over a frame with kind, year, insured_on,
    premium, subsidy, due and has_basic."""
    premium = pl.col("premium").cast(pl.Float64)
    subsidy = pl.col("subsidy").cast(pl.Float64).fill_null(0.0)
    return [
        Refusal(
            "insured_on",
            ~enrolled_in_time_expr(pl.col("year"), pl.col("insured_on"), today),
            pl.lit(enrolled_reason()),
        ),
        Refusal("subsidy", (subsidy > premium).fill_null(False), pl.lit(subsidy_reason())),
        Refusal(
            "subsidy",
            (subsidy > 0) & ~pl.col("due").fill_null(False),
            pl.lit(subsidy_due_reason()),
        ),
        Refusal(
            "kind",
            (pl.col("kind") == K.SERIOUS.value) & ~pl.col("has_basic").fill_null(False),
            pl.lit(serious_basic_reason()),
        ),
    ]


def insured_on_day(year: int, insured_on: dt.date, day: dt.date) -> bool:
    """Whether a cover counts on `day`: of that year, enrolled on or before it."""
    return year == day.year and insured_on <= day


def insured_on_day_expr(
    day: dt.date, year: str = "year", insured_on: str = "insured_on"
) -> pl.Expr:
    return ((pl.col(year) == day.year) & (pl.col(insured_on) <= day)).fill_null(False)


# ------------------------------------------------------------------ reimbursements


def out_of_pocket(total: Decimal, layers: Mapping[str, Decimal]) -> Decimal:
    """What the patient paid: the total less every layer."""
    return total - sum((layers.get(name, Decimal(0)) for name in LAYERS), Decimal(0))


def out_of_pocket_expr() -> pl.Expr:
    """The column form of `out_of_pocket` (decimal columns total_cost and the layers)."""
    paid = pl.sum_horizontal(pl.col(name).fill_null(0) for name in LAYERS)
    return pl.col("total_cost") - paid


def reimbursement_refusals(
    *,
    total_cost: Decimal,
    layers: Mapping[str, Decimal],
    admitted_on: dt.date,
    settled_on: dt.date,
    covers: Iterable[str],
    today: dt.date,
) -> list[tuple[str, str]]:
    """Why this reimbursement may not be recorded: (field, reason) pairs; empty: it may.
    `covers`: the kinds of cover the patient has for the year of `settled_on`."""
    held = set(covers)
    out: list[tuple[str, str]] = []
    if total_cost <= 0:
        out.append(("total_cost", total_reason()))
    elif out_of_pocket(total_cost, layers) < 0:
        out.append(("total_cost", layers_reason()))
    if not admitted_on <= settled_on <= today:
        out.append(("settled_on", settled_reason()))
    reasons = _layer_reasons()
    for layer, kind in LAYER_COVER.items():
        if layers.get(layer, Decimal(0)) > 0 and kind not in held:
            out.append((layer, reasons[layer]))
    return out


def cover_flags(covers: pl.DataFrame) -> pl.DataFrame:
    """member_id, year and one column `has_<kind>` per cover kind: the cover each person
    holds in each year, from rows of (member_id, year, kind) (the column form's input)."""
    if covers.is_empty():
        return pl.DataFrame(
            schema={
                "member_id": pl.Int64,
                "year": pl.Int64,
                **{f"has_{k}": pl.Boolean for k in K.values},
            }
        )
    return (
        covers.select(pl.col("member_id").cast(pl.Int64), pl.col("year").cast(pl.Int64), "kind")
        .group_by("member_id", "year")
        .agg(pl.col("kind"))
        .with_columns(**{f"has_{k}": pl.col("kind").list.contains(k) for k in K.values})
        .drop("kind")
    )


def with_cover_flags(rows: pl.DataFrame, covers: pl.DataFrame, year: pl.Expr) -> pl.DataFrame:
    """Rows (member_id) with the `has_<kind>` flags of the person's cover in `year` (e.g.
    the year of settlement); a person without cover has every flag false."""
    flags = cover_flags(covers)
    return (
        rows.with_columns(year.cast(pl.Int64).alias("year"))
        .join(flags, on=["member_id", "year"], how="left")
        .with_columns(pl.col(f"has_{k}").fill_null(False) for k in K.values)
    )


def reimbursement_refusal_columns(today: dt.date) -> list[Refusal]:
    """The column form of `reimbursement_refusals` over a frame with total_cost, the
    layers (decimals, null as 0), admitted_on, settled_on and one boolean column per
    cover kind, `has_<kind>` (the patient's cover in the year of settlement)."""
    total = pl.col("total_cost")
    reasons = _layer_reasons()
    out = [
        Refusal("total_cost", (total <= 0).fill_null(True), pl.lit(total_reason())),
        Refusal("total_cost", (total > 0) & (out_of_pocket_expr() < 0), pl.lit(layers_reason())),
        Refusal(
            "settled_on",
            ~(
                (pl.col("admitted_on") <= pl.col("settled_on")) & (pl.col("settled_on") <= today)
            ).fill_null(False),
            pl.lit(settled_reason()),
        ),
    ]
    for layer, kind in LAYER_COVER.items():
        out.append(
            Refusal(
                layer,
                (pl.col(layer).fill_null(0) > 0) & ~pl.col(f"has_{kind}").fill_null(False),
                pl.lit(reasons[layer]),
            )
        )
    return out


# ------------------------------------------------------------------ serious illness


def window_start(as_of: dt.date) -> dt.date:
    """The twelve months up to `as_of` start after this day (the same day a year before)."""
    return add_years(as_of, -1)


def serious_illness(
    reimbursements: Iterable[tuple[dt.date, Decimal, Decimal]],
    as_of: dt.date,
    threshold: Decimal,
) -> bool:
    """Row form for one household: its members' reimbursements as (settled_on,
    serious_paid, out_of_pocket)."""
    start = window_start(as_of)
    recent = [r for r in reimbursements if start < r[0] <= as_of]
    if any(serious > 0 for _day, serious, _own in recent):
        return True
    return sum((own for _day, _serious, own in recent), Decimal(0)) > threshold


def serious_illness_households(
    frame: pl.DataFrame, as_of: dt.date, threshold: Decimal
) -> pl.DataFrame:
    """Column form: household_id, serious_illness for every household of `frame`
    (household_id, settled_on, serious_paid, out_of_pocket: decimals)."""
    start = window_start(as_of)
    recent = frame.filter((pl.col("settled_on") > start) & (pl.col("settled_on") <= as_of))
    per = recent.group_by("household_id").agg(
        serious=(pl.col("serious_paid") > 0).any(),
        own=pl.col("out_of_pocket").sum(),
    )
    limit = pl.lit(str(threshold)).cast(per.schema["own"]) if per.height else pl.lit(0)
    flagged = per.select(
        "household_id", (pl.col("serious") | (pl.col("own") > limit)).alias("serious_illness")
    )
    return (
        frame.select("household_id")
        .unique()
        .join(flagged, on="household_id", how="left")
        .with_columns(pl.col("serious_illness").fill_null(False))
    )


# ------------------------------------------------------------------ the figures

COVER_ROWS = {
    "household_id": pl.Int64,
    "member_id": pl.Int64,
    "year": pl.Int64,
    "insured_on": pl.String,
}
PAY_ROWS = {"household_id": pl.Int64, "cost": pl.String, "own": pl.String}


def household_counts(cover: pl.DataFrame, pays: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Per household (the one each row was recorded for): the people insured on `as_of`
    by basic medical insurance (`cover`: basic cover of the year, `insured_on_day_expr`),
    and the total cost and out-of-pocket part of `pays` (the reimbursements of the
    period, yuan)."""
    insured = (
        cover.filter(insured_on_day_expr(as_of))
        .group_by("household_id")
        .agg(med_insured=pl.col("member_id").n_unique())
    )
    costs = pays.group_by("household_id").agg(
        med_cost=pl.col("cost").cast(pl.Float64).sum().round(2),
        med_out_of_pocket=pl.col("own").cast(pl.Float64).sum().round(2),
    )
    return insured.join(costs, on="household_id", how="full", coalesce=True).with_columns(
        pl.col("med_insured").fill_null(0),
        pl.col("med_cost").fill_null(0.0),
        pl.col("med_out_of_pocket").fill_null(0.0),
    )
