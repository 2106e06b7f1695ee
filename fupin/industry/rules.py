"""The rules of industry benefit-linking, each in one place, with a row form (one
enterprise, link or dividend, for the services and the workbook import) and, where whole
columns need it, a column form (Polars: the import's check of the credit codes, the
indicator engine's links and dividends). Tests check that the two forms agree.

The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from
0-9 and the capital letters other than I, O, S, V and Z; the 3rd to 8th are the digits
of the registering division; the 18th is the check character: 31 minus the weighted sum
of the first 17 (weights 3^i mod 31) modulo 31, read in the same alphabet.

A household may be linked when it is due assistance on the day the link starts
(`programmes.due`). An entrusted or shareholding link records the amount put in (委托,
入股), above zero; no link ends before it starts; two links of one household to one
enterprise in one mode may not overlap.

A link is *current* on day D when it is confirmed, starts on or before D and has not
ended before D (it holds on its last day). Dividends are paid on confirmed direct,
entrusted or shareholding links (wages and purchases are not dividends), once a year
each, for a year within the link's years, paid between its first day and today and not
before the year they are for.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
from django.utils.translation import gettext as _

from fupin.industry.models import LinkMode, LinkStatus
from fupin.programmes.due import not_due_reason

# ------------------------------------------------------------------ credit codes

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
VALUE = {c: i for i, c in enumerate(ALPHABET)}
LENGTH = 18


def normal_code(code: str | None) -> str:
    """A credit code as compared and stored: no spaces, capital letters."""
    return "".join(str(code or "").split()).upper()


def check_character(first17: str) -> str:
    total = sum(VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_error(code: str | None) -> str | None:
    """Why a (normalised) unified social credit code is not valid; None when it is."""
    code = normal_code(code)
    if len(code) != LENGTH:
        return _("A unified social credit code has 18 characters.")
    if any(c not in VALUE for c in code):
        return _(
            "A unified social credit code has digits and capital letters other than I, O, "
            "S, V and Z."
        )
    if not code[2:8].isdigit():
        return _("The 3rd to 8th characters of a credit code are a division code (digits).")
    expected = check_character(code[:17])
    if code[17] != expected:
        return _("The check character does not match (it should be %(c)s).") % {"c": expected}
    return None


def credit_code_ok_expr(code: pl.Expr) -> pl.Expr:
    """Column form of `credit_code_error(...) is None` over normalised codes."""
    chars = [code.str.slice(i, 1) for i in range(LENGTH)]
    values = [c.replace_strict(VALUE, default=None, return_dtype=pl.Int64) for c in chars]
    total = pl.sum_horizontal(v * w for v, w in zip(values[:17], WEIGHTS, strict=True))
    check = ((31 - total % 31) % 31).replace_strict(
        dict(enumerate(ALPHABET)), default=None, return_dtype=pl.String
    )
    return (
        (code.str.len_chars() == LENGTH)
        & pl.all_horizontal(v.is_not_null() for v in values)
        & code.str.slice(2, 6).str.contains(r"^\d{6}$")
        & (chars[17] == check)
    ).fill_null(False)


# ------------------------------------------------------------------ links

AMOUNT_MODES = (LinkMode.ENTRUSTED.value, LinkMode.SHAREHOLDING.value)
DIVIDEND_MODES = (LinkMode.DIRECT.value, LinkMode.ENTRUSTED.value, LinkMode.SHAREHOLDING.value)
CONFIRMED = LinkStatus.CONFIRMED.value


def link_refusals(
    *,
    household: Any,
    due: bool,
    mode: str,
    starts_on: dt.date,
    ends_on: dt.date | None,
    amount: Decimal | None,
) -> list[tuple[str, str]]:
    """Why the link may not be recorded: (field, reason) pairs; empty: it may. `due`:
    the household is due assistance on `starts_on`."""
    out: list[tuple[str, str]] = []
    if not due:
        out.append(("household", not_due_reason(household.status, starts_on)))
    if ends_on is not None and ends_on < starts_on:
        out.append(("ends_on", _("A link ends on or after the day it starts.")))
    if amount is not None and amount <= 0:
        out.append(("amount", _("Enter an amount above zero.")))
    elif amount is None and mode in AMOUNT_MODES:
        out.append(("amount", _("An entrusted or shareholding link records the amount put in.")))
    return out


def overlaps(
    a_start: dt.date, a_end: dt.date | None, b_start: dt.date, b_end: dt.date | None
) -> bool:
    """Whether two periods (an end of None: still running) share a day."""
    return (a_end is None or b_start <= a_end) and (b_end is None or a_start <= b_end)


def overlap_reason() -> str:
    return _(
        "This household has a link of this mode with this enterprise over these dates already."
    )


def link_current(*, status: str, starts_on: dt.date, ends_on: dt.date | None, day: dt.date) -> bool:
    """Whether a link holds on `day` (row form)."""
    return status == CONFIRMED and starts_on <= day and (ends_on is None or ends_on >= day)


def current_expr(day: dt.date) -> pl.Expr:
    """Column form of `link_current` over status, starts_on, ends_on."""
    return (
        (pl.col("status") == CONFIRMED)
        & (pl.col("starts_on") <= day)
        & (pl.col("ends_on").is_null() | (pl.col("ends_on") >= day))
    ).fill_null(False)


# ------------------------------------------------------------------ dividends


def dividend_refusals(
    *, link: Any, year: int, paid_on: dt.date, amount: Decimal, today: dt.date
) -> list[tuple[str, str]]:
    """Why a dividend may not be recorded on the link: (field, reason) pairs."""
    out: list[tuple[str, str]] = []
    if link.status != CONFIRMED:
        out.append(("link", _("Dividends are recorded on confirmed links only.")))
    if link.mode not in DIVIDEND_MODES:
        out.append(
            (
                "link",
                _(
                    "Dividends are paid on direct, entrusted or shareholding links (wages and "
                    "purchases are not dividends)."
                ),
            )
        )
    last = link.ends_on.year if link.ends_on is not None else today.year
    if not link.starts_on.year <= year <= last:
        out.append(
            (
                "year",
                _("A dividend is for a year of the link (%(first)d to %(last)d).")
                % {"first": link.starts_on.year, "last": last},
            )
        )
    if not link.starts_on <= paid_on <= today:
        out.append(
            ("paid_on", _("A dividend is paid between the first day of the link and today."))
        )
    elif paid_on.year < year:
        out.append(("paid_on", _("A dividend is not paid before the year it is for.")))
    if amount <= 0:
        out.append(("amount", _("Enter an amount above zero.")))
    return out


def purchase_refusals(*, amount: Decimal, purchased_on: dt.date, today: dt.date) -> list:
    out: list[tuple[str, str]] = []
    if amount <= 0:
        out.append(("amount", _("Enter an amount above zero.")))
    if purchased_on > today:
        out.append(("purchased_on", _("A purchase is dated today or earlier.")))
    return out


# ------------------------------------------------------------------ a household on a day

LINK_SCHEMA = {
    "household_id": pl.Int64,
    "mode": pl.String,
    "status": pl.String,
    "starts_on": pl.Date,
    "ends_on": pl.Date,
}
DIVIDEND_SCHEMA = {"household_id": pl.Int64, "paid_on": pl.Date, "amount": pl.Float64}
MODE_COLUMNS = {m: f"il_{m}" for m in LinkMode.values}


def household_links(
    links: pl.DataFrame, dividends: pl.DataFrame, day: dt.date, start: dt.date
) -> pl.DataFrame:
    """Per household on `day`: household_id, il_linked (a current link), il_<mode> (a
    current link of the mode), il_dividend (a dividend paid from `start` to `day`) and
    il_dividends (their sum in yuan, to the fen)."""
    current = links.filter(current_expr(day))
    linked = current.group_by("household_id").agg(
        il_linked=pl.lit(True),
        **{col: (pl.col("mode") == m).any() for m, col in MODE_COLUMNS.items()},
    )
    paid = (
        dividends.filter(pl.col("paid_on").is_between(start, day))
        .group_by("household_id")
        .agg(il_dividend=pl.lit(True), il_dividends=pl.col("amount").sum().round(2))
    )
    return linked.join(paid, on="household_id", how="full", coalesce=True)
