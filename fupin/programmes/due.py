"""Who a programme may serve on a day: a household due assistance on it (应帮扶对象,
`assistance.due`: in poverty, a monitoring object, or exited within the transition
period, 脱贫不脱帮扶). One rule for the ledgers that take it (training, benefit-linking,
public-welfare posts, relocation), in the form a service needs for one household and
the form a workbook import needs for many households on many days, both through
`assistance.due.is_due`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import polars as pl
from django.utils.translation import gettext as _

from fupin.assistance import due
from fupin.registry.choices import HouseholdStatus
from fupin.registry.models import Household


def household_due_on(household: Any, day: dt.date) -> bool:
    """Whether one household (a registry Household) is due assistance on `day`."""
    return due.household_due(household, day).due


def may_be_due(status: str) -> bool:
    """Whether a household with this status may be due on some day (no query: the pages
    offer a ledger's form by it; the day's rule is the service's)."""
    return status in due.ALWAYS_DUE or status == due.EXITED


def not_due_reason(status: str, day: dt.date) -> str:
    """The refusal for a household not due assistance on `day` (its status now)."""
    return _(
        "Only households due assistance on %(day)s may take part (in poverty, monitoring "
        "objects, or exited within the transition period); this household is %(status)s."
    ) % {"day": day.isoformat(), "status": HouseholdStatus(status).label}


def may_be_due_households(prefix: str = "") -> list[Household]:
    """The households of an area whose status may be due on some day (`may_be_due`),
    in id order, with what `DueBook` reads of them."""
    return list(
        Household.objects.in_area(prefix)
        .filter(status__in=[*due.ALWAYS_DUE, due.EXITED])
        .only("id", "village_id", "status", "status_year")
        .order_by("id")
    )


class DueBook:
    """`household_due_on` for many households read at once: their status, status year,
    village and the days their exit cases passed (two queries in all), then
    `due(household_id, day)` without a query."""

    def __init__(self, households: Iterable[Any]) -> None:
        self._households = {h.pk: h for h in households}
        self._periods = due.periods()
        self._exits = due.exit_days_of(self._households)

    def due(self, household_id: int, day: dt.date) -> bool:
        h = self._households[household_id]
        exit_date = due.exit_date_on(
            status=h.status,
            status_year=h.status_year,
            exit_days=self._exits.get(household_id, ()),
            on=day,
        )
        years = self._periods.years_for(h.village_id)
        return due.is_due(status=h.status, exit_date=exit_date, on=day, years=years)


def due_column(rows: pl.DataFrame, day: str) -> pl.Series:
    """Whether each row's household (`household_id`) is due assistance on the row's day
    (the date column `day`), as a boolean Series in the rows' order: the column form
    `assistance.due.due_each` over the households as they are now (one read of them, one
    of their exit cases)."""
    ids = rows["household_id"].unique().drop_nulls().to_list()
    households = pl.DataFrame(
        list(
            Household.objects.filter(pk__in=ids).values_list(
                "id", "village_id", "status", "status_year"
            )
        ),
        schema={
            "household_id": pl.Int64,
            "village_code": pl.String,
            "status": pl.String,
            "status_year": pl.Int64,
        },
        orient="row",
    )
    asked = rows.select(pl.col("household_id").cast(pl.Int64), pl.col(day).alias("on"))
    return due.due_each(
        asked.join(households, on="household_id", how="left", maintain_order="left")
    )
