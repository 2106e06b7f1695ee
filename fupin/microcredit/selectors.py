"""Reads of the microcredit ledger, every one scoped to the user (`.restrict(user)`,
which reads the loan's own village column)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import QuerySet, Sum
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fupin.accounts import authority
from fupin.core.scope import may_edit_in
from fupin.microcredit import rules, services
from fupin.microcredit.models import OPEN_STATUSES, Extension, ExtensionStatus, Loan, LoanStatus
from fupin.programmes.ledgers import LedgerAction
from fupin.programmes.paging import Page, in_division, keyset_page

PANEL_LOANS = "panel_loans"
PAGE_SIZE = 50


def loans(user: Any) -> QuerySet[Loan]:
    return Loan.objects.restrict(user)


@dataclass
class LoanFilters:
    area: str = ""
    bank: str = ""
    status: str = ""
    overdue: bool = False


def loan_page(
    *,
    user: Any,
    filters: LoanFilters,
    older: int | None = None,
    newer: int | None = None,
    page_size: int | None = None,
) -> Page[Loan]:
    """A page of the loans matching the filters, newest disbursement first (then id), by
    keyset (fupin.programmes.paging): the loans older (or newer) than a loan of the
    previous page, never an offset. A cursor the page does not hold (outside the user's
    area, filtered out) starts from the newest."""
    qs = loans(user).select_related("household", "member", "village")
    qs = in_division(qs, "village__code", filters.area)
    if filters.bank:
        qs = qs.filter(bank=filters.bank)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.overdue:
        qs = qs.filter(status=LoanStatus.OVERDUE)
    return keyset_page(
        qs, order="disbursed_on", older=older, newer=newer, page_size=page_size or PAGE_SIZE
    )


def banks(user: Any) -> list[str]:
    return list(loans(user).order_by("bank").values_list("bank", flat=True).distinct())


def loan_get(*, user: Any, pk: int) -> Loan:
    loan = loans(user).select_related("household", "member", "village").filter(pk=pk).first()
    if loan is None:
        raise Http404
    return loan


def repaid_principal(loan: Loan) -> Any:
    return loan.repayments.aggregate(s=Sum("principal"))["s"] or 0


def household_loans(user: Any, household: Any) -> list[Loan]:
    """The household page's panel: the household's loans the user may read."""
    return list(loans(user).filter(household=household).select_related("member"))


NEW_LOAN = _("Record a new loan")


def household_actions(user: Any, household: Any) -> list[LedgerAction]:
    """The household page's "Record a new loan", for a user who may disburse to the
    household (an editing role over its village) when its status lets it borrow (the
    borrower's age is checked by the form). No query: the household as read for its
    page and the user's role and area."""
    if household.status not in rules.ELIGIBLE_STATUSES:
        return []
    if not may_edit_in(user, household.village_id):
        return []
    return [LedgerAction(NEW_LOAN, reverse("microcredit:new", args=[household.pk]))]


def pending_extension(loan: Loan) -> Extension | None:
    return loan.extensions.filter(status=ExtensionStatus.PROPOSED).first()


def may_edit(user: Any, loan: Loan) -> bool:
    return may_edit_in(user, loan.village_id)


def may_decide(user: Any, ext: Extension) -> bool:
    return authority.may(user, "loan.extend", ext.loan.village_id, authors=[ext.proposed_by_id])


def may_write_off(user: Any, loan: Loan) -> bool:
    return loan.status in OPEN_STATUSES and authority.may(user, "loan.write_off", loan.village_id)


def overdue_households(household_ids: Collection[int], as_of: dt.date) -> set[int]:
    """The grading rounds' signal "overdue loan" (fupin.monitoring.hooks): the households
    among `household_ids` with a loan overdue on `as_of` (rules.loan_states)."""

    if not household_ids:
        return set()
    # Only these households' loans (in batches), not every loan of the database.
    states = services.states_on(as_of, household_ids=sorted(set(household_ids)))
    hit = states.filter(pl.col("overdue"))["household_id"].unique().to_list()
    wanted = set(household_ids)
    return {h for h in hit if h in wanted}
