"""A ledger's refusals kept once, in both forms side by side.

A `Check` is one rule that refuses a row: the field (or workbook column) its reason is
shown on, the reason, and the rule itself twice — `row(values)` for one record (the
services and pages) and `column()` as a Polars expression over columns of the same names
(the workbook import, which checks every row of a sheet at once). Both answer "refused";
a ledger's tests prove with Hypothesis that they agree on any values.

    CHECKS = (
        Check("amount", lambda: _("Above zero."),
              row=lambda v: v["amount"] <= 0, column=lambda: pl.col("amount") <= 0),
    )
    refusals(CHECKS, {"amount": 0})          # [("amount", "Above zero.")]
    refused_columns(CHECKS, frame)          # {"amount": Series of reasons or nulls}

A null in the column form counts as "not refused" (a missing value is the parser's
"Required."), as a None the row form's callers never pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.utils.translation import gettext as _

from fupin.core.errors import DomainError, ValidationFailed
from fupin.core.scope import require_edit, require_household


@dataclass(frozen=True)
class Check:
    field: str
    reason: Callable[[], str]  # the words, translated when called
    row: Callable[[Mapping[str, Any]], bool]
    column: Callable[[], pl.Expr]


def refusals(checks: Iterable[Check], values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, reason) of every check that refuses these values (row form)."""
    return [(c.field, c.reason()) for c in checks if c.row(values)]


def refused_mask(check: Check, frame: pl.DataFrame) -> pl.Series:
    """Where the check refuses a row of the frame (column form)."""
    if frame.is_empty():
        return pl.Series([], dtype=pl.Boolean)
    return frame.select(check.column().fill_null(False).alias("_refused")).to_series()


def refused_columns(checks: Iterable[Check], frame: pl.DataFrame) -> list[tuple[str, pl.Series]]:
    """(field, mask) of each check over every row of the frame, in the checks' order."""
    return [(c.field, refused_mask(c, frame)) for c in checks]


class Closed(DomainError):
    """A ledger row's step was taken already (an appointment ended, a job ended, an old
    house recorded …)."""

    code = "closed"
    status = 409


def require_staff(actor: Any, household: Any) -> None:
    """An editing role over the household's village (404 outside it, 403 read-only)."""
    require_household(actor, household)
    require_edit(actor, household.village_id)


def current_member(household: Any, member: Any, field: str) -> Any:
    """The person a row is for (a registry Member): a current member of the household,
    or the refusal on `field`."""
    if member is None or member.household_id != household.pk or not member.is_active:
        raise ValidationFailed({field: [_("Choose a current member of the household.")]})
    return member


def may_edit(user: Any, area_code: str) -> bool:
    """Whether `require_edit` lets the user edit in the area (pages, without raising)."""
    try:
        require_edit(user, area_code)
    except DomainError:
        return False
    return True
