"""The rules of relocation, each in one place, with a row form (one household, for the
services and pages) and a column form (Polars, for the workbook import and the indicator
engine); tests prove with Hypothesis that the two forms agree.

Who may be relocated, and how (易地扶贫搬迁):
- the household is due assistance on the first day of its relocation (the handover, the
  move-in, or the day it is recorded: `fupin.assistance.due`);
- the site is in the household's county, completed before the home is handed over;
- at most 25 square metres of home a person (人均住房面积不超过25平方米);
- the site's homes and capacity are not exceeded: the households recorded at the site
  and the new one fit (a workbook's rows are taken in file order: a row that does not fit
  is refused, and so is every later row of that site);
- a home is handed over before (or on) the day the household moves in; neither after
  today;
- the old house is demolished after the move-in (先搬后拆), not after today.

Relocated on day D: moved in on or before D. The old house's demolition is overdue on D
when the household moved in, the old house is neither demolished by D nor kept, and D is
after the first anniversary of the move-in (拆旧: within a year of moving in).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
from django.utils.translation import gettext as _

from fupin.assistance.due import add_years, earliest_exit
from fupin.programmes.checks import Check

AREA_PER_PERSON = Decimal("25")
DEMOLITION_YEARS = 1
KEPT = "kept"


def _c(name: str) -> pl.Expr:
    return pl.col(name)


def _earlier(a: str, b: str) -> pl.Expr:
    """`a` is before `b` (both known)."""
    return _c(a).is_not_null() & _c(b).is_not_null() & (_c(a) < _c(b))


# A relocation: household_due, same_county (bool), people, home_area, completed_on (the
# site's, or None), handed_over_on, moved_in_on (or None), today.
RELOCATION_CHECKS = (
    Check(
        "household",
        lambda: _(
            "The household is not due assistance on the first day of its relocation (in "
            "poverty, a monitoring object, or exited within the transition period)."
        ),
        row=lambda v: not v["household_due"],
        column=lambda: ~_c("household_due"),
    ),
    Check(
        "site",
        lambda: _("The site is in another county than the household."),
        row=lambda v: not v["same_county"],
        column=lambda: ~_c("same_county"),
    ),
    Check(
        "people",
        lambda: _("At least one person."),
        row=lambda v: v["people"] < 1,
        column=lambda: _c("people") < 1,
    ),
    Check(
        "home_area",
        lambda: _("At most %(n)s square metres of home a person.") % {"n": AREA_PER_PERSON},
        row=lambda v: v["home_area"] <= 0 or v["home_area"] > AREA_PER_PERSON * v["people"],
        column=lambda: (
            (_c("home_area") <= 0) | (_c("home_area") > pl.lit(AREA_PER_PERSON) * _c("people"))
        ),
    ),
    Check(
        "handed_over_on",
        lambda: _("Not before the site was completed, and not after today."),
        row=lambda v: (
            v["handed_over_on"] is not None
            and (
                (v["completed_on"] is not None and v["handed_over_on"] < v["completed_on"])
                or v["handed_over_on"] > v["today"]
            )
        ),
        column=lambda: (
            _earlier("handed_over_on", "completed_on") | (_c("handed_over_on") > _c("today"))
        ),
    ),
    Check(
        "moved_in_on",
        lambda: _("Moved in on or after the handover, and not after today."),
        row=lambda v: (
            v["moved_in_on"] is not None
            and (
                v["handed_over_on"] is None
                or v["moved_in_on"] < v["handed_over_on"]
                or v["moved_in_on"] > v["today"]
            )
        ),
        column=lambda: (
            _c("moved_in_on").is_not_null()
            & (
                _c("handed_over_on").is_null()
                | (_c("moved_in_on") < _c("handed_over_on"))
                | (_c("moved_in_on") > _c("today"))
            )
        ),
    ),
)

# The old house demolished: moved_in_on (or None), demolished_on, today.
DEMOLITION_CHECKS = (
    Check(
        "demolished_on",
        lambda: _("Demolished after the household moved in, and not after today."),
        row=lambda v: (
            v["moved_in_on"] is None
            or v["demolished_on"] < v["moved_in_on"]
            or v["demolished_on"] > v["today"]
        ),
        column=lambda: (
            _c("moved_in_on").is_null()
            | (_c("demolished_on") < _c("moved_in_on"))
            | (_c("demolished_on") > _c("today"))
        ),
    ),
)


# Follow-up support: moved_in_on (or None), on, today.
SUPPORT_CHECKS = (
    Check(
        "on",
        lambda: _("Support follows the move: on or after the move-in, and not after today."),
        row=lambda v: (
            v["moved_in_on"] is None or v["on"] < v["moved_in_on"] or v["on"] > v["today"]
        ),
        column=lambda: (
            _c("moved_in_on").is_null() | (_c("on") < _c("moved_in_on")) | (_c("on") > _c("today"))
        ),
    ),
)

# The old house's state as a row gives it: old_house, demolished_on, kept_reason.
OLD_HOUSE_CHECKS = (
    Check(
        "old_house",
        lambda: _("A demolished house has its day; a kept one its reason; a pending one neither."),
        row=lambda v: (
            (v["old_house"] == "demolished") != (v["demolished_on"] is not None)
            or (v["old_house"] == KEPT) != bool(v["kept_reason"])
        ),
        column=lambda: (
            ((_c("old_house") == "demolished") != _c("demolished_on").is_not_null())
            | ((_c("old_house") == KEPT) != (_c("kept_reason").fill_null("") != ""))
        ),
    ),
)


def first_day(handed_over_on: dt.date | None, moved_in_on: dt.date | None, today: dt.date):
    """The day a relocation's household must be due assistance on."""
    return handed_over_on or moved_in_on or today


# ------------------------------------------------------------------ room at the site


def site_refusals(
    *, homes: int, capacity: int, used_homes: int, used_people: int, people: int
) -> list[tuple[str, str]]:
    """Row form: one more household of `people` at a site with `homes` and `capacity`
    of which `used_homes` and `used_people` are taken."""
    out = []
    if used_homes + 1 > homes:
        out.append(("site", full_homes()))
    if used_people + people > capacity:
        out.append(("site", full_people()))
    return out


def full_homes() -> str:
    return _("Every home of the site is allocated.")


def full_people() -> str:
    return _("The site's capacity (people) would be exceeded.")


def site_fit(rows: pl.DataFrame) -> pl.DataFrame:
    """Column form of `site_refusals` for a file's rows in order (columns `site_id`,
    `people`, the site's `homes`, `capacity`, `used_homes`, `used_people`): `no_home`
    and `no_room` where the row, counted with the rows of its site before it, does not
    fit. The counts only grow, so once a row does not fit no later row of its site does."""
    homes = pl.col("used_homes") + pl.int_range(1, pl.len() + 1).over("site_id")
    people = pl.col("used_people") + pl.col("people").cum_sum().over("site_id")
    return rows.with_columns(no_home=homes > pl.col("homes"), no_room=people > pl.col("capacity"))


# ------------------------------------------------------------------ relocated, overdue


def relocated_on(moved_in_on: dt.date | None, day: dt.date) -> bool:
    return moved_in_on is not None and moved_in_on <= day


def relocated_expr(day: dt.date) -> pl.Expr:
    return (_c("moved_in_on") <= day).fill_null(False)


def demolition_due(moved_in_on: dt.date) -> dt.date:
    """The last day to demolish the old house."""
    return add_years(moved_in_on, DEMOLITION_YEARS)


def demolition_overdue(r: Any, day: dt.date) -> bool:
    """Row form (r: moved_in_on, old_house, demolished_on)."""
    if r["moved_in_on"] is None or r["old_house"] == KEPT:
        return False
    if r["demolished_on"] is not None and r["demolished_on"] <= day:
        return False
    return day > demolition_due(r["moved_in_on"])


def demolition_overdue_expr(day: dt.date) -> pl.Expr:
    """Column form: `day` after the anniversary ⇔ moved in before `earliest_exit(day, 1)`
    (the first move-in day whose year still covers `day`, assistance.due's inverse of
    `add_years`), so the forms cannot drift apart."""
    cut = earliest_exit(day, DEMOLITION_YEARS)
    return (
        _c("moved_in_on").is_not_null()
        & (_c("old_house") != KEPT)
        & (_c("demolished_on").is_null() | (_c("demolished_on") > day))
        & (_c("moved_in_on") < cut)
    ).fill_null(False)


def overdue_cut(day: dt.date) -> dt.date:
    """Households that moved in before this day are past their demolition deadline on
    `day` (the queryset form's bound)."""
    return earliest_exit(day, DEMOLITION_YEARS)
