"""The rules of public-welfare posts and employment, each in one place, with a row form
(one record, for the services and pages) and a column form (Polars, for the workbook
import, the indicator engine and the grading signal). Tests prove with Hypothesis that
the two forms agree.

Who may hold a post (公益性岗位), on its first day:
- the household is due assistance that day (`fupin.assistance.due`: in poverty, a
  monitoring object, or exited within the transition period: 脱贫不脱帮扶);
- the holder is a current member, able to work (labour capacity skilled, ordinary, or
  weak or half labour: weak labourers are whom these posts are for), aged 18 to 60;
- the post is open that day and in the household's township;
- one post, one holder, and one holder, one post, at any time (一岗一人, 一人一岗):
  a holding's span may not overlap another proposed or appointed holding of the post or
  of the person.

Held on day D: appointed, from its start (or the day of the appointment, if later) to the
day before its end. Working on D (a placement): from its start to the day before its end.
In work on D: holding a post or working on D.

A labourer (劳动力) on D: labour capacity skilled, ordinary, or weak, aged 16 to 64.

Lost post (the grading signal `lost_post`), on day D: P is the last full calendar month
before D's month. A person lost a post on D when they held one on some day of P and, on
D, either hold none (it ended and no new one started: 未再上岗), or were not paid for P
(no payment of month P paid on or before D: 停发). A household has the signal when one of
its members has. A round run before the county's pay day for P (the first days of a month)
finds P unpaid: rounds are run at a period's end, weeks after it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl
from django.utils.translation import gettext as _

from fupin.programmes.checks import Check
from fupin.registry.choices import WORKING_CAPACITIES, MigrantPlace

LABOUR_MIN_AGE, LABOUR_MAX_AGE = 16, 64
HOLDER_MIN_AGE, HOLDER_MAX_AGE = 18, 60
WORK_MIN_AGE = 16
# Places away from the county: their migrant workers may get a transport subsidy.
AWAY = (MigrantPlace.OUT_PROVINCE.value, MigrantPlace.IN_PROVINCE.value)
APPROVED = "approved"
REFUSED = "refused"


def _c(name: str) -> pl.Expr:
    return pl.col(name)


# ------------------------------------------------------------------ spans and months


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def previous_month(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the last full calendar month before `day`'s month."""
    last = month_start(day) - dt.timedelta(days=1)
    return last.replace(day=1), last


def overlaps(a_start: dt.date, a_end: dt.date | None, b_start: dt.date, b_end: dt.date | None):
    """Whether two spans [start, end) overlap (no end: open)."""
    return (b_end is None or a_start < b_end) and (a_end is None or b_start < a_end)


def overlaps_expr(a_start: str, a_end: str, b_start: str, b_end: str) -> pl.Expr:
    """Column form of `overlaps`."""
    return (_c(b_end).is_null() | (_c(a_start) < _c(b_end))) & (
        _c(a_end).is_null() | (_c(b_start) < _c(a_end))
    )


def held_from(start_on: dt.date, decided_on: dt.date | None) -> dt.date:
    return start_on if decided_on is None else max(start_on, decided_on)


def held_from_expr() -> pl.Expr:
    return pl.max_horizontal(_c("start_on"), _c("decided_on"))


def held_on(h: Mapping[str, Any], day: dt.date) -> bool:
    """A holding (status, start_on, decided_on, end_on) held on `day`."""
    return (
        h["status"] == APPROVED
        and h["decided_on"] is not None
        and held_from(h["start_on"], h["decided_on"]) <= day
        and (h["end_on"] is None or day < h["end_on"])
    )


def held_expr(day: dt.date) -> pl.Expr:
    """Column form of `held_on`."""
    return (
        (_c("status") == APPROVED)
        & _c("decided_on").is_not_null()
        & (held_from_expr() <= day)
        & (_c("end_on").is_null() | (pl.lit(day) < _c("end_on")))
    ).fill_null(False)


def held_in_month(h: Mapping[str, Any], month: dt.date) -> bool:
    """A holding held on some day of the month of `month`."""
    first, last = month_start(month), month_end(month)
    return (
        h["status"] == APPROVED
        and h["decided_on"] is not None
        and held_from(h["start_on"], h["decided_on"]) <= last
        and (h["end_on"] is None or first < h["end_on"])
    )


def held_in_month_expr(month: pl.Expr) -> pl.Expr:
    """Column form of `held_in_month`, `month` any day of the month (a column)."""
    first = month.dt.month_start()
    last = month.dt.month_end()
    return (
        (_c("status") == APPROVED)
        & _c("decided_on").is_not_null()
        & (held_from_expr() <= last)
        & (_c("end_on").is_null() | (first < _c("end_on")))
    ).fill_null(False)


def working_on(p: Mapping[str, Any], day: dt.date) -> bool:
    """A placement (start_on, end_on) worked on `day`."""
    return p["start_on"] <= day and (p["end_on"] is None or day < p["end_on"])


def working_expr(day: dt.date) -> pl.Expr:
    return (
        (_c("start_on") <= day) & (_c("end_on").is_null() | (pl.lit(day) < _c("end_on")))
    ).fill_null(False)


# ------------------------------------------------------------------ labourers, in work


def is_labourer(labour: str, age: int) -> bool:
    return labour in WORKING_CAPACITIES and LABOUR_MIN_AGE <= age <= LABOUR_MAX_AGE


def labourer_expr(labour: pl.Expr, age: pl.Expr) -> pl.Expr:
    """Column form of `is_labourer`."""
    return (
        labour.is_in(list(WORKING_CAPACITIES)) & age.is_between(LABOUR_MIN_AGE, LABOUR_MAX_AGE)
    ).fill_null(False)


def in_work(holdings: Iterable[Mapping[str, Any]], placements: Iterable[Mapping[str, Any]], day):
    """One person on `day`: (holds a post, in work)."""
    post = any(held_on(h, day) for h in holdings)
    return post, post or any(working_on(p, day) for p in placements)


HOLDING_SCHEMA = {
    "member_id": pl.Int64,
    "household_id": pl.Int64,
    "status": pl.String,
    "start_on": pl.Date,
    "decided_on": pl.Date,
    "end_on": pl.Date,
}
PLACEMENT_SCHEMA = {"member_id": pl.Int64, "start_on": pl.Date, "end_on": pl.Date}
PAYMENT_SCHEMA = {"member_id": pl.Int64, "month": pl.Date, "paid_on": pl.Date}


def people_in_work(holdings: pl.DataFrame, placements: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """Column form of `in_work` for many people: member_id, post, work (only people with
    a holding or a placement; anyone else holds no post and is not in work)."""
    posts = holdings.filter(held_expr(day)).select("member_id").unique()
    jobs = placements.filter(working_expr(day)).select("member_id").unique()
    everyone = pl.concat([holdings.select("member_id"), placements.select("member_id")]).unique()
    return everyone.with_columns(
        post=pl.col("member_id").is_in(posts["member_id"].implode()),
        job=pl.col("member_id").is_in(jobs["member_id"].implode()),
    ).select("member_id", "post", work=pl.col("post") | pl.col("job"))


# ------------------------------------------------------------------ lost post


def lost_post(
    holdings: Iterable[Mapping[str, Any]], payments: Iterable[Mapping[str, Any]], day: dt.date
) -> bool:
    """One person on `day` (see the module's docstring): `payments` (month, paid_on)."""
    holdings = list(holdings)
    first, _last = previous_month(day)
    had = [h for h in holdings if held_in_month(h, first) and h["decided_on"] <= day]
    if not had:
        return False
    holds_now = any(held_on(h, day) for h in holdings)
    paid = any(p["month"] == first and p["paid_on"] <= day for p in payments)
    return not holds_now or not paid


def lost_post_people(holdings: pl.DataFrame, payments: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """Column form of `lost_post`: member_id, household_id of the people who lost a post
    on `day`."""
    first, _last = previous_month(day)
    had = (
        holdings.filter(held_in_month_expr(pl.lit(first)) & (pl.col("decided_on") <= day))
        .select("member_id", "household_id")
        .unique()
    )
    holding_now = holdings.filter(held_expr(day)).select("member_id").unique()
    paid = (
        payments.filter((pl.col("month") == first) & (pl.col("paid_on") <= day))
        .select("member_id")
        .unique()
    )
    return had.filter(
        ~pl.col("member_id").is_in(holding_now["member_id"].implode())
        | ~pl.col("member_id").is_in(paid["member_id"].implode())
    )


# ------------------------------------------------------------------ the refusals


def _between(value: Any, low: Any, high: Any) -> bool:
    return low <= value <= high


# A holding: household_due (bool), labour, age (on the first day), post_open (bool),
# same_township (bool).
HOLDING_CHECKS = (
    Check(
        "household",
        lambda: _(
            "The household is not due assistance on the first day (in poverty, a monitoring "
            "object, or exited within the transition period)."
        ),
        row=lambda v: not v["household_due"],
        column=lambda: ~_c("household_due"),
    ),
    Check(
        "member",
        lambda: _("A post is for someone able to work (skilled, ordinary or weak labour)."),
        row=lambda v: v["labour"] not in WORKING_CAPACITIES,
        column=lambda: ~_c("labour").is_in(list(WORKING_CAPACITIES)),
    ),
    Check(
        "member",
        lambda: (
            _("The holder must be %(lo)d to %(hi)d years old on the first day.")
            % {"lo": HOLDER_MIN_AGE, "hi": HOLDER_MAX_AGE}
        ),
        row=lambda v: not _between(v["age"], HOLDER_MIN_AGE, HOLDER_MAX_AGE),
        column=lambda: ~_c("age").is_between(HOLDER_MIN_AGE, HOLDER_MAX_AGE),
    ),
    Check(
        "post",
        lambda: _("The post is not open on the first day."),
        row=lambda v: not v["post_open"],
        column=lambda: ~_c("post_open"),
    ),
    Check(
        "post",
        lambda: _("The post is in another township than the household."),
        row=lambda v: not v["same_township"],
        column=lambda: ~_c("same_township"),
    ),
)


def post_open(opened_on: dt.date, closed_on: dt.date | None, day: dt.date) -> bool:
    return opened_on <= day and (closed_on is None or day < closed_on)


def post_open_expr(day: pl.Expr) -> pl.Expr:
    return (
        (_c("opened_on") <= day) & (_c("closed_on").is_null() | (day < _c("closed_on")))
    ).fill_null(False)


def overlap_post() -> str:
    return _("The post has another holder (or a proposed one) in that span.")


def refused_before() -> str:
    return _(
        "This person's proposal for this post from this day was refused; propose them "
        "from another day."
    )


def overlap_person() -> str:
    return _("The person holds another post (or is proposed for one) in that span.")


# A post: monthly_pay, opened_on, closed_on (or None).
POST_CHECKS = (
    Check(
        "monthly_pay",
        lambda: _("Enter an amount above zero."),
        row=lambda v: v["monthly_pay"] <= 0,
        column=lambda: _c("monthly_pay") <= 0,
    ),
    Check(
        "closed_on",
        lambda: _("A post closes after it opens."),
        row=lambda v: v["closed_on"] is not None and v["closed_on"] <= v["opened_on"],
        column=lambda: _c("closed_on").is_not_null() & (_c("closed_on") <= _c("opened_on")),
    ),
)

# A month's pay: the holding's status, start_on, decided_on, end_on; the post's
# monthly_pay; month (its first day), amount, paid_on, today.
PAYMENT_CHECKS = (
    Check(
        "holding",
        lambda: _("The holder has not been appointed."),
        row=lambda v: v["status"] != APPROVED,
        column=lambda: _c("status") != APPROVED,
    ),
    Check(
        "month",
        lambda: _("The post was not held in that month."),
        row=lambda v: v["status"] == APPROVED and not held_in_month(v, v["month"]),
        column=lambda: (_c("status") == APPROVED) & ~held_in_month_expr(_c("month")),
    ),
    Check(
        "amount",
        lambda: _("Above zero and at most the post's monthly pay."),
        row=lambda v: v["amount"] <= 0 or v["amount"] > v["monthly_pay"],
        column=lambda: (_c("amount") <= 0) | (_c("amount") > _c("monthly_pay")),
    ),
    Check(
        "paid_on",
        lambda: _("Paid on or after the first day of the month, and not after today."),
        row=lambda v: v["paid_on"] < v["month"] or v["paid_on"] > v["today"],
        column=lambda: (_c("paid_on") < _c("month")) | (_c("paid_on") > _c("today")),
    ),
)

# The end of a placement: start_on, end_on (or None: still working), today.
PLACEMENT_END = Check(
    "end_on",
    lambda: _("After the first day, and not after today."),
    row=lambda v: (
        v["end_on"] is not None and (v["end_on"] <= v["start_on"] or v["end_on"] > v["today"])
    ),
    column=lambda: (
        _c("end_on").is_not_null()
        & ((_c("end_on") <= _c("start_on")) | (_c("end_on") > _c("today")))
    ),
)

# A placement: age (on the first day), start_on, end_on (or None), today.
PLACEMENT_CHECKS = (
    Check(
        "member",
        lambda: _("Someone of at least %(n)d on the first day.") % {"n": WORK_MIN_AGE},
        row=lambda v: v["age"] < WORK_MIN_AGE,
        column=lambda: _c("age") < WORK_MIN_AGE,
    ),
    Check(
        "start_on",
        lambda: _("Not after today."),
        row=lambda v: v["start_on"] > v["today"],
        column=lambda: _c("start_on") > _c("today"),
    ),
    PLACEMENT_END,
)

# The end of an appointment: start_on, end_on, today, last_paid (the last month paid,
# or None).
HOLDING_END_CHECKS = (
    Check(
        "end_on",
        lambda: _("After the first day held, and not after today."),
        row=lambda v: v["end_on"] <= v["start_on"] or v["end_on"] > v["today"],
        column=lambda: (_c("end_on") <= _c("start_on")) | (_c("end_on") > _c("today")),
    ),
    Check(
        "end_on",
        lambda: _("Pay is recorded for a month from that day on."),
        row=lambda v: v["last_paid"] is not None and v["last_paid"] >= v["end_on"],
        column=lambda: _c("last_paid").is_not_null() & (_c("last_paid") >= _c("end_on")),
    ),
)

# A transport subsidy: the placement's place_scope, start_on, end_on; paid_on, amount,
# today.
SUBSIDY_CHECKS = (
    Check(
        "placement",
        lambda: _("A transport subsidy is for work away from the county."),
        row=lambda v: v["place_scope"] not in AWAY,
        column=lambda: ~_c("place_scope").is_in(list(AWAY)),
    ),
    Check(
        "paid_on",
        lambda: _("Paid on or after the first day of the job, and not after today."),
        row=lambda v: v["paid_on"] < v["start_on"] or v["paid_on"] > v["today"],
        column=lambda: (_c("paid_on") < _c("start_on")) | (_c("paid_on") > _c("today")),
    ),
    Check(
        "amount",
        lambda: _("Enter an amount above zero."),
        row=lambda v: v["amount"] <= 0,
        column=lambda: _c("amount") <= 0,
    ),
)


def household_work(people: pl.DataFrame, work: pl.DataFrame) -> pl.DataFrame:
    """Column form, per household, of its people on a day: household_id, post_holders
    (people holding a post), labourers (`labourer_expr`), employed (labourers in work).
    `people`: person_id, household_id, labour, age on the day; `work`: member_id, post,
    work (`people_in_work` of the same day)."""
    return (
        people.select("person_id", "household_id", "labour", "age")
        .join(work.rename({"member_id": "person_id"}), on="person_id", how="left")
        .with_columns(
            pl.col("post").fill_null(False),
            pl.col("work").fill_null(False),
            labourer_expr(pl.col("labour"), pl.col("age")).alias("labourer"),
        )
        .group_by("household_id")
        .agg(
            post_holders=pl.col("post").sum().cast(pl.Int32),
            labourers=pl.col("labourer").sum().cast(pl.Int32),
            employed=(pl.col("labourer") & pl.col("work")).sum().cast(pl.Int32),
        )
    )
