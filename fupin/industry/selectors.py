"""Reads of the benefit-linking ledger, every one scoped to the user: enterprises and
purchases by their area, links and dividends by their household's village
(`.restrict(user)`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fupin.accounts import authority
from fupin.core.scope import may_edit_in
from fupin.industry import rules
from fupin.industry.models import BenefitLink, Dividend, Enterprise, LinkStatus, Purchase
from fupin.industry.services import CONFIRM
from fupin.programmes.due import may_be_due
from fupin.programmes.frames import area_rows, dates
from fupin.programmes.ledgers import LedgerAction
from fupin.programmes.paging import Page, in_division, keyset_page

PANEL_LINKS = "panel_benefit_links"
CHOICES_LIMIT = 300  # enterprises offered by the link form


def enterprises(user: Any) -> QuerySet[Enterprise]:
    return Enterprise.objects.restrict(user)


def links(user: Any) -> QuerySet[BenefitLink]:
    return BenefitLink.objects.restrict(user)


def dividends(user: Any) -> QuerySet[Dividend]:
    return Dividend.objects.restrict(user)


def purchases(user: Any) -> QuerySet[Purchase]:
    return Purchase.objects.restrict(user)


@dataclass
class EnterpriseFilters:
    area: str = ""
    kind: str = ""
    sector: str = ""
    name: str = ""


def enterprise_page(
    *, user: Any, filters: EnterpriseFilters, older: int | None = None, newer: int | None = None
) -> Page[Enterprise]:
    qs = in_division(enterprises(user), "division__code", filters.area).select_related("division")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.sector:
        qs = qs.filter(sector=filters.sector)
    if filters.name:
        qs = qs.filter(name__contains=filters.name)
    qs = qs.annotate(
        linked=Count("links", filter=Q(links__status=LinkStatus.CONFIRMED), distinct=True)
    )
    return keyset_page(qs, order="name", older=older, newer=newer, descending=False)


def enterprise_get(*, user: Any, pk: int) -> Enterprise:
    found = enterprises(user).select_related("division").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def enterprise_links(user: Any, enterprise: Enterprise) -> list[BenefitLink]:
    """The enterprise's links the user may read (a village user: its village's)."""
    return list(
        links(user)
        .filter(enterprise=enterprise)
        .select_related("household", "village")
        .annotate(paid=Sum("dividends__amount"))
        .order_by("status", "village_id", "-starts_on", "id")
    )


def pending_links(user: Any, enterprise: Enterprise) -> tuple[int, bool]:
    """How many of the enterprise's links in the user's area wait for a decision, and
    whether the user's role may decide them (the service leaves out those it proposed)."""
    pending = list(
        links(user)
        .filter(enterprise=enterprise, status=LinkStatus.PROPOSED)
        .values_list("village_id", flat=True)
    )
    return len(pending), bool(pending) and authority.may(user, CONFIRM, pending[0])


@dataclass
class LinkFilters:
    area: str = ""
    mode: str = ""
    status: str = ""
    enterprise: str = ""  # a credit code


def link_page(
    *, user: Any, filters: LinkFilters, older: int | None = None, newer: int | None = None
) -> Page[BenefitLink]:
    qs = in_division(links(user), "village__code", filters.area).select_related(
        "household", "village", "enterprise"
    )
    if filters.mode:
        qs = qs.filter(mode=filters.mode)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.enterprise:
        qs = qs.filter(enterprise__credit_code=filters.enterprise.strip().upper())
    return keyset_page(qs, order="starts_on", older=older, newer=newer)


def link_get(*, user: Any, pk: int) -> BenefitLink:
    found = (
        links(user)
        .select_related("household", "village", "enterprise", "proposed_by", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def link_dividends(link: BenefitLink) -> list[Dividend]:
    return list(link.dividends.select_related("recorded_by").order_by("year"))


def household_links(user: Any, household: Any) -> list[BenefitLink]:
    """The household page's panel: the household's links the user may read, with the
    dividends paid on each."""
    return list(
        links(user)
        .filter(household=household)
        .select_related("enterprise")
        .annotate(paid=Sum("dividends__amount"))
        .order_by("-starts_on", "-id")
    )


NEW_LINK = _("Link to an enterprise or cooperative")


def household_actions(user: Any, household: Any) -> list[LedgerAction]:
    """The household page's "Link to an enterprise or cooperative", for a user who may
    edit the household's village when its status may be due assistance (the day's rule
    is the service's). No query."""
    if not may_be_due(household.status) or not may_edit(user, household.village_id):
        return []
    return [LedgerAction(NEW_LINK, reverse("industry:link_new", args=[household.pk]))]


def enterprise_choices(user: Any) -> list[Enterprise]:
    return list(enterprises(user).order_by("name", "id")[:CHOICES_LIMIT])


@dataclass
class PurchaseFilters:
    area: str = ""
    buyer: str = ""
    year: int | None = None


def purchase_page(
    *, user: Any, filters: PurchaseFilters, older: int | None = None, newer: int | None = None
) -> Page[Purchase]:
    qs = in_division(purchases(user), "division__code", filters.area).select_related(
        "division", "supplier_enterprise", "supplier_household"
    )
    if filters.buyer:
        qs = qs.filter(buyer__contains=filters.buyer)
    if filters.year:
        qs = qs.filter(purchased_on__year=filters.year)
    return keyset_page(qs, order="purchased_on", older=older, newer=newer)


def may_edit(user: Any, area_code: str) -> bool:
    return may_edit_in(user, area_code)


def may_decide(user: Any, link: BenefitLink) -> bool:
    return link.status == LinkStatus.PROPOSED and authority.may(
        user, CONFIRM, link.village_id, authors=[link.proposed_by_id]
    )


# ------------------------------------------------------------------ the indicator engine


def link_rows(prefix: str, household_ids: Sequence[int] = ()) -> tuple[pl.DataFrame, pl.DataFrame]:
    """For the indicator engine (a whole area, no user): the links and the dividends of
    the households of the area now and of `household_ids` (in the area on the as-of
    date, moved out since), as `rules.LINK_SCHEMA` and `rules.DIVIDEND_SCHEMA`."""
    text = {k: pl.Int64 if k == "household_id" else pl.String for k in rules.LINK_SCHEMA}
    found = area_rows(
        "SELECT household_id, mode, status, CAST(starts_on AS TEXT) AS starts_on, "  # noqa: S608 - table name only
        f"CAST(ends_on AS TEXT) AS ends_on FROM {BenefitLink._meta.db_table}",
        area="village_id",
        household="household_id",
        prefix=prefix,
        household_ids=household_ids,
        schema=text,
    )
    paid = area_rows(
        "SELECT household_id, CAST(paid_on AS TEXT) AS paid_on, "  # noqa: S608 - table name only
        f"CAST(amount AS TEXT) AS amount FROM {Dividend._meta.db_table}",
        area="village_id",
        household="household_id",
        prefix=prefix,
        household_ids=household_ids,
        schema={"household_id": pl.Int64, "paid_on": pl.String, "amount": pl.String},
    )
    return (
        dates(found, "starts_on", "ends_on"),
        dates(paid, "paid_on").with_columns(pl.col("amount").cast(pl.Float64)),
    )
