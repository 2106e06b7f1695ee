"""The relocation ledger as the programmes toolkit sees it (registered in
RelocationConfig.ready): its household-page panel, its workbook (sites, relocated
households, follow-up support) and its export.

The import is set-based, like the posts' (see fupin/employment/ledger.py): lookups in a
few queries, the rules' column forms (`rules.RELOCATION_CHECKS`, `rules.site_fit` …), bulk
writes with a change record per row. A stored row is unchanged when the file says the
same, takes the dates and the old house's state the file fills in where it was blank
(the handover, the move-in, the demolition or why the house is kept), and is refused
otherwise. Natural keys: a site's village and name; a relocation's household; a
support's household, kind, day, description and person.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.core.errors import NotAllowed
from fupin.core.history import RowRecords
from fupin.core.scope import code_range
from fupin.employment.ledger import masked
from fupin.exchange.layout import (
    CODE,
    DATE,
    DIVISION,
    ID_NUMBER,
    INFO,
    INT,
    MONEY,
    TEXT,
    Column,
    Sheet,
)
from fupin.programmes import bulk
from fupin.programmes.due import due_column
from fupin.programmes.ledgers import Benefit, Ledger, dated_benefits
from fupin.programmes.workbook import LedgerImport, text_frame
from fupin.registry.models import Household, Member
from fupin.relocation import rules, selectors
from fupin.relocation.apps import LEDGER_LABEL
from fupin.relocation.models import OldHouse, Relocation, Site, SiteKind, Support, SupportKind

SITES = Sheet(
    "sites",
    gettext_lazy("Resettlement sites"),
    Site,
    (
        Column("name", gettext_lazy("site name"), TEXT, field="name", required=True, width=24),
        Column(
            "kind",
            gettext_lazy("kind of site"),
            CODE,
            field="kind",
            choices=SiteKind,
            required=True,
        ),
        Column(
            "village_code",
            gettext_lazy("village code"),
            DIVISION,
            field="village_id",
            required=True,
        ),
        Column("village_name", gettext_lazy("village name"), INFO),
        Column("address", gettext_lazy("site address"), TEXT, field="address", width=24),
        Column(
            "homes", gettext_lazy("homes"), INT, field="homes", required=True, low=0, high=100000
        ),
        Column(
            "capacity",
            gettext_lazy("capacity (people)"),
            INT,
            field="capacity",
            required=True,
            low=0,
            high=500000,
        ),
        Column("completed_on", gettext_lazy("completed on"), DATE, field="completed_on"),
    ),
)
RELOCATIONS = Sheet(
    "relocations",
    gettext_lazy("Relocated households"),
    Relocation,
    (
        Column("household_number", gettext_lazy("household number"), TEXT, required=True, width=18),
        Column("site_village_code", gettext_lazy("site's village code"), DIVISION, required=True),
        Column("site_name", gettext_lazy("site name"), TEXT, required=True, width=24),
        Column(
            "people",
            gettext_lazy("people relocated"),
            INT,
            field="people",
            required=True,
            low=0,
            high=50,
        ),
        Column("home", gettext_lazy("home"), TEXT, field="home", required=True),
        Column(
            "home_area", gettext_lazy("home area (m²)"), MONEY, field="home_area", required=True
        ),
        Column("handed_over_on", gettext_lazy("home handed over on"), DATE, field="handed_over_on"),
        Column("moved_in_on", gettext_lazy("moved in on"), DATE, field="moved_in_on"),
        Column("old_house", gettext_lazy("old house"), CODE, field="old_house", choices=OldHouse),
        Column(
            "demolished_on", gettext_lazy("old house demolished on"), DATE, field="demolished_on"
        ),
        Column(
            "kept_reason",
            gettext_lazy("why the old house is kept"),
            TEXT,
            field="kept_reason",
            width=24,
        ),
        Column("verified_on", gettext_lazy("demolition verified on"), INFO),
    ),
)
SUPPORTS = Sheet(
    "supports",
    gettext_lazy("Follow-up support"),
    Support,
    (
        Column("household_number", gettext_lazy("household number"), TEXT, required=True, width=18),
        Column(
            "kind",
            gettext_lazy("kind of support"),
            CODE,
            field="kind",
            choices=SupportKind,
            required=True,
        ),
        Column("on", gettext_lazy("support given on"), DATE, field="on", required=True),
        Column(
            "description",
            gettext_lazy("what was done"),
            TEXT,
            field="description",
            required=True,
            width=30,
        ),
        Column("id_number", gettext_lazy("person's ID number"), ID_NUMBER, width=20),
    ),
)

RELOCATION_COLUMNS = {"household": "household_number", "site": "site_name"}
FILLED = ["handed_over_on", "moved_in_on", "old_house", "demolished_on", "kept_reason"]
FIXED = ["site_id", "people", "home", "home_area"]


# ------------------------------------------------------------------ sites

SITE_FIELDS = ["kind", "address", "homes", "capacity", "completed_on"]


def _write_sites(batch: LedgerImport) -> None:
    rows = bulk.sheet_rows(batch, "sites")
    if rows.is_empty():
        return
    key = "sites"
    rows = bulk.villages_in_area(batch, key, rows)
    rows = rows.with_columns(pl.col("address").fill_null(""))
    rows = bulk.reject(
        batch,
        key,
        rows,
        bulk.repeated(rows, ["village_id", "name"]),
        "name",
        _("This site is given twice in the file."),
    )
    stored = bulk.frame_of(
        list(
            Site.objects.filter(village_id__in=rows["village_id"].unique().to_list()).values_list(
                "village_id", "name", "id", *SITE_FIELDS
            )
        ),
        {
            "village_id": pl.String,
            "name": pl.String,
            "id": pl.Int64,
            **{f"{f}__old": rows.schema[f] for f in SITE_FIELDS},
        },
    )
    stored = bulk.as_read(stored, "name", "address__old")
    rows = rows.join(stored, on=["village_id", "name"], how="left")
    new = bulk.settle(
        batch,
        key,
        rows,
        known=pl.col("id").is_not_null(),
        same=pl.all_horizontal(pl.col(f).eq_missing(pl.col(f"{f}__old")) for f in SITE_FIELDS),
        column="name",
        reason=_("This site is recorded with other values; change it on its page."),
    )
    count = batch.count(key)
    if not batch.proceed() or new.is_empty():
        return
    bulk.insert(
        Site,
        new.select("name", "village_id", *SITE_FIELDS, pl.lit(batch.now).alias("created_at")),
        RowRecords(Site, "t.name", area_sql="t.village_id"),
        bulk.recorder(batch),
    )
    count.created += new.height


# ------------------------------------------------------------------ relocations


def _write_relocations(batch: LedgerImport) -> None:
    rows = bulk.sheet_rows(batch, "relocations")
    if rows.is_empty():
        return
    key, today = "relocations", bulk.import_day(batch)
    rows = bulk.households_by_number(batch, key, rows)
    rows = bulk.reject(
        batch,
        key,
        rows,
        bulk.repeated(rows, ["household_id"]),
        "household_number",
        _("This household is given twice in the file."),
    )
    # A site is found by its village and name anywhere in the household's county (the
    # county's register), checked below.
    site_frame = bulk.frame_of(
        list(
            Site.objects.filter(
                village_id__in=rows["site_village_code"].unique().to_list(),
            ).values_list("village_id", "name", "id", "homes", "capacity", "completed_on")
        ),
        {
            "site_village_code": pl.String,
            "site_name": pl.String,
            "site_id": pl.Int64,
            "homes": pl.Int64,
            "capacity": pl.Int64,
            "completed_on": pl.Date,
        },
    )
    site_frame = bulk.as_read(site_frame, "site_name")
    rows = rows.join(site_frame, on=["site_village_code", "site_name"], how="left")
    rows = bulk.reject(
        batch,
        key,
        rows,
        rows["site_id"].is_null(),
        "site_name",
        _("No site of this name in that village."),
    )
    rows = rows.with_columns(
        pl.col("old_house").fill_null(OldHouse.PENDING.value),
        pl.col("kept_reason").fill_null(""),
        today=pl.lit(today),
    )
    rows = bulk.apply_checks(batch, key, rows, rules.OLD_HOUSE_CHECKS)
    stored = bulk.frame_of(
        list(
            Relocation.objects.filter(household_id__in=rows["household_id"].to_list()).values_list(
                "household_id", "id", *FIXED, *FILLED
            )
        ),
        {
            "household_id": pl.Int64,
            "id": pl.Int64,
            **{f"{f}__old": rows.schema[f] for f in FIXED},
            **{f"{f}__old": rows.schema[f] for f in FILLED},
        },
    )
    stored = bulk.as_read(stored, "home__old", "kept_reason__old")
    rows = rows.join(stored, on="household_id", how="left")
    known = rows.filter(pl.col("id").is_not_null())
    new = rows.filter(pl.col("id").is_null())
    count = batch.count(key)
    rec = bulk.recorder(batch)
    records = RowRecords(
        Relocation,
        "CAST(t.site_id AS TEXT) || ' ' || t.home",
        area_sql="t.village_id",
        related=(Household, "t.household_id"),
    )
    # Stored: the same fixed values, and each date or state the same or filling a blank.
    fixed = pl.all_horizontal(pl.col(f).eq_missing(pl.col(f"{f}__old")) for f in FIXED)
    fills = (
        pl.all_horizontal(
            pl.col(f"{f}__old").eq_missing(pl.col(f))
            | (pl.col(f"{f}__old").is_null() & pl.col(f).is_not_null())
            for f in ("handed_over_on", "moved_in_on", "demolished_on")
        )
        & (
            (pl.col("old_house__old") == pl.col("old_house"))
            | (pl.col("old_house__old") == OldHouse.PENDING.value)
        )
        & (
            (pl.col("kept_reason__old") == pl.col("kept_reason"))
            | (pl.col("kept_reason__old") == "")
        )
    )
    same = pl.all_horizontal(pl.col(f).eq_missing(pl.col(f"{f}__old")) for f in FILLED)
    known = known.with_columns(_fixed=fixed, _fills=fills, _same=same)
    bulk.reject(
        batch,
        key,
        known,
        ~(known["_fixed"] & known["_fills"]),
        "household_number",
        _("This relocation is recorded with other values; change it on its page."),
    )
    count.unchanged += int((known["_fixed"] & known["_same"]).sum())
    filling = known.filter(pl.col("_fixed") & pl.col("_fills") & ~pl.col("_same"))
    # New rows and filled ones answer to the same rules.
    both = pl.concat([new, filling.select(new.columns)])
    if not both.is_empty():
        both = both.with_columns(
            _first=pl.coalesce("handed_over_on", "moved_in_on", "today"),
        )
        both = both.with_columns(
            household_due=due_column(both, "_first"),
            same_county=pl.col("village_id").str.slice(0, 6)
            == pl.col("site_village_code").str.slice(0, 6),
        )
    both = bulk.apply_checks(batch, key, both, rules.RELOCATION_CHECKS, RELOCATION_COLUMNS)
    demolished = both.filter(pl.col("demolished_on").is_not_null())
    refused = bulk.apply_checks(batch, key, demolished, rules.DEMOLITION_CHECKS)
    both = both.join(
        demolished.join(refused.select("_i"), on="_i", how="anti").select("_i"), on="_i", how="anti"
    )
    new = both.filter(pl.col("id").is_null())
    filling = both.filter(pl.col("id").is_not_null())
    # Room at each site, the new rows in file order after the households recorded there.
    if not new.is_empty():
        used = bulk.frame_of(
            list(
                Relocation.objects.filter(site_id__in=new["site_id"].unique().to_list())
                .values("site_id")
                .order_by()
                .annotate(h=Count("id"), p=Sum("people"))
                .values_list("site_id", "h", "p")
            ),
            {"site_id": pl.Int64, "used_homes": pl.Int64, "used_people": pl.Int64},
        )
        fit = rules.site_fit(
            new.sort("_i")
            .join(used, on="site_id", how="left")
            .with_columns(pl.col("used_homes").fill_null(0), pl.col("used_people").fill_null(0))
        )
        fit = bulk.reject(batch, key, fit, fit["no_home"], "site_name", rules.full_homes())
        new = bulk.reject(batch, key, fit, fit["no_room"], "site_name", rules.full_people())
    if not batch.proceed():
        return
    actor_id = getattr(batch.actor, "pk", None)
    recorded_by = (
        pl.when(pl.col("demolished_on").is_not_null())
        .then(pl.lit(actor_id, pl.Int64))
        .otherwise(pl.lit(None, pl.Int64))
        .alias("demolition_recorded_by_id")
    )
    if not new.is_empty():
        bulk.insert(
            Relocation,
            new.select(
                "household_id",
                "village_id",
                *FIXED,
                *FILLED,
                recorded_by,
                pl.lit(batch.now).alias("created_at"),
            ),
            records,
            rec,
        )
        count.created += new.height
    if not filling.is_empty():
        filling = filling.with_columns(
            pl.when(pl.col("demolished_on__old").is_null() & pl.col("demolished_on").is_not_null())
            .then(pl.lit(actor_id, pl.Int64))
            .otherwise(pl.lit(None, pl.Int64))
            .alias("demolition_recorded_by_id"),
            pl.lit(None, pl.Int64).alias("demolition_recorded_by_id__old"),
        )
        fields = [*FILLED, "demolition_recorded_by_id"]
        bulk.update(
            Relocation,
            filling.select("id", *fields, *[f"{f}__old" for f in fields]),
            fields,
            records,
            rec,
        )
        count.updated += filling.height


# ------------------------------------------------------------------ support


def _write_supports(batch: LedgerImport) -> None:
    rows = bulk.sheet_rows(batch, "supports")
    if rows.is_empty():
        return
    key, today = "supports", bulk.import_day(batch)
    rows = bulk.households_by_number(batch, key, rows)
    found = bulk.frame_of(
        list(
            selectors.relocations(batch.actor)
            .filter(household_id__in=rows["household_id"].unique().to_list())
            .values_list("household_id", "id", "moved_in_on")
        ),
        {"household_id": pl.Int64, "relocation_id": pl.Int64, "moved_in_on": pl.Date},
    )
    rows = rows.join(found, on="household_id", how="left")
    rows = bulk.reject(
        batch,
        key,
        rows,
        rows["relocation_id"].is_null(),
        "household_number",
        _("The household's relocation is not recorded."),
    )
    members = bulk.frame_of(
        list(
            Member.objects.filter(
                household_id__in=rows["household_id"].unique().to_list(),
                id_number__in=rows["id_number"].drop_nulls().unique().to_list(),
            ).values_list("household_id", "id_number", "id")
        ),
        {"household_id": pl.Int64, "id_number": pl.String, "member_id": pl.Int64},
    )
    rows = rows.join(members, on=["household_id", "id_number"], how="left")
    rows = bulk.reject(
        batch,
        key,
        rows,
        rows["id_number"].is_not_null() & rows["member_id"].is_null(),
        "id_number",
        _("Not a member of this household."),
    )
    rows = bulk.apply_checks(
        batch, key, rows.with_columns(today=pl.lit(today)), rules.SUPPORT_CHECKS
    )
    # A support is known by its household, kind, day, what was done and for whom.
    natural = ["relocation_id", "kind", "on", "description", "member_id"]
    rows = bulk.reject(
        batch,
        key,
        rows,
        bulk.repeated(rows, natural),
        "on",
        _("This support is given twice in the file."),
    )
    stored = bulk.frame_of(
        list(
            Support.objects.filter(
                relocation_id__in=rows["relocation_id"].unique().to_list()
            ).values_list("relocation_id", "kind", "on", "description", "member_id")
        ),
        {
            "relocation_id": pl.Int64,
            "kind": pl.String,
            "on": pl.Date,
            "description": pl.String,
            "member_id": pl.Int64,
        },
    )
    stored = bulk.as_read(stored, "description")
    count = batch.count(key)
    known = rows.join(stored, on=natural, how="semi", nulls_equal=True)
    count.unchanged += known.height
    new = rows.join(stored, on=natural, how="anti", nulls_equal=True)
    if not batch.proceed() or new.is_empty():
        return
    bulk.insert(
        Support,
        new.select(
            "relocation_id",
            "kind",
            "on",
            "description",
            "member_id",
            pl.lit(batch.now).alias("created_at"),
        ),
        RowRecords(
            Support,
            # "on" is a word of SQL: quoted.
            "t.kind || ' ' || CAST(t.\"on\" AS TEXT)",
            area_sql="r.village_id",
            joins=f"JOIN {Relocation._meta.db_table} r ON r.id = t.relocation_id",
            related=(Relocation, "t.relocation_id"),
        ),
        bulk.recorder(batch),
    )
    count.created += new.height


def write(batch: LedgerImport) -> None:
    """Sites first, then the households relocated to them, then their support."""
    if not getattr(batch.actor, "may_edit", False):
        raise NotAllowed()
    _write_sites(batch)
    _write_relocations(batch)
    _write_supports(batch)


# ------------------------------------------------------------------ export


def export(user: Any, prefix: str) -> dict[str, pl.DataFrame]:
    """The sites, relocated households and support of the user's area under `prefix`
    (no ID number but the support's person, masked unless the role may reveal)."""
    span = code_range(prefix)
    sites = text_frame(
        list(
            selectors.sites(user)
            .filter(village__code__range=span)
            .order_by("id")
            .values_list(
                "name",
                "kind",
                "village_id",
                "village__name",
                "address",
                "homes",
                "capacity",
                "completed_on",
            )
        ),
        SITES,
    )
    moved = selectors.relocations(user).filter(village__code__range=span).order_by("id")
    relocations = text_frame(
        list(
            moved.values_list(
                "household__number",
                "site__village_id",
                "site__name",
                "people",
                "home",
                "home_area",
                "handed_over_on",
                "moved_in_on",
                "old_house",
                "demolished_on",
                "kept_reason",
                "demolition_verified_on",
            )
        ),
        RELOCATIONS,
    )
    supports = text_frame(
        list(
            selectors.supports(user)
            .filter(relocation__in=moved)
            .order_by("id")
            .values_list(
                "relocation__household__number", "kind", "on", "description", "member__id_number"
            )
        ),
        SUPPORTS,
    )
    return {
        "sites": sites,
        "relocations": relocations,
        "supports": masked(user, supports, prefix, "relocation.support"),
    }


_moved_in = dated_benefits(
    Relocation,
    date="moved_in_on",
    amount=None,
    label=lambda r: _("Moved into %(home)s at %(site)s") % {"home": r.home, "site": r.site.name},
    related=("site",),
)
_supported = dated_benefits(
    Support,
    date="on",
    amount=None,
    label=lambda r: f"{r.get_kind_display()} · {r.description}",
    household="relocation__household",
)


def benefits(user: Any, household: Any, year: int) -> list[Benefit]:
    """The household's move in the year it moved in, and the follow-up support given in
    the year (后续扶持)."""
    return [*_moved_in(user, household, year), *_supported(user, household, year)]


def ledger() -> Ledger:
    return Ledger(
        key="relocation",
        label=LEDGER_LABEL,
        models=(Relocation,),
        panel_flag=selectors.PANEL_RELOCATION,
        panel_template="relocation/_household_relocation.html",
        panel_rows=selectors.household_relocations,
        actions=selectors.household_actions,
        sheets=(SITES, RELOCATIONS, SUPPORTS),
        write=write,
        export=export,
        benefits=benefits,
    )
