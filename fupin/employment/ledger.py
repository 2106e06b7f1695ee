"""The two ledgers of this app as the programmes toolkit sees them (registered in
EmploymentConfig.ready): "posts" (the posts, their holders, their monthly pay) and
"jobs" (placements and migrant work, transport subsidies), each with its household-page
panel, its workbook and its export.

The import is set-based: each sheet's rows are looked up against the database in a few
queries, checked with the rules' column forms (`rules.*_CHECKS`, the same rules the
services check in their row form), and written with the bulk path, each row with its
change record (`programmes.bulk`). A row already in the ledger (its natural key) is
unchanged when it says the same, fills a blank end date (a holding or a job that has
ended), and is refused otherwise ("change it on its page"). New holders are proposals:
a township or county user who did not import them appoints them (four eyes).

Natural keys: a post's number; a holding's post, person and first day; a month's pay's
holding and month; a job's person, employer and first day; a transport subsidy's
person and year.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.core.errors import NotAllowed
from fupin.core.history import RowRecords
from fupin.core.scope import code_range
from fupin.employment import rules, selectors
from fupin.employment.apps import JOBS_LABEL, POSTS_LABEL
from fupin.employment.models import (
    EndReason,
    Holding,
    HoldingStatus,
    Payment,
    Placement,
    PlacementKind,
    Post,
    PostKind,
    TransportSubsidy,
)
from fupin.exchange.layout import CODE, DATE, DIVISION, ID_NUMBER, INFO, MONEY, TEXT, Column, Sheet
from fupin.funds.models import SourceKind
from fupin.programmes import bulk
from fupin.programmes.due import due_column
from fupin.programmes.ledgers import Ledger, dated_benefits
from fupin.programmes.workbook import LedgerImport, masked_for, text_frame
from fupin.registry.ages import age_on_expr
from fupin.registry.choices import MigrantPlace
from fupin.registry.models import Household, Member

POSTS = Sheet(
    "posts",
    gettext_lazy("Posts"),
    Post,
    (
        Column("code", gettext_lazy("post number"), TEXT, field="code", required=True, width=18),
        Column(
            "kind", gettext_lazy("post kind"), CODE, field="kind", choices=PostKind, required=True
        ),
        Column("unit", gettext_lazy("employing unit"), TEXT, field="unit", required=True, width=20),
        Column(
            "village_code",
            gettext_lazy("village code"),
            DIVISION,
            field="village_id",
            required=True,
        ),
        Column("village_name", gettext_lazy("village name"), INFO),
        Column(
            "monthly_pay",
            gettext_lazy("monthly pay (yuan)"),
            MONEY,
            field="monthly_pay",
            required=True,
        ),
        Column(
            "funding",
            gettext_lazy("funding source"),
            CODE,
            field="funding",
            choices=SourceKind,
            required=True,
        ),
        Column("opened_on", gettext_lazy("opened on"), DATE, field="opened_on", required=True),
        Column("closed_on", gettext_lazy("closed on"), DATE, field="closed_on"),
    ),
)
HOLDINGS = Sheet(
    "holdings",
    gettext_lazy("Post holders"),
    Holding,
    (
        Column("post_code", gettext_lazy("post number"), TEXT, required=True, width=18),
        Column("household_number", gettext_lazy("household number"), TEXT, required=True, width=18),
        Column("id_number", gettext_lazy("holder's ID number"), ID_NUMBER, required=True, width=20),
        Column("name", gettext_lazy("holder"), INFO),
        Column("start_on", gettext_lazy("appointed from"), DATE, field="start_on", required=True),
        Column("end_on", gettext_lazy("appointment ended on"), DATE, field="end_on"),
        Column(
            "end_reason",
            gettext_lazy("reason it ended"),
            CODE,
            field="end_reason",
            choices=EndReason,
        ),
        Column("status", gettext_lazy("appointment"), INFO),
    ),
)
PAYMENTS = Sheet(
    "payments",
    gettext_lazy("Post pay"),
    Payment,
    (
        Column("post_code", gettext_lazy("post number"), TEXT, required=True, width=18),
        Column("id_number", gettext_lazy("holder's ID number"), ID_NUMBER, required=True, width=20),
        Column("name", gettext_lazy("holder"), INFO),
        Column("month", gettext_lazy("month paid for"), DATE, field="month", required=True),
        Column("amount", gettext_lazy("pay (yuan)"), MONEY, field="amount", required=True),
        Column("paid_on", gettext_lazy("pay day"), DATE, field="paid_on", required=True),
    ),
)
PLACEMENTS = Sheet(
    "placements",
    gettext_lazy("Jobs"),
    Placement,
    (
        Column("household_number", gettext_lazy("household number"), TEXT, required=True, width=18),
        Column("id_number", gettext_lazy("worker's ID number"), ID_NUMBER, required=True, width=20),
        Column("name", gettext_lazy("worker"), INFO),
        Column(
            "kind",
            gettext_lazy("kind of work"),
            CODE,
            field="kind",
            choices=PlacementKind,
            required=True,
        ),
        Column(
            "employer", gettext_lazy("employer"), TEXT, field="employer", required=True, width=24
        ),
        Column(
            "place", gettext_lazy("place of work"), TEXT, field="place", required=True, width=18
        ),
        Column(
            "place_scope",
            gettext_lazy("how far from home"),
            CODE,
            field="place_scope",
            choices=MigrantPlace,
            required=True,
        ),
        Column("start_on", gettext_lazy("working from"), DATE, field="start_on", required=True),
        Column("end_on", gettext_lazy("job ended on"), DATE, field="end_on"),
        Column(
            "monthly_income",
            gettext_lazy("monthly income (yuan)"),
            MONEY,
            field="monthly_income",
            required=True,
        ),
    ),
)
SUBSIDIES = Sheet(
    "subsidies",
    gettext_lazy("Transport subsidies"),
    TransportSubsidy,
    (
        Column("id_number", gettext_lazy("worker's ID number"), ID_NUMBER, required=True, width=20),
        Column("name", gettext_lazy("worker"), INFO),
        Column("employer", gettext_lazy("employer"), TEXT, required=True, width=24),
        Column("start_on", gettext_lazy("working from"), DATE, required=True),
        Column("paid_on", gettext_lazy("subsidy paid on"), DATE, field="paid_on", required=True),
        Column("amount", gettext_lazy("subsidy (yuan)"), MONEY, field="amount", required=True),
    ),
)

# A rule's field → the sheet column its refusal is shown on.
HOLDING_COLUMNS = {"household": "household_number", "member": "id_number", "post": "post_code"}
PAYMENT_COLUMNS = {"holding": "post_code", "month": "month"}
PERSON_COLUMNS = {"member": "id_number", "placement": "employer"}


def _require_editor(batch: LedgerImport) -> None:
    if not getattr(batch.actor, "may_edit", False):
        raise NotAllowed()


def _people(batch: LedgerImport, key: str, rows: pl.DataFrame) -> pl.DataFrame:
    """The rows' households (by number, in the user's area) and current members (by ID
    number): household_id, village_id, member_id, labour, birth_date added; rows
    without either are refused."""
    rows = bulk.households_by_number(batch, key, rows)
    members = bulk.frame_of(
        list(
            Member.objects.filter(
                household_id__in=rows["household_id"].unique().to_list(),
                id_number__in=rows["id_number"].unique().to_list(),
                is_active=True,
            ).values_list("household_id", "id_number", "id", "labour", "birth_date")
        ),
        {
            "household_id": pl.Int64,
            "id_number": pl.String,
            "member_id": pl.Int64,
            "labour": pl.String,
            "birth_date": pl.Date,
        },
    )
    rows = rows.join(members, on=["household_id", "id_number"], how="left")
    return bulk.reject(
        batch,
        key,
        rows,
        rows["member_id"].is_null(),
        "id_number",
        _("Not a current member of this household."),
    )


def _household_records(model: Any, repr_sql: str) -> RowRecords:
    return RowRecords(
        model, repr_sql, area_sql="t.village_id", related=(Household, "t.household_id")
    )


# ------------------------------------------------------------------ posts


POST_FIELDS = ["kind", "unit", "village_id", "monthly_pay", "funding", "opened_on", "closed_on"]


def _write_posts(batch: LedgerImport) -> None:
    rows = bulk.sheet_rows(batch, "posts")
    if rows.is_empty():
        return
    actor = batch.actor
    key = "posts"
    rows = bulk.villages_in_area(batch, key, rows)
    rows = bulk.reject(
        batch,
        key,
        rows,
        bulk.repeated(rows, ["code"]),
        "code",
        _("This post number is given twice in the file."),
    )
    rows = bulk.apply_checks(batch, key, rows, rules.POST_CHECKS)
    schema = {
        "code": pl.String,
        "id": pl.Int64,
        "in_area": pl.Boolean,
        **{f"{f}__old": rows.schema[f] for f in POST_FIELDS},
    }
    own = set(
        Post.objects.restrict(actor)
        .filter(code__in=rows["code"].to_list())
        .values_list("pk", flat=True)
    )
    stored = bulk.frame_of(
        [
            (r[0], r[1], r[1] in own, *r[2:])
            for r in Post.objects.filter(code__in=rows["code"].to_list()).values_list(
                "code", "id", *POST_FIELDS
            )
        ],
        schema,
    )
    stored = bulk.as_read(stored, "unit__old")
    rows = rows.join(stored, on="code", how="left")
    rows = bulk.reject(
        batch,
        key,
        rows,
        rows["id"].is_not_null() & ~rows["in_area"].fill_null(False),
        "code",
        _("A post with this number exists."),
    )
    new = bulk.settle(
        batch,
        key,
        rows,
        known=pl.col("id").is_not_null(),
        same=pl.all_horizontal(pl.col(f).eq_missing(pl.col(f"{f}__old")) for f in POST_FIELDS),
        column="code",
        reason=_("A post with this number exists with other values; change it on its page."),
    )
    count = batch.count(key)
    if not batch.proceed() or new.is_empty():
        return
    bulk.insert(
        Post,
        new.select("code", *POST_FIELDS, pl.lit(batch.now).alias("created_at")),
        RowRecords(Post, "t.code", area_sql="t.village_id"),
        bulk.recorder(batch),
    )
    count.created += new.height


# ------------------------------------------------------------------ holdings


def _stored_holdings(post_ids: list[int], member_ids: list[int]) -> pl.DataFrame:
    return bulk.frame_of(
        list(
            Holding.objects.filter(post_id__in=post_ids).values_list(
                "id", "post_id", "member_id", "status", "start_on", "end_on", "end_reason"
            )
        )
        + list(
            Holding.objects.filter(member_id__in=member_ids)
            .exclude(post_id__in=post_ids)
            .values_list("id", "post_id", "member_id", "status", "start_on", "end_on", "end_reason")
        ),
        {
            "id": pl.Int64,
            "post_id": pl.Int64,
            "member_id": pl.Int64,
            "status": pl.String,
            "start_on": pl.Date,
            "end_on": pl.Date,
            "end_reason": pl.String,
        },
    )


def _overlapping(rows: pl.DataFrame, stored: pl.DataFrame, on: str) -> pl.Series:
    """Whether each new (open-ended) row overlaps a stored holding (proposed or appointed)
    with the same `on`."""
    stored = stored.filter(pl.col("status") != HoldingStatus.REFUSED)
    if rows.is_empty() or stored.is_empty():
        return pl.Series([False] * rows.height)
    pairs = rows.select("_i", on, "start_on", pl.lit(None, pl.Date).alias("end_on")).join(
        stored.select(on, pl.col("start_on").alias("b_start"), pl.col("end_on").alias("b_end")),
        on=on,
    )
    hit = pairs.filter(rules.overlaps_expr("start_on", "end_on", "b_start", "b_end"))["_i"]
    return rows["_i"].is_in(hit.implode())


def _write_holdings(batch: LedgerImport) -> None:
    rows = bulk.sheet_rows(batch, "holdings")
    if rows.is_empty():
        return
    key, actor, today = "holdings", batch.actor, bulk.import_day(batch)
    posts = bulk.frame_of(
        list(
            Post.objects.restrict(actor)
            .filter(code__in=rows["post_code"].unique().to_list())
            .values_list("code", "id", "village_id", "opened_on", "closed_on")
        ),
        {
            "post_code": pl.String,
            "post_id": pl.Int64,
            "post_village": pl.String,
            "opened_on": pl.Date,
            "closed_on": pl.Date,
        },
    )
    rows = rows.join(posts, on="post_code", how="left")
    rows = bulk.reject(
        batch,
        key,
        rows,
        rows["post_id"].is_null(),
        "post_code",
        _("No post with this number in your area."),
    )
    rows = _people(batch, key, rows)
    if rows.is_empty():
        return
    stored = _stored_holdings(
        rows["post_id"].unique().to_list(), rows["member_id"].unique().to_list()
    )
    natural = ["post_id", "member_id", "start_on"]
    matched = rows.join(
        stored.rename(
            {"end_on": "end_on__old", "end_reason": "end_reason__old", "status": "status__old"}
        ),
        on=natural,
        how="inner",
    )
    new = rows.join(stored.select(natural), on=natural, how="anti")
    count = batch.count(key)
    # Stored holdings: a refused proposal, the same, an end filled in, or refused.
    matched = bulk.reject(
        batch,
        key,
        matched,
        matched["status__old"] == HoldingStatus.REFUSED,
        "start_on",
        rules.refused_before(),
    ).with_columns(pl.col("end_reason").fill_null(""))
    same = matched.filter(
        pl.col("end_on").eq_missing(pl.col("end_on__old"))
        & (pl.col("end_reason") == pl.col("end_reason__old"))
    )
    count.unchanged += same.height
    ending = matched.filter(
        pl.col("end_on__old").is_null()
        & pl.col("end_on").is_not_null()
        & (pl.col("status__old") == HoldingStatus.APPROVED)
    )
    other = matched.join(pl.concat([same, ending]).select("_i"), on="_i", how="anti")
    bulk.reject(
        batch,
        key,
        other,
        pl.Series([True] * other.height),
        "start_on",
        _("This holding is recorded with other values; change it on its page."),
    )
    ending = bulk.reject(
        batch,
        key,
        ending,
        ending["end_reason"] == "",
        "end_reason",
        _("Say why the holding ended."),
    )
    last_paid = (
        bulk.frame_of(
            list(
                Payment.objects.filter(holding_id__in=ending["id"].to_list())
                .order_by()
                .values_list("holding_id", "month")
            ),
            {"id": pl.Int64, "month": pl.Date},
        )
        .group_by("id")
        .agg(last_paid=pl.col("month").max())
    )
    ending = ending.join(last_paid, on="id", how="left").with_columns(today=pl.lit(today))
    ending = bulk.apply_checks(batch, key, ending, rules.HOLDING_END_CHECKS)
    # New holders: proposals, open-ended.
    new = bulk.reject(
        batch,
        key,
        new,
        new["end_on"].is_not_null(),
        "end_on",
        _("A new holder is proposed without an end; end the holding once appointed."),
    )
    if not new.is_empty():
        new = new.with_columns(
            household_due=due_column(new, "start_on"),
            age=age_on_expr(pl.col("birth_date"), pl.col("start_on")),
            post_open=rules.post_open_expr(pl.col("start_on")),
            same_township=pl.col("post_village").str.slice(0, 9)
            == pl.col("village_id").str.slice(0, 9),
        )
    new = bulk.apply_checks(batch, key, new, rules.HOLDING_CHECKS, HOLDING_COLUMNS)
    # The spans last: a row refused for itself does not block a later one.
    for column, on, reason in (
        ("post_code", "post_id", rules.overlap_post()),
        ("id_number", "member_id", rules.overlap_person()),
    ):
        new = bulk.reject(batch, key, new, _overlapping(new, stored, on), column, reason)
        # Two new rows of one post (or one person) overlap: both are open-ended.
        new = bulk.reject(batch, key, new, bulk.repeated(new, [on]), column, reason)
    if not batch.proceed():
        return
    records = _household_records(
        Holding,
        "CAST(t.post_id AS TEXT) || ' ' || CAST(t.member_id AS TEXT) || ' ' "
        "|| CAST(t.start_on AS TEXT)",
    )
    rec = bulk.recorder(batch)
    bulk.insert(
        Holding,
        new.select(
            "post_id",
            "household_id",
            "member_id",
            "village_id",
            "start_on",
            pl.lit(HoldingStatus.PROPOSED.value).alias("status"),
            pl.lit("").alias("end_reason"),
            pl.lit(getattr(actor, "pk", None), pl.Int64).alias("proposed_by_id"),
            pl.lit(batch.now).alias("created_at"),
        ),
        records,
        rec,
    )
    count.created += new.height
    bulk.update(
        Holding,
        ending.select("id", "end_on", "end_reason", "end_on__old", "end_reason__old"),
        ["end_on", "end_reason"],
        records,
        rec,
    )
    count.updated += ending.height


# ------------------------------------------------------------------ pay


def _write_payments(batch: LedgerImport) -> None:
    rows = bulk.sheet_rows(batch, "payments")
    if rows.is_empty():
        return
    key, actor, today = "payments", batch.actor, bulk.import_day(batch)
    rows = rows.with_columns(pl.col("month").dt.month_start())
    held = bulk.frame_of(
        list(
            selectors.holdings(actor)
            .filter(
                post__code__in=rows["post_code"].unique().to_list(),
                member__id_number__in=rows["id_number"].unique().to_list(),
            )
            .values_list(
                "post__code",
                "member__id_number",
                "id",
                "status",
                "start_on",
                "decided_on",
                "end_on",
                "post__monthly_pay",
            )
        ),
        {
            "post_code": pl.String,
            "id_number": pl.String,
            "holding_id": pl.Int64,
            "status": pl.String,
            "start_on": pl.Date,
            "decided_on": pl.Date,
            "end_on": pl.Date,
            "monthly_pay": pl.Decimal(14, 2),
        },
    )
    # The holding of the post by the person held in that month, else their latest one
    # (whose refusal then says why).
    rows = (
        rows.join(held, on=["post_code", "id_number"], how="left")
        .with_columns(_held=rules.held_in_month_expr(pl.col("month")))
        .sort(["_i", "_held", "start_on"], descending=[False, True, True], nulls_last=True)
        .unique("_i", keep="first", maintain_order=True)
    )
    rows = bulk.reject(
        batch,
        key,
        rows,
        rows["holding_id"].is_null(),
        "post_code",
        _("No holding of this post by this person in your area."),
    )
    rows = bulk.apply_checks(
        batch, key, rows.with_columns(today=pl.lit(today)), rules.PAYMENT_CHECKS, PAYMENT_COLUMNS
    )
    rows = bulk.reject(
        batch,
        key,
        rows,
        bulk.repeated(rows, ["holding_id", "month"]),
        "month",
        _("The pay of this holding and month is given twice in the file."),
    )
    stored = bulk.frame_of(
        list(
            Payment.objects.filter(
                holding_id__in=rows["holding_id"].unique().to_list()
            ).values_list("holding_id", "month", "amount", "paid_on")
        ),
        {
            "holding_id": pl.Int64,
            "month": pl.Date,
            "amount__old": pl.Decimal(14, 2),
            "paid_on__old": pl.Date,
        },
    )
    rows = rows.join(stored, on=["holding_id", "month"], how="left")
    new = bulk.settle(
        batch,
        key,
        rows,
        known=pl.col("paid_on__old").is_not_null(),
        same=(pl.col("amount") == pl.col("amount__old"))
        & (pl.col("paid_on") == pl.col("paid_on__old")),
        column="month",
        reason=_("The pay of this month is recorded with other values."),
    )
    count = batch.count(key)
    if not batch.proceed() or new.is_empty():
        return
    bulk.insert(
        Payment,
        new.select(
            "holding_id",
            "month",
            "amount",
            "paid_on",
            pl.lit(getattr(actor, "pk", None), pl.Int64).alias("recorded_by_id"),
            pl.lit(batch.now).alias("recorded_at"),
        ),
        RowRecords(
            Payment,
            "CAST(t.holding_id AS TEXT) || ' ' || CAST(t.month AS TEXT)",
            area_sql="h.village_id",
            joins=f"JOIN {Holding._meta.db_table} h ON h.id = t.holding_id",
            related=(Holding, "t.holding_id"),
        ),
        bulk.recorder(batch),
    )
    count.created += new.height


def write_posts(batch: LedgerImport) -> None:
    """Posts first, then their holders, then the pay (a row finds what the file's earlier
    sheets created)."""
    _require_editor(batch)
    _write_posts(batch)
    _write_holdings(batch)
    _write_payments(batch)


# ------------------------------------------------------------------ jobs


PLACEMENT_FIELDS = ["kind", "place", "place_scope", "end_on", "monthly_income"]


def _write_placements(batch: LedgerImport) -> None:
    rows = bulk.sheet_rows(batch, "placements")
    if rows.is_empty():
        return
    key, today = "placements", bulk.import_day(batch)
    rows = _people(batch, key, rows)
    rows = bulk.reject(
        batch,
        key,
        rows,
        bulk.repeated(rows, ["member_id", "employer", "start_on"]),
        "start_on",
        _("This job (person, employer, first day) is given twice in the file."),
    )
    if rows.is_empty():
        return
    stored = bulk.frame_of(
        list(
            Placement.objects.filter(
                member_id__in=rows["member_id"].unique().to_list()
            ).values_list("id", "member_id", "employer", "start_on", *PLACEMENT_FIELDS)
        ),
        {
            "id": pl.Int64,
            "member_id": pl.Int64,
            "employer": pl.String,
            "start_on": pl.Date,
            **{f"{f}__old": rows.schema[f] for f in PLACEMENT_FIELDS},
        },
    )
    natural = ["member_id", "employer", "start_on"]
    stored = bulk.as_read(stored, "employer", "place__old")
    rows = rows.join(stored, on=natural, how="left").with_columns(today=pl.lit(today))
    known = rows.filter(pl.col("id").is_not_null())
    kept = [f for f in PLACEMENT_FIELDS if f != "end_on"]
    same_rest = pl.all_horizontal(pl.col(f).eq_missing(pl.col(f"{f}__old")) for f in kept)
    same = known.select(same_rest & pl.col("end_on").eq_missing(pl.col("end_on__old"))).to_series()
    ends = known.select(
        same_rest & pl.col("end_on__old").is_null() & pl.col("end_on").is_not_null()
    ).to_series()
    bulk.reject(
        batch,
        key,
        known,
        ~same & ~ends,
        "start_on",
        _("This job is recorded with other values; change it on its page."),
    )
    count = batch.count(key)
    count.unchanged += int(same.sum())
    ending = bulk.apply_checks(batch, key, known.filter(ends), [rules.PLACEMENT_END])
    new = rows.filter(pl.col("id").is_null())
    if not new.is_empty():
        new = new.with_columns(age=age_on_expr(pl.col("birth_date"), pl.col("start_on")))
    new = bulk.apply_checks(batch, key, new, rules.PLACEMENT_CHECKS, PERSON_COLUMNS)
    if not batch.proceed():
        return
    records = _household_records(Placement, "t.employer || ' ' || CAST(t.start_on AS TEXT)")
    rec = bulk.recorder(batch)
    if not new.is_empty():
        bulk.insert(
            Placement,
            new.select(
                "household_id",
                "member_id",
                "village_id",
                "kind",
                "employer",
                "place",
                "place_scope",
                "start_on",
                "end_on",
                "monthly_income",
                pl.lit(batch.now).alias("created_at"),
            ),
            records,
            rec,
        )
        count.created += new.height
    bulk.update(Placement, ending.select("id", "end_on", "end_on__old"), ["end_on"], records, rec)
    count.updated += ending.height


def _write_subsidies(batch: LedgerImport) -> None:
    rows = bulk.sheet_rows(batch, "subsidies")
    if rows.is_empty():
        return
    key, actor, today = "subsidies", batch.actor, bulk.import_day(batch)
    jobs = bulk.frame_of(
        list(
            selectors.placements(actor)
            .filter(member__id_number__in=rows["id_number"].unique().to_list())
            .values_list(
                "member__id_number",
                "employer",
                "start_on",
                "id",
                "member_id",
                "household_id",
                "village_id",
                "place_scope",
            )
        ),
        {
            "id_number": pl.String,
            "employer": pl.String,
            "start_on": pl.Date,
            "placement_id": pl.Int64,
            "member_id": pl.Int64,
            "household_id": pl.Int64,
            "village_id": pl.String,
            "place_scope": pl.String,
        },
    )
    jobs = bulk.as_read(jobs, "employer")
    rows = rows.join(jobs, on=["id_number", "employer", "start_on"], how="left")
    rows = bulk.reject(
        batch,
        key,
        rows,
        rows["placement_id"].is_null(),
        "employer",
        _("No job of this person with this employer and first day in your area."),
    )
    rows = bulk.apply_checks(
        batch, key, rows.with_columns(today=pl.lit(today)), rules.SUBSIDY_CHECKS, PERSON_COLUMNS
    )
    rows = rows.with_columns(year=pl.col("paid_on").dt.year().cast(pl.Int64))
    rows = bulk.reject(
        batch,
        key,
        rows,
        bulk.repeated(rows, ["member_id", "year"]),
        "paid_on",
        _("Two transport subsidies of one person and year are given in the file."),
    )
    stored = bulk.frame_of(
        list(
            TransportSubsidy.objects.filter(
                member_id__in=rows["member_id"].unique().to_list()
            ).values_list("member_id", "year", "placement_id", "amount", "paid_on")
        ),
        {
            "member_id": pl.Int64,
            "year": pl.Int64,
            "placement_id__old": pl.Int64,
            "amount__old": pl.Decimal(14, 2),
            "paid_on__old": pl.Date,
        },
    )
    rows = rows.join(stored, on=["member_id", "year"], how="left")
    new = bulk.settle(
        batch,
        key,
        rows,
        known=pl.col("paid_on__old").is_not_null(),
        same=(pl.col("placement_id") == pl.col("placement_id__old"))
        & (pl.col("amount") == pl.col("amount__old"))
        & (pl.col("paid_on") == pl.col("paid_on__old")),
        column="paid_on",
        reason=_("The person has a transport subsidy of that year already."),
    )
    count = batch.count(key)
    if not batch.proceed() or new.is_empty():
        return
    bulk.insert(
        TransportSubsidy,
        new.select(
            "household_id",
            "member_id",
            "village_id",
            "placement_id",
            "year",
            "amount",
            "paid_on",
            pl.lit(batch.now).alias("created_at"),
        ),
        _household_records(
            TransportSubsidy, "CAST(t.member_id AS TEXT) || ' ' || CAST(t.year AS TEXT)"
        ),
        bulk.recorder(batch),
    )
    count.created += new.height


def write_jobs(batch: LedgerImport) -> None:
    _require_editor(batch)
    _write_placements(batch)
    _write_subsidies(batch)


# ------------------------------------------------------------------ exports


def masked(user: Any, frame: pl.DataFrame, prefix: str, what: str) -> pl.DataFrame:
    """An export's ID numbers masked unless the role may reveal them (then one logged
    read): `workbook.masked_for` on the sheets' `id_number` column."""
    return masked_for(user, frame, "id_number", kind="id_number", object_type=what, prefix=prefix)


def export_posts(user: Any, prefix: str) -> dict[str, pl.DataFrame]:
    span = code_range(prefix)
    posts = selectors.posts(user).filter(village__code__range=span).order_by("id")
    post_rows = text_frame(
        list(
            posts.values_list(
                "code",
                "kind",
                "unit",
                "village_id",
                "village__name",
                "monthly_pay",
                "funding",
                "opened_on",
                "closed_on",
            )
        ),
        POSTS,
    )
    held = selectors.holdings(user).filter(village__code__range=span).order_by("id")
    holding_rows = masked(
        user,
        text_frame(
            list(
                held.values_list(
                    "post__code",
                    "household__number",
                    "member__id_number",
                    "member__name",
                    "start_on",
                    "end_on",
                    "end_reason",
                    "status",
                )
            ),
            HOLDINGS,
        ),
        prefix,
        "employment.holding",
    )
    pay_rows = masked(
        user,
        text_frame(
            list(
                Payment.objects.filter(holding__in=held)
                .order_by("holding_id", "month")
                .values_list(
                    "holding__post__code",
                    "holding__member__id_number",
                    "holding__member__name",
                    "month",
                    "amount",
                    "paid_on",
                )
            ),
            PAYMENTS,
        ),
        prefix,
        "employment.payment",
    )
    return {"posts": post_rows, "holdings": holding_rows, "payments": pay_rows}


def export_jobs(user: Any, prefix: str) -> dict[str, pl.DataFrame]:
    span = code_range(prefix)
    jobs = selectors.placements(user).filter(village__code__range=span).order_by("id")
    placements = masked(
        user,
        text_frame(
            list(
                jobs.values_list(
                    "household__number",
                    "member__id_number",
                    "member__name",
                    "kind",
                    "employer",
                    "place",
                    "place_scope",
                    "start_on",
                    "end_on",
                    "monthly_income",
                )
            ),
            PLACEMENTS,
        ),
        prefix,
        "employment.placement",
    )
    subsidies = masked(
        user,
        text_frame(
            list(
                selectors.subsidies(user)
                .filter(village__code__range=span)
                .order_by("id")
                .values_list(
                    "member__id_number",
                    "member__name",
                    "placement__employer",
                    "placement__start_on",
                    "paid_on",
                    "amount",
                )
            ),
            SUBSIDIES,
        ),
        prefix,
        "employment.transportsubsidy",
    )
    return {"placements": placements, "subsidies": subsidies}


def posts_ledger() -> Ledger:
    return Ledger(
        key="posts",
        label=POSTS_LABEL,
        models=(Holding,),
        panel_flag=selectors.PANEL_HOLDINGS,
        panel_template="employment/_household_posts.html",
        panel_rows=selectors.household_holdings,
        actions=selectors.post_actions,
        sheets=(POSTS, HOLDINGS, PAYMENTS),
        write=write_posts,
        export=export_posts,
        benefits=dated_benefits(
            Payment,
            date="paid_on",
            amount="amount",
            label=lambda r: f"{r.holding.post.get_kind_display()} · {r.holding.member or ''}",
            household="holding__household",
            related=("holding__post", "holding__member"),
        ),
    )


def jobs_ledger() -> Ledger:
    return Ledger(
        key="jobs",
        label=JOBS_LABEL,
        models=(Placement, TransportSubsidy),
        panel_flag=selectors.PANEL_PLACEMENTS,
        panel_template="employment/_household_jobs.html",
        panel_rows=selectors.household_placements,
        actions=selectors.placement_actions,
        sheets=(PLACEMENTS, SUBSIDIES),
        write=write_jobs,
        export=export_jobs,
    )
