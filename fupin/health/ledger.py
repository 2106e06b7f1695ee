"""The health-and-insurance ledger as the programmes toolkit sees it (registered in
HealthConfig.ready): its household-page panel, its workbook (a sheet of cover, natural
key: person, cover and year; a sheet of reimbursements, natural key: the settlement
number) and its export.

The import writes set-based: each sheet's rows are resolved to households and members of
the importer's area in a few reads, checked with the column form of the rules the services
use (`rules.cover_refusal_columns`, `rules.reimbursement_refusal_columns`, and
`assistance.due`'s `due_each` for a premium the government paid), and the good rows are
written with the database's bulk path, one change record each (programmes.rows). Cover
comes first: a reimbursement of the same file finds the cover of its year, and a
serious-illness cover the basic cover of its year."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from fupin.core.bulk import in_batches
from fupin.core.errors import NotAllowed
from fupin.core.history import BulkRecorder
from fupin.core.scope import code_range
from fupin.exchange.layout import CODE, DATE, ID_NUMBER, INFO, INT, MONEY, TEXT, Column, Sheet
from fupin.health import rules, selectors
from fupin.health.apps import LEDGER_LABEL
from fupin.health.models import Cover, CoverKind, Reimbursement
from fupin.programmes.ledgers import Ledger, dated_benefits
from fupin.programmes.rows import (
    due_on,
    now_column,
    reject_refused,
    sheet_rows,
    still_ok,
    stored_rows,
    without_repeats,
    without_stored,
    write_created,
)
from fupin.programmes.workbook import LedgerImport, masked_for, text_frame

COVERS = Sheet(
    "covers",
    _l("Insurance cover"),
    Cover,
    (
        Column("household_number", _l("household number"), TEXT, required=True, width=18),
        Column("person_id_number", _l("ID number"), ID_NUMBER, required=True, width=20),
        Column("person_name", _l("insured person"), INFO),
        Column("year", _l("year covered"), INT, field="year", required=True, low=2013, high=2100),
        Column("kind", _l("cover"), CODE, field="kind", choices=CoverKind, required=True, width=24),
        Column("insured_on", _l("enrolled on"), DATE, field="insured_on", required=True),
        Column("insurer", _l("insurer"), TEXT, field="insurer"),
        Column("premium", _l("premium (yuan)"), MONEY, field="premium", required=True),
        Column("subsidy", _l("premium paid by the government (yuan)"), MONEY, field="subsidy"),
    ),
)

LAYER_HEADERS = {
    "basic_paid": _l("paid by basic medical insurance (yuan)"),
    "serious_paid": _l("paid by serious-illness insurance (yuan)"),
    "assistance_paid": _l("paid by medical assistance (yuan)"),
    "commercial_paid": _l("paid by commercial insurance (yuan)"),
    "prevention_paid": _l("paid by poverty-prevention insurance (yuan)"),
    "other_paid": _l("other top-ups (yuan)"),
}

REIMBURSEMENTS = Sheet(
    "reimbursements",
    _l("Reimbursements"),
    Reimbursement,
    (
        Column("number", _l("settlement number"), TEXT, field="number", required=True, width=18),
        Column("household_number", _l("household number"), TEXT, required=True, width=18),
        Column("patient_id_number", _l("patient's ID number"), ID_NUMBER, required=True, width=20),
        Column("patient_name", _l("patient"), INFO),
        Column("hospital", _l("hospital"), TEXT, field="hospital", required=True, width=24),
        Column("admitted_on", _l("admitted on"), DATE, field="admitted_on", required=True),
        Column("settled_on", _l("settled on"), DATE, field="settled_on", required=True),
        Column("diagnosis", _l("diagnosis"), TEXT, field="diagnosis", width=20),
        Column("total_cost", _l("total cost (yuan)"), MONEY, field="total_cost", required=True),
        *(Column(name, header, MONEY, field=name) for name, header in LAYER_HEADERS.items()),
        Column("out_of_pocket", _l("paid out of pocket (yuan)"), INFO),
    ),
)

COVER_KEY = ["member_id", "kind", "year"]
COVER_VALUES = ["household_id", "insured_on", "insurer", "premium", "subsidy"]
REIMBURSEMENT_VALUES = [
    "household_id",
    "member_id",
    "hospital",
    "admitted_on",
    "settled_on",
    "diagnosis",
    "total_cost",
    *rules.LAYERS,
]


def _money_text(*names: str) -> list[pl.Expr]:
    """Amounts as the text of a two-place decimal, the same for the file and the table."""
    return [pl.col(n).cast(pl.Decimal(14, 2)).cast(pl.String) for n in names]


def _write_covers(batch: LedgerImport, recorder: BulkRecorder) -> None:
    key = "covers"
    rows = sheet_rows(batch, key, "person_id_number")
    if rows.is_empty():
        return
    rows = without_repeats(
        batch,
        key,
        rows.with_columns(pl.col("insurer").fill_null(""), pl.col("subsidy").fill_null(0)),
        COVER_KEY,
        "kind",
        _("This cover (person, cover and year) is given twice in the file."),
    )
    stored = stored_rows(Cover, rows["member_id"].unique().to_list(), [*COVER_KEY, *COVER_VALUES])
    if stored.height:
        stored = stored.with_columns(
            pl.col("insured_on").cast(pl.Date), *_money_text("premium", "subsidy")
        )
    rows = without_stored(
        batch,
        key,
        rows.with_columns(*_money_text("premium", "subsidy")),
        stored,
        COVER_KEY,
        COVER_VALUES,
        "kind",
        _("This person has this cover for this year recorded already, with other values."),
    ).with_columns(pl.col(n).cast(pl.Decimal(14, 2)) for n in ("premium", "subsidy"))
    # The government's share is checked against the day of enrolment, where there is one.
    paid = rows["subsidy"].cast(pl.Float64) > 0
    due = pl.Series("due", [False] * rows.height)
    if paid.any():
        due = due.scatter(paid.arg_true(), due_on(rows.filter(paid), "insured_on"))
    rows = rows.with_columns(due)
    none = pl.DataFrame(schema={"member_id": pl.Int64, "year": pl.Int64})
    basics = (
        stored.filter(pl.col("kind") == CoverKind.BASIC.value).select(
            pl.col("member_id").cast(pl.Int64), pl.col("year").cast(pl.Int64)
        )
        if stored.height
        else none
    )
    refusals = rules.cover_refusal_columns(timezone.localdate(batch.now))
    # Twice: a serious-illness cover whose basic cover of the file was refused meanwhile
    # is refused the second time (the other rules give the same answers again).
    for _pass in range(2):
        in_file = rows.filter(pl.col("kind") == CoverKind.BASIC.value).select(
            pl.col("member_id").cast(pl.Int64), pl.col("year").cast(pl.Int64)
        )
        held = pl.concat([basics, in_file]).unique().with_columns(has_basic=pl.lit(True))
        rows = (
            rows.drop("has_basic", strict=False)
            .join(held, on=["member_id", "year"], how="left")
            .with_columns(pl.col("has_basic").fill_null(False))
        )
        reject_refused(batch, key, rows, refusals)
        rows = still_ok(batch, key, rows)
    if rows.is_empty():
        return
    new = rows.select(
        "household_id",
        "member_id",
        "village_id",
        now_column(batch.now),
        pl.col("year").cast(pl.Int64),
        "kind",
        "insured_on",
        "insurer",
        pl.col("premium").cast(pl.Decimal(10, 2)),
        pl.col("subsidy").cast(pl.Decimal(10, 2)),
        pl.lit(getattr(batch.actor, "pk", None), dtype=pl.Int64).alias("recorded_by_id"),
    )
    write_created(
        recorder,
        Cover,
        new,
        "CAST(t.member_id AS TEXT) || ' ' || t.kind || ' ' || CAST(t.year AS TEXT)",
    )
    batch.count(key).created += new.height


def _write_reimbursements(batch: LedgerImport, recorder: BulkRecorder) -> None:
    key = "reimbursements"
    rows = sheet_rows(batch, key, "patient_id_number")
    if rows.is_empty():
        return
    rows = without_repeats(
        batch,
        key,
        rows.with_columns(
            pl.col("diagnosis").fill_null(""), *[pl.col(n).fill_null(0) for n in rules.LAYERS]
        ),
        ["number"],
        "number",
        _("This settlement number is given twice in the file."),
    )
    columns = ["number", *REIMBURSEMENT_VALUES]
    found = in_batches(
        rows["number"].to_list(),
        lambda part: Reimbursement.objects.filter(number__in=part).values_list(*columns),
    )
    stored = pl.DataFrame(found, schema=columns, orient="row", infer_schema_length=None)
    if stored.height:
        # Only the user's area is told apart: a number of another area is "in use" (a
        # household id no row has, so that it never equals the file's).
        mine = selectors.reimbursements(batch.actor).filter(number__in=stored["number"].to_list())
        visible = list(mine.values_list("number", flat=True))
        stored = stored.with_columns(
            pl.col("admitted_on").cast(pl.Date),
            pl.col("settled_on").cast(pl.Date),
            *_money_text("total_cost", *rules.LAYERS),
            household_id=pl.when(pl.col("number").is_in(visible))
            .then(pl.col("household_id"))
            .otherwise(-1),
        )
    rows = without_stored(
        batch,
        key,
        rows.with_columns(*_money_text("total_cost", *rules.LAYERS)),
        stored,
        ["number"],
        REIMBURSEMENT_VALUES,
        "number",
        _("A reimbursement with this settlement number exists."),
    ).with_columns(pl.col(n).cast(pl.Decimal(14, 2)) for n in ("total_cost", *rules.LAYERS))
    if rows.is_empty():
        return
    # The patients' cover of the year of settlement (with the cover this import wrote).
    held = stored_rows(Cover, rows["member_id"].unique().to_list(), ["member_id", "year", "kind"])
    rows = rules.with_cover_flags(rows, held, pl.col("settled_on").dt.year())
    reject_refused(
        batch, key, rows, rules.reimbursement_refusal_columns(timezone.localdate(batch.now))
    )
    rows = still_ok(batch, key, rows)
    if rows.is_empty():
        return
    money = [pl.col(n).cast(pl.Decimal(12, 2)) for n in ("total_cost", *rules.LAYERS)]
    new = rows.with_columns(*money).select(
        "household_id",
        "member_id",
        "village_id",
        now_column(batch.now),
        "number",
        "hospital",
        "admitted_on",
        "settled_on",
        "diagnosis",
        "total_cost",
        *rules.LAYERS,
        rules.out_of_pocket_expr().cast(pl.Decimal(12, 2)).alias("out_of_pocket"),
        pl.lit(getattr(batch.actor, "pk", None), dtype=pl.Int64).alias("recorded_by_id"),
    )
    write_created(recorder, Reimbursement, new, "t.number || ' ' || t.hospital")
    batch.count(key).created += new.height


def write(batch: LedgerImport) -> None:
    """Cover, then reimbursements. Good rows are written even when an all-or-nothing
    import has a bad one: the import's transaction is rolled back then (workbook.py), and
    the reimbursements are checked against the cover of the same file."""
    if not getattr(batch.actor, "may_edit", False):
        raise NotAllowed()
    recorder = BulkRecorder(actor=batch.actor, now=batch.now, reason=batch.reason)
    _write_covers(batch, recorder)
    _write_reimbursements(batch, recorder)


def export(user: Any, prefix: str) -> dict[str, pl.DataFrame]:
    """The cover and reimbursements of the user's area under `prefix`, in the sheets'
    codes. ID numbers are masked unless the role may reveal them (then one logged read
    per sheet)."""
    span = code_range(prefix)
    cover_rows = list(
        selectors.covers(user)
        .filter(village__code__range=span)
        .order_by("id")
        .values_list(
            "household__number",
            "member__id_number",
            "member__name",
            "year",
            "kind",
            "insured_on",
            "insurer",
            "premium",
            "subsidy",
        )
    )
    cover = masked_for(
        user,
        text_frame(cover_rows, COVERS),
        "person_id_number",
        kind="id_number",
        object_type="health.cover",
        prefix=prefix,
    )
    pay_rows = list(
        selectors.reimbursements(user)
        .filter(village__code__range=span)
        .order_by("id")
        .values_list(
            "number",
            "household__number",
            "member__id_number",
            "member__name",
            "hospital",
            "admitted_on",
            "settled_on",
            "diagnosis",
            "total_cost",
            *rules.LAYERS,
            "out_of_pocket",
        )
    )
    pays = masked_for(
        user,
        text_frame(pay_rows, REIMBURSEMENTS),
        "patient_id_number",
        kind="id_number",
        object_type="health.reimbursement",
        prefix=prefix,
    )
    return {"covers": cover, "reimbursements": pays}


def ledger() -> Ledger:
    return Ledger(
        key="health",
        label=LEDGER_LABEL,
        models=(Cover, Reimbursement),
        panel_template="health/_household_health.html",
        panel_rows=selectors.household_rows,
        actions=selectors.household_actions,
        sheets=(COVERS, REIMBURSEMENTS),
        write=write,
        export=export,
        benefits=dated_benefits(
            Reimbursement,
            date="settled_on",
            # what the layers paid: the cost less the out-of-pocket part
            amount=lambda r: r.total_cost - r.out_of_pocket,
            label=lambda r: f"{r._meta.verbose_name} · {r.member or ''}",
            related=("member",),
        ),
    )
