"""The education-aid ledger as the programmes toolkit sees it (registered in
EducationConfig.ready): its household-page panel, its workbook (a sheet of student
benefits, natural key: student, benefit, school year and term; a sheet of dropout cases,
natural key: child and the day found out of school) and its export.

The import writes set-based: each sheet's rows are resolved to households and members of
the importer's area in a few reads, checked with the column form of the rules the services
use (`rules.aid_refusal_columns`, `rules.dropout_refusal_columns`, and `assistance.due`'s
`due_each` for the day of payment), and the good rows are written with the database's
bulk path, one change record each (programmes.rows). A dropout case is opened by the
import; it is closed on its page (a decision of the township or county)."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from fupin.core.errors import NotAllowed
from fupin.core.history import BulkRecorder
from fupin.core.scope import code_range
from fupin.education import rules, selectors
from fupin.education.apps import LEDGER_LABEL
from fupin.education.models import (
    AidKind,
    DropoutCase,
    DropoutCause,
    DropoutStatus,
    Stage,
    StudentAid,
    Term,
)
from fupin.exchange.layout import CODE, DATE, ID_NUMBER, INFO, INT, MONEY, TEXT, Column, Sheet
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

AIDS = Sheet(
    "aids",
    _l("Student benefits"),
    StudentAid,
    (
        Column("household_number", _l("household number"), TEXT, required=True, width=18),
        Column("student_id_number", _l("student's ID number"), ID_NUMBER, required=True, width=20),
        Column("student_name", _l("student"), INFO),
        Column("kind", _l("benefit"), CODE, field="kind", choices=AidKind, required=True, width=24),
        Column(
            "stage", _l("stage of schooling"), CODE, field="stage", choices=Stage, required=True
        ),
        Column("school", _l("school"), TEXT, field="school", required=True, width=24),
        Column(
            "school_year",
            _l("school year"),
            INT,
            field="school_year",
            required=True,
            low=2013,
            high=2100,
        ),
        Column("term", _l("term"), CODE, field="term", choices=Term, required=True),
        Column("amount", _l("amount (yuan)"), MONEY, field="amount", required=True),
        Column("paid_on", _l("paid on"), DATE, field="paid_on", required=True),
        Column("note", _l("note"), TEXT, field="note"),
    ),
)

DROPOUTS = Sheet(
    "dropouts",
    _l("Dropout cases"),
    DropoutCase,
    (
        Column("household_number", _l("household number"), TEXT, required=True, width=18),
        Column("child_id_number", _l("child's ID number"), ID_NUMBER, required=True, width=20),
        Column("child_name", _l("child"), INFO),
        Column("opened_on", _l("found out of school on"), DATE, field="opened_on", required=True),
        Column("school", _l("last school"), TEXT, field="school", width=24),
        Column("stage", _l("stage of schooling"), CODE, field="stage", choices=Stage),
        Column(
            "cause",
            _l("cause of dropping out"),
            CODE,
            field="cause",
            choices=DropoutCause,
            required=True,
        ),
        Column("note", _l("note"), TEXT, field="note", width=24),
        Column("status", _l("status"), INFO),
        Column("closed_on", _l("closed on"), INFO),
    ),
)

AID_KEY = ["member_id", "kind", "school_year", "term"]
AID_VALUES = ["household_id", "stage", "school", "amount", "paid_on", "note"]


def _write_aids(batch: LedgerImport, recorder: BulkRecorder) -> None:
    key = "aids"
    rows = sheet_rows(batch, key, "student_id_number")
    if rows.is_empty():
        return
    rows = rows.with_columns(due_on(rows, "paid_on"))
    reject_refused(batch, key, rows, rules.aid_refusal_columns(timezone.localdate(batch.now)))
    rows = without_repeats(
        batch,
        key,
        still_ok(batch, key, rows).with_columns(pl.col("note").fill_null("")),
        AID_KEY,
        "term",
        _("This benefit (student, benefit, school year and term) is given twice in the file."),
    )
    stored = stored_rows(StudentAid, rows["member_id"].unique().to_list(), [*AID_KEY, *AID_VALUES])
    rows = without_stored(
        batch,
        key,
        rows,
        stored.with_columns(pl.col("paid_on").cast(pl.Date)) if stored.height else stored,
        AID_KEY,
        AID_VALUES,
        "term",
        _(
            "This student has this benefit for this school year and term recorded already, "
            "with other values."
        ),
    )
    if rows.is_empty():
        return
    new = rows.select(
        "household_id",
        "member_id",
        "village_id",
        now_column(batch.now),
        "kind",
        "stage",
        "school",
        pl.col("school_year").cast(pl.Int64),
        "term",
        pl.col("amount").cast(pl.Decimal(10, 2)),
        "paid_on",
        "note",
        pl.lit(getattr(batch.actor, "pk", None), dtype=pl.Int64).alias("recorded_by_id"),
    )
    write_created(
        recorder,
        StudentAid,
        new,
        "CAST(t.member_id AS TEXT) || ' ' || t.kind || ' ' || CAST(t.school_year AS TEXT) "
        "|| ' ' || t.term",
    )
    batch.count(key).created += new.height


DROPOUT_KEY = ["member_id", "opened_on"]
DROPOUT_VALUES = ["household_id", "school", "stage", "cause", "note"]


def _write_dropouts(batch: LedgerImport, recorder: BulkRecorder) -> None:
    key = "dropouts"
    rows = sheet_rows(batch, key, "child_id_number")
    if rows.is_empty():
        return
    rows = without_repeats(
        batch,
        key,
        rows.with_columns(pl.col(c).fill_null("") for c in ("school", "stage", "note")),
        DROPOUT_KEY,
        "opened_on",
        _("This dropout case (child and day) is given twice in the file."),
    )
    stored = stored_rows(
        DropoutCase, rows["member_id"].unique().to_list(), [*DROPOUT_KEY, *DROPOUT_VALUES, "status"]
    )
    if stored.height:
        stored = stored.with_columns(pl.col("opened_on").cast(pl.Date))
    rows = without_stored(
        batch,
        key,
        rows,
        stored,
        DROPOUT_KEY,
        DROPOUT_VALUES,
        "opened_on",
        _("A dropout case of this child found out of school that day exists, with other values."),
    )
    # A child has one open case: one stored, or an earlier row of the file.
    open_now = (
        stored.filter(pl.col("status") == DropoutStatus.OPEN.value)["member_id"]
        if stored.height
        else pl.Series("member_id", [], dtype=pl.Int64)
    )
    rows = rows.with_columns(
        has_open=pl.col("member_id").is_in(open_now.implode())
        | (pl.int_range(pl.len()).over("member_id") > 0)
    )
    reject_refused(
        batch,
        key,
        rows,
        rules.dropout_refusal_columns(timezone.localdate(batch.now)),
        {"member": "child_id_number"},
    )
    rows = still_ok(batch, key, rows)
    if rows.is_empty():
        return
    new = rows.select(
        "household_id",
        "member_id",
        "village_id",
        now_column(batch.now),
        "opened_on",
        "school",
        "stage",
        "cause",
        "note",
        pl.lit(DropoutStatus.OPEN.value).alias("status"),
        pl.lit(None, dtype=pl.Date).alias("closed_on"),
        pl.lit("").alias("returned_stage"),
        pl.lit("").alias("outcome"),
        pl.lit(getattr(batch.actor, "pk", None), dtype=pl.Int64).alias("opened_by_id"),
        pl.lit(None, dtype=pl.Int64).alias("closed_by_id"),
    )
    write_created(
        recorder, DropoutCase, new, "CAST(t.member_id AS TEXT) || ' ' || CAST(t.opened_on AS TEXT)"
    )
    batch.count(key).created += new.height


def write(batch: LedgerImport) -> None:
    """Benefits, then dropout cases. Good rows are written even when an all-or-nothing
    import has a bad one: the import's transaction is rolled back then (workbook.py), and
    the checks of a later sheet see the rows of an earlier one as written."""
    if not getattr(batch.actor, "may_edit", False):
        raise NotAllowed()
    recorder = BulkRecorder(actor=batch.actor, now=batch.now, reason=batch.reason)
    _write_aids(batch, recorder)
    _write_dropouts(batch, recorder)


def _labels(frame: pl.DataFrame, column: str, choices: Any) -> pl.DataFrame:
    labels = {value: str(label) for value, label in choices.choices}
    return frame.with_columns(pl.col(column).replace(labels))


def export(user: Any, prefix: str) -> dict[str, pl.DataFrame]:
    """The benefits and dropout cases of the user's area under `prefix`, in the sheets'
    codes. ID numbers are masked unless the role may reveal them (then one logged read
    per sheet)."""
    span = code_range(prefix)
    aid_rows = list(
        selectors.aids(user)
        .filter(village__code__range=span)
        .order_by("id")
        .values_list(
            "household__number",
            "member__id_number",
            "member__name",
            "kind",
            "stage",
            "school",
            "school_year",
            "term",
            "amount",
            "paid_on",
            "note",
        )
    )
    aids = masked_for(
        user,
        text_frame(aid_rows, AIDS),
        "student_id_number",
        kind="id_number",
        object_type="education.studentaid",
        prefix=prefix,
    )
    case_rows = list(
        selectors.dropouts(user)
        .filter(village__code__range=span)
        .order_by("id")
        .values_list(
            "household__number",
            "member__id_number",
            "member__name",
            "opened_on",
            "school",
            "stage",
            "cause",
            "note",
            "status",
            "closed_on",
        )
    )
    cases = masked_for(
        user,
        text_frame(case_rows, DROPOUTS),
        "child_id_number",
        kind="id_number",
        object_type="education.dropoutcase",
        prefix=prefix,
    )
    return {"aids": aids, "dropouts": _labels(cases, "status", DropoutStatus)}


def ledger() -> Ledger:
    return Ledger(
        key="education",
        label=LEDGER_LABEL,
        models=(StudentAid, DropoutCase),
        panel_template="education/_household_education.html",
        panel_rows=selectors.household_rows,
        actions=selectors.household_actions,
        sheets=(AIDS, DROPOUTS),
        write=write,
        export=export,
        benefits=dated_benefits(
            StudentAid,
            date="paid_on",
            amount="amount",
            label=lambda r: f"{r.get_kind_display()} · {r.member.name}",
            related=("member",),
        ),
    )
