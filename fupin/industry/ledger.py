"""The benefit-linking ledger as the programmes toolkit sees it (registered in
IndustryConfig.ready): its household-page panel, its workbook and its export. Sheets and
natural keys: enterprises (the credit code), links (enterprise, household, mode, first
day), dividends (the link, the year), purchases (buyer, product, supplier, day, amount).

The import writes in bulk: each sheet's rows are checked against the database read once
(enterprises, households, links, the days the households are due), with the rule
functions the services use (`rules.credit_code_ok_expr` over the whole column, then
`rules.link_refusals`, `rules.overlaps`, `rules.dividend_refusals`,
`rules.purchase_refusals`, `programmes.due`) row by row in memory; the good rows are then
inserted at once, each with its creation record (set-based). Links come in proposed, by
the importing user: another user confirms them (the enterprise's page confirms all of
its proposed links at once). A refusal becomes the row's reason in the report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy

from fupin.core.history import RowRecords
from fupin.core.scope import code_range
from fupin.exchange.layout import CODE, DATE, DIVISION, INFO, INT, MONEY, TEXT, Column, Sheet
from fupin.industry import rules, selectors
from fupin.industry.apps import LEDGER_LABEL
from fupin.industry.models import (
    BenefitLink,
    Dividend,
    Enterprise,
    EnterpriseKind,
    LinkMode,
    LinkStatus,
    Purchase,
    Sector,
)
from fupin.industry.services import refused_reason
from fupin.programmes.due import DueBook
from fupin.programmes.ledgers import Ledger, dated_benefits
from fupin.programmes.workbook import (
    LedgerImport,
    Register,
    households_of,
    text_frame,
    write_register,
)
from fupin.registry.models import Household

CREDIT_CODE = _l("unified social credit code")

ENTERPRISES = Sheet(
    "enterprises",
    _l("Enterprises"),
    Enterprise,
    (
        Column("credit_code", CREDIT_CODE, TEXT, field="credit_code", required=True, width=22),
        Column(
            "name", pgettext_lazy("enterprise", "name"), TEXT, field="name", required=True, width=28
        ),
        Column("kind", _l("kind"), CODE, field="kind", choices=EnterpriseKind, required=True),
        Column("sector", _l("sector"), CODE, field="sector", choices=Sector, required=True),
        Column("area_code", _l("area code"), DIVISION, field="division_id", required=True),
        Column("area_name", _l("area"), INFO),
        Column("representative", _l("legal representative"), TEXT, field="representative"),
    ),
)

LINKS = Sheet(
    "links",
    _l("Benefit links"),
    BenefitLink,
    (
        Column("credit_code", CREDIT_CODE, TEXT, required=True, width=22),
        Column("enterprise_name", _l("enterprise"), INFO),
        Column("household_number", _l("household number"), TEXT, required=True, width=18),
        Column("mode", _l("linking mode"), CODE, field="mode", choices=LinkMode, required=True),
        Column("starts_on", _l("linked from"), DATE, field="starts_on", required=True),
        Column("ends_on", _l("linked until"), DATE, field="ends_on"),
        Column("amount", _l("amount put in (yuan)"), MONEY, field="amount"),
        Column("note", _l("note"), TEXT, field="note"),
        Column("status", _l("status"), INFO),
    ),
)

DIVIDENDS = Sheet(
    "dividends",
    _l("Dividends"),
    Dividend,
    (
        Column("credit_code", CREDIT_CODE, TEXT, required=True, width=22),
        Column("household_number", _l("household number"), TEXT, required=True, width=18),
        Column("mode", _l("linking mode"), CODE, choices=LinkMode, required=True),
        Column("year", _l("dividend year"), INT, field="year", required=True, low=2000, high=2100),
        Column("amount", _l("amount (yuan)"), MONEY, field="amount", required=True),
        Column("paid_on", _l("paid out on"), DATE, field="paid_on", required=True),
    ),
)

PURCHASES = Sheet(
    "purchases",
    _l("Consumption assistance"),
    Purchase,
    (
        Column("buyer", _l("buyer unit"), TEXT, field="buyer", required=True, width=24),
        Column("product", _l("product"), TEXT, field="product", required=True, width=20),
        Column("supplier_code", _l("supplier's unified social credit code"), TEXT, width=22),
        Column("supplier_household", _l("supplying household's number"), TEXT, width=18),
        Column("amount", _l("amount (yuan)"), MONEY, field="amount", required=True),
        Column("purchased_on", _l("purchased on"), DATE, field="purchased_on", required=True),
    ),
)

ENTERPRISE_RECORDS = RowRecords(Enterprise, repr_sql="t.name", area_sql="t.division_id")
LINK_RECORDS = RowRecords(
    BenefitLink,
    repr_sql=(
        "CAST(t.enterprise_id AS TEXT) || ' ' || CAST(t.household_id AS TEXT) || ' ' || t.mode"
    ),
    area_sql="t.village_id",
    related=(Household, "t.household_id"),
)
DIVIDEND_RECORDS = RowRecords(
    Dividend,
    repr_sql=(
        "CAST(t.link_id AS TEXT) || ' ' || CAST(t.year AS TEXT) || ' ' || CAST(t.amount AS TEXT)"
    ),
    area_sql="t.village_id",
    related=(Household, "t.household_id"),
)
PURCHASE_RECORDS = RowRecords(
    Purchase,
    repr_sql="t.buyer || ' ' || t.product || ' ' || CAST(t.amount AS TEXT)",
    area_sql="t.division_id",
)

# A rule's field → the column its refusal is shown on.
LINK_COLUMNS = {"household": "household_number", "link": "mode"}
ENTERPRISE_FIELDS = ("name", "kind", "sector", "representative")
Row = dict[str, Any]


def _normal_codes(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    return frame.with_columns(
        pl.col(column).str.replace_all(r"\s+", "").str.to_uppercase().alias(column)
    )


ENTERPRISE_REGISTER = Register(
    "enterprises",
    "credit_code",
    ENTERPRISE_FIELDS,
    ENTERPRISE_RECORDS,
    twice=_l("This credit code is given twice in the file."),
    other_details=_l(
        "An enterprise with this credit code is registered with other details; change it "
        "on its page."
    ),
    taken=_l("An enterprise with this credit code is registered already."),
)


def _write_enterprises(batch: LedgerImport) -> None:
    if "enterprises" not in batch.parsed:
        return
    # Codes as stored (no spaces, capitals), for the checks and the rows alike.
    sheet = batch.parsed["enterprises"]
    sheet.frame = frame = _normal_codes(sheet.frame, "credit_code")
    # The credit codes of the whole column at once (the column form of the rule); only a
    # refused cell's reason is worded by the row form.
    bad = frame.select(
        pl.col("_ok") & ~rules.credit_code_ok_expr(pl.col("credit_code"))
    ).to_series()
    if bad.any():
        reasons = pl.Series(
            [
                rules.credit_code_error(code) if flag else None
                for code, flag in zip(frame["credit_code"], bad, strict=True)
            ],
            dtype=pl.String,
        )
        batch.reject("enterprises", bad, "credit_code", reasons)
    write_register(
        batch,
        ENTERPRISE_REGISTER,
        selectors.enterprises(batch.actor),
        values=lambda row: {f: row[f] or "" for f in ENTERPRISE_FIELDS},
        check=lambda row: [],
    )


def _lookups(batch: LedgerImport, ok: pl.DataFrame, code: str, number: str):
    """The enterprises (by credit code) and households (by number) of the actor's area
    that the rows name."""
    actor = batch.actor
    codes = [c for c in ok[code].unique().to_list() if c]
    enterprises = {
        e.credit_code: e for e in selectors.enterprises(actor).filter(credit_code__in=codes)
    }
    return enterprises, households_of(actor, ok[number])


def _write_links(batch: LedgerImport) -> None:
    frame = batch.frame("links").with_row_index("_i")
    ok = _normal_codes(frame.filter(pl.col("_ok")), "credit_code")
    if ok.is_empty():
        return
    actor = batch.actor
    enterprises, households = _lookups(batch, ok, "credit_code", "household_number")
    book = DueBook(households.values())
    stored: dict[tuple[int, int, str], list[BenefitLink]] = {}
    for link in BenefitLink.objects.filter(
        enterprise__in=list(enterprises.values()), household__in=list(households.values())
    ):
        stored.setdefault((link.enterprise_id, link.household_id, link.mode), []).append(link)
    rejected: list[tuple[int, str, str]] = []
    new: list[BenefitLink] = []
    for row in ok.iter_rows(named=True):
        i = row["_i"]
        enterprise = enterprises.get(row["credit_code"])
        if enterprise is None:
            rejected.append(
                (i, "credit_code", _("No enterprise with this credit code in your area."))
            )
            continue
        household = households.get(row["household_number"])
        if household is None:
            rejected.append(
                (i, "household_number", _("No household with this number in your area."))
            )
            continue
        amount = None if row["amount"] is None else Decimal(str(row["amount"]))
        starts_on, ends_on, mode = row["starts_on"], row["ends_on"], row["mode"]
        problems = rules.link_refusals(
            household=household,
            due=book.due(household.pk, starts_on),
            mode=mode,
            starts_on=starts_on,
            ends_on=ends_on,
            amount=amount,
        )
        if problems:
            rejected.extend((i, LINK_COLUMNS.get(f, f), text) for f, text in problems)
            continue
        key = (enterprise.pk, household.pk, mode)
        others = stored.setdefault(key, [])
        same = next((o for o in others if o.starts_on == starts_on), None)
        if same is not None and same.pk is not None:
            if same.status == LinkStatus.REFUSED:
                rejected.append((i, "starts_on", refused_reason()))
            elif (same.ends_on, same.amount, same.note) == (ends_on, amount, row["note"] or ""):
                batch.count("links").unchanged += 1
            else:
                rejected.append(
                    (
                        i,
                        "starts_on",
                        _("This link is recorded with other details; change it on its page."),
                    )
                )
            continue
        if any(
            rules.overlaps(starts_on, ends_on, o.starts_on, o.ends_on)
            for o in others
            if o.status != LinkStatus.REFUSED
        ):
            rejected.append((i, "starts_on", rules.overlap_reason()))
            continue
        link = BenefitLink(
            household_id=household.pk,
            village_id=household.village_id,
            enterprise_id=enterprise.pk,
            mode=mode,
            starts_on=starts_on,
            ends_on=ends_on,
            amount=amount,
            note=row["note"] or "",
            status=LinkStatus.PROPOSED,
            proposed_by=actor,
            created_at=batch.now,
        )
        others.append(link)  # a later row of the file may not overlap it either
        new.append(link)
    batch.reject_rows("links", rejected)
    batch.insert("links", new, LINK_RECORDS)


def _link_for(links: list[BenefitLink], year: int, today: dt.date) -> BenefitLink | None:
    """The link whose years hold `year` (the latest starting), confirmed ones first."""
    fitting = [
        link
        for link in links
        if link.starts_on.year <= year <= (link.ends_on.year if link.ends_on else today.year)
    ]
    fitting.sort(key=lambda link: (link.status == LinkStatus.CONFIRMED, link.starts_on))
    return fitting[-1] if fitting else None


def _write_dividends(batch: LedgerImport) -> None:
    frame = batch.frame("dividends").with_row_index("_i")
    ok = _normal_codes(frame.filter(pl.col("_ok")), "credit_code")
    if ok.is_empty():
        return
    today = timezone.localdate(batch.now)
    enterprises, households = _lookups(batch, ok, "credit_code", "household_number")
    links: dict[tuple[int, int, str], list[BenefitLink]] = {}
    for link in BenefitLink.objects.filter(
        enterprise__in=list(enterprises.values()), household__in=list(households.values())
    ).exclude(status=LinkStatus.REFUSED):
        links.setdefault((link.enterprise_id, link.household_id, link.mode), []).append(link)
    paid = set(
        Dividend.objects.filter(
            link__in=[x for group in links.values() for x in group]
        ).values_list("link_id", "year", "amount", "paid_on")
    )
    years = {(link_id, year) for link_id, year, _a, _p in paid}
    rejected: list[tuple[int, str, str]] = []
    new: list[Dividend] = []
    for row in ok.iter_rows(named=True):
        i = row["_i"]
        enterprise = enterprises.get(row["credit_code"])
        household = households.get(row["household_number"])
        if enterprise is None or household is None:
            column = "credit_code" if enterprise is None else "household_number"
            rejected.append(
                (
                    i,
                    column,
                    _("No enterprise with this credit code in your area.")
                    if enterprise is None
                    else _("No household with this number in your area."),
                )
            )
            continue
        year = row["year"]
        found = _link_for(links.get((enterprise.pk, household.pk, row["mode"]), []), year, today)
        if found is None:
            rejected.append(
                (
                    i,
                    "mode",
                    _("This household has no link of this mode with this enterprise that year."),
                )
            )
            continue
        amount = Decimal(str(row["amount"]))
        if (found.pk, year, amount, row["paid_on"]) in paid:
            batch.count("dividends").unchanged += 1
            continue
        if (found.pk, year) in years:
            rejected.append(
                (i, "year", _("A dividend of this link for this year is recorded already."))
            )
            continue
        problems = rules.dividend_refusals(
            link=found, year=year, paid_on=row["paid_on"], amount=amount, today=today
        )
        if problems:
            rejected.extend((i, LINK_COLUMNS.get(f, f), text) for f, text in problems)
            continue
        years.add((found.pk, year))
        new.append(
            Dividend(
                household_id=found.household_id,
                village_id=found.village_id,
                link_id=found.pk,
                year=year,
                amount=amount,
                paid_on=row["paid_on"],
                recorded_by=batch.actor,
                created_at=batch.now,
            )
        )
    batch.reject_rows("dividends", rejected)
    batch.insert("dividends", new, DIVIDEND_RECORDS)


def _write_purchases(batch: LedgerImport) -> None:
    frame = batch.frame("purchases").with_row_index("_i")
    ok = _normal_codes(frame.filter(pl.col("_ok")), "supplier_code")
    if ok.is_empty():
        return
    today = timezone.localdate(batch.now)
    enterprises, households = _lookups(batch, ok, "supplier_code", "supplier_household")
    stored: set[tuple[Any, ...]] = set(
        Purchase.objects.filter(
            purchased_on__in=ok["purchased_on"].unique().to_list(),
            buyer__in=ok["buyer"].unique().to_list(),
        ).values_list(
            "buyer",
            "product",
            "supplier_enterprise_id",
            "supplier_household_id",
            "purchased_on",
            "amount",
        )
    )
    rejected: list[tuple[int, str, str]] = []
    new: list[Purchase] = []
    for row in ok.iter_rows(named=True):
        i = row["_i"]
        if bool(row["supplier_code"]) == bool(row["supplier_household"]):
            rejected.append(
                (
                    i,
                    "supplier_code",
                    _("Name the supplier: an enterprise or a household, not both."),
                )
            )
            continue
        enterprise = enterprises.get(row["supplier_code"]) if row["supplier_code"] else None
        household = households.get(row["supplier_household"]) if row["supplier_household"] else None
        if row["supplier_code"] and enterprise is None:
            rejected.append(
                (i, "supplier_code", _("No enterprise with this credit code in your area."))
            )
            continue
        if row["supplier_household"] and household is None:
            rejected.append(
                (i, "supplier_household", _("No household with this number in your area."))
            )
            continue
        amount = Decimal(str(row["amount"]))
        problems = rules.purchase_refusals(
            amount=amount, purchased_on=row["purchased_on"], today=today
        )
        if problems:
            rejected.extend((i, f, text) for f, text in problems)
            continue
        key = (
            row["buyer"],
            row["product"],
            enterprise.pk if enterprise else None,
            household.pk if household else None,
            row["purchased_on"],
            amount,
        )
        if key in stored:
            batch.count("purchases").unchanged += 1
            continue
        stored.add(key)
        new.append(
            Purchase(
                buyer=row["buyer"],
                product=row["product"],
                supplier_enterprise_id=key[2],
                supplier_household_id=key[3],
                division_id=enterprise.division_id if enterprise else household.village_id,  # type: ignore[union-attr]
                amount=amount,
                purchased_on=row["purchased_on"],
                recorded_by=batch.actor,
                created_at=batch.now,
            )
        )
    batch.reject_rows("purchases", rejected)
    batch.insert("purchases", new, PURCHASE_RECORDS)


def write(batch: LedgerImport) -> None:
    """The register first, then the links, dividends and purchases that name it."""
    _write_enterprises(batch)
    _write_links(batch)
    _write_dividends(batch)
    _write_purchases(batch)


def export(user: Any, prefix: str) -> dict[str, pl.DataFrame]:
    """The register, links, dividends and purchases of the user's area under `prefix`,
    in the sheets' codes (nothing personal: households by number)."""
    span = code_range(prefix)
    register = (
        selectors.enterprises(user)
        .filter(division__code__range=span)
        .order_by("name", "id")
        .values_list(
            "credit_code",
            "name",
            "kind",
            "sector",
            "division_id",
            "division__name",
            "representative",
        )
    )
    link_rows = (
        selectors.links(user)
        .filter(village__code__range=span)
        .order_by("starts_on", "id")
        .values_list(
            "enterprise__credit_code",
            "enterprise__name",
            "household__number",
            "mode",
            "starts_on",
            "ends_on",
            "amount",
            "note",
            "status",
        )
    )
    paid = (
        selectors.dividends(user)
        .filter(village__code__range=span)
        .order_by("year", "id")
        .values_list(
            "link__enterprise__credit_code",
            "household__number",
            "link__mode",
            "year",
            "amount",
            "paid_on",
        )
    )
    bought = (
        selectors.purchases(user)
        .filter(division__code__range=span)
        .order_by("purchased_on", "id")
        .values_list(
            "buyer",
            "product",
            "supplier_enterprise__credit_code",
            "supplier_household__number",
            "amount",
            "purchased_on",
        )
    )
    return {
        "enterprises": text_frame(list(register), ENTERPRISES),
        "links": text_frame(list(link_rows), LINKS),
        "dividends": text_frame(list(paid), DIVIDENDS),
        "purchases": text_frame(list(bought), PURCHASES),
    }


def ledger() -> Ledger:
    return Ledger(
        key="industry",
        label=LEDGER_LABEL,
        models=(BenefitLink, Dividend),
        panel_flag=selectors.PANEL_LINKS,
        panel_template="industry/_household_links.html",
        panel_rows=selectors.household_links,
        actions=selectors.household_actions,
        sheets=(ENTERPRISES, LINKS, DIVIDENDS, PURCHASES),
        write=write,
        export=export,
        benefits=dated_benefits(
            Dividend,
            date="paid_on",
            amount="amount",
            label=lambda r: f"{r._meta.verbose_name} {r.year} · {r.link.enterprise.name}",
            related=("link__enterprise",),
        ),
    )
