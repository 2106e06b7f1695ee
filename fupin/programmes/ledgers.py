"""The ledger registry: each programme ledger app (microcredit, posts, relocation …)
registers, in its AppConfig.ready(), one `Ledger` saying in one place

- its row models (kept in step with their households' villages),
- its household-page panel (a template and the read of a household's rows),
- its workbook (the sheets, with their columns, and the writer of the parsed rows),
- its export (the frames of an area, one per sheet),
- what it paid or gave a household in a year (`benefits`: the household handbook's
  "benefits this year", fupin.dossier).

Its API read endpoints live in the interface layer, fupin/api/<ledger>.py, listed in
fupin/api/ledgers.py (an app of layer 4 never imports the API).

The household page's "Programme ledgers" panel, the `fupin programmes import/export`
command and the API read this registry; none of them names a ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence, Sized
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Model, OuterRef, Subquery

from fupin.exchange.layout import Sheet
from fupin.registry import panels
from fupin.registry.models import Household

if TYPE_CHECKING:  # a name of django-stubs only
    from django.utils.functional import _StrOrPromise as StrOrPromise

    from fupin.programmes.workbook import LedgerImport


@dataclass(frozen=True)
class LedgerAction:
    """A link the household page offers under a ledger (e.g. "Record a new loan")."""

    label: StrOrPromise
    url: str


@dataclass(frozen=True)
class Benefit:
    """One thing a ledger gave a household (a payment, a loan, a dividend …)."""

    label: str
    amount: Decimal | None
    on: dt.date | None


# `benefits(user, household, year)`: a ledger's rows of a household in a year as benefits.
Benefits = Callable[[Any, Any, int], Sequence[Benefit]]


@dataclass(frozen=True)
class Ledger:
    key: str  # stable, used on the command line ("microcredit")
    label: StrOrPromise
    models: tuple[type[Model], ...]  # LedgerRow subclasses moved with their households
    # The household page: `panel_flag` is a registry.panels flag (whether the household
    # has any row: no query when it has none); `panel_rows(user, household)` the scoped
    # rows shown by `panel_template` (context: rows, household): a list, or any object
    # that is empty when there is nothing to show (a ledger of several models reads its
    # own flags and returns its rows of each).
    panel_flag: str = ""
    panel_template: str = ""
    panel_rows: Callable[[Any, Any], Sized] | None = None
    # `actions(user, household)`: links offered on the household page whether or not
    # it has rows (a household without rows still gets its first one). Decided from the
    # user and the household as read for its page, without a query.
    actions: Callable[[Any, Any], Sequence[LedgerAction]] | None = None
    # The workbook: the sheets (exchange.layout), and `write(batch)` which checks the
    # parsed rows against the database and writes the good ones (see workbook.py).
    sheets: tuple[Sheet, ...] = ()
    write: Callable[[LedgerImport], None] | None = None
    # The export: `export(user, prefix)` → {sheet key: frame of text columns by code}.
    export: Callable[[Any, str], dict[str, Any]] | None = None
    # The handbook: what the ledger gave a household in a year (None: nothing to list).
    benefits: Benefits | None = None


_ledgers: dict[str, Ledger] = {}


def register(ledger: Ledger) -> None:
    """Add a ledger (again: replaces it)."""
    _ledgers[ledger.key] = ledger


def ledgers() -> list[Ledger]:
    return list(_ledgers.values())


def get(key: str) -> Ledger:
    try:
        return _ledgers[key]
    except KeyError:
        raise KeyError(f"no ledger {key!r}; known: {', '.join(sorted(_ledgers))}") from None


# Households per statement when ledger rows follow their households.
FOLLOW_BATCH = 5000


def follow_households(household_ids: list[int]) -> None:
    """The rows of households that moved village take their new village
    (`LedgerRow.village`, registered with registry.hooks): set-based, in the transaction
    of the move, for every registered ledger model."""

    for ledger in _ledgers.values():
        for model in ledger.models:
            for start in range(0, len(household_ids), FOLLOW_BATCH):
                ids = household_ids[start : start + FOLLOW_BATCH]
                model._default_manager.filter(household_id__in=ids).update(
                    village_id=Subquery(
                        Household.objects.filter(pk=OuterRef("household_id")).values("village_id")[
                            :1
                        ]
                    )
                )


@dataclass
class Panel:
    ledger: Ledger
    rows: Sized
    actions: Sequence[LedgerAction] = ()


def household_panels(user: Any, household: Any) -> list[Panel]:
    """The registered ledgers' rows of a household that the user may read, and the
    ledgers' actions offered to the user on it: one scoped query per ledger at most,
    none for a ledger whose flag (read with the household on its page) says the
    household has no row; a ledger with neither rows nor actions is left out."""

    out = []
    for ledger in _ledgers.values():
        actions = list(ledger.actions(user, household)) if ledger.actions else []
        rows: Sized = []
        if ledger.panel_rows is not None and (
            not ledger.panel_flag or panels.may_have(household, ledger.panel_flag)
        ):
            rows = ledger.panel_rows(user, household)
        if rows or actions:
            out.append(Panel(ledger, rows, actions))
    return out


def dated_benefits(
    model: type[Model],
    *,
    date: str,
    amount: str | Callable[[Any], Decimal] | None,
    label: Callable[[Any], str],
    household: str = "household",
    related: tuple[str, ...] = (),
) -> Benefits:
    """A ledger's `benefits` read from one model: its rows of the household whose `date`
    falls in the year (the user's scope where the model has one), with `amount` (a
    column, or a function of the row). `date` may follow a relation ("course__ends_on")."""

    def date_of(row: Any) -> Any:
        for part in date.split("__"):
            row = getattr(row, part)
        return row

    def amount_of(row: Any) -> Decimal | None:
        if amount is None:
            return None
        return amount(row) if callable(amount) else getattr(row, amount)

    def benefits(user: Any, h: Any, year: int) -> list[Benefit]:
        manager: Any = model._default_manager
        qs = manager.restrict(user) if hasattr(manager, "restrict") else manager.all()
        rows = qs.filter(**{household: h, f"{date}__year": year}).order_by(date, "pk")
        if related:
            rows = rows.select_related(*related)
        return [Benefit(label(r), amount_of(r), date_of(r)) for r in rows]

    return benefits


def household_benefits(user: Any, household: Any, year: int) -> list[tuple[Ledger, list[Benefit]]]:
    """Every registered ledger's benefits to a household in a year (ledgers with none
    left out): the handbook names no ledger."""
    out = []
    for ledger in _ledgers.values():
        if ledger.benefits is None:
            continue
        rows = list(ledger.benefits(user, household, year))
        if rows:
            out.append((ledger, rows))
    return out
