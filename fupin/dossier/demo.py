"""Demo household files: the paper file of most registered households scanned into its
dossier (application, survey form, appraisal record, the notice photo, the exit
confirmation of an exited household, the comparison check of a removed one) and the
surveyor's signed statement (谁调查谁签字) of most of them, each document missing now and
then, so that some files are incomplete (a village's list shows which).

Deterministic (seeded), set-based (Polars and the database's bulk path), every row with
its creation record under its household; the scans share one stored file each."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import numpy as np
import polars as pl
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from fupin.core.frames import read_frame, reserve_ids, write_frame
from fupin.core.history import BulkRecorder, RowRecords, type_label
from fupin.core.models import ChangeRecord
from fupin.dossier.models import PrintRecord, SurveyorStatement, VillagePrint
from fupin.dossier.services import default_statement
from fupin.registry.demo import DEMO_ACTOR
from fupin.registry.models import Attachment, Household

# Each document of a file is there with this chance (so about one file in three lacks one).
PRESENT = 0.94
SIGNED = 0.9
PDF = b"%PDF-1.4\n% demo scan of a paper document\n%%EOF\n"
DOCUMENTS = {
    # status → [(attachment kind, title)]
    "poor": [
        ("signed_scan", "申请书"),
        ("signed_scan", "入户调查表"),
        ("signed_scan", "民主评议记录"),
        ("photo", "公示照片"),
    ],
    "returned": [
        ("signed_scan", "返贫申请书"),
        ("signed_scan", "入户调查表"),
        ("signed_scan", "民主评议记录"),
        ("photo", "公示照片"),
    ],
    "exited": [
        ("signed_scan", "民主评议记录"),
        ("signed_scan", "入户核实调查表"),
        ("signed_scan", "脱贫退出确认书"),
        ("photo", "退出公示照片"),
    ],
    "monitored": [
        ("signed_scan", "监测申请书"),
        ("signed_scan", "入户核实调查表"),
        ("signed_scan", "村级评议记录"),
    ],
    "removed": [
        ("signed_scan", "比对核查表"),
        ("signed_scan", "入户核实记录"),
        ("signed_scan", "民主评议记录"),
        ("photo", "清退公示照片"),
    ],
}
SURVEYORS = ["李文华", "张建国", "王秀兰", "刘志强", "陈海燕", "杨光明", "赵德胜", "周红梅"]


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buf, "PNG")
    return buf.getvalue()


def _stored(name: str, data: bytes) -> str:
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(data))
    return name


def _households() -> pl.DataFrame:
    statuses = list(DOCUMENTS)
    return read_frame(
        "SELECT id AS household_id, village_id, status, status_year "  # noqa: S608
        f"FROM {Household._meta.db_table} "
        f"WHERE status IN ({', '.join(['%s'] * len(statuses))}) ORDER BY id",
        statuses,
        schema={
            "household_id": pl.Int64,
            "village_id": pl.String,
            "status": pl.String,
            "status_year": pl.Int64,
        },
    )


def build_demo(*, seed: int, log: Callable[[str], None] | None = None) -> None:
    rng = np.random.default_rng(seed + 41)
    households = _households()
    if households.is_empty():
        return
    now = timezone.now()
    scan = _stored("households/demo/scan.pdf", PDF)
    photo = _stored("households/demo/notice.png", _png())
    docs = pl.DataFrame(
        [(s, k, t) for s, rows in DOCUMENTS.items() for k, t in rows],
        schema={"status": pl.String, "kind": pl.String, "title": pl.String},
        orient="row",
    )
    wanted = households.join(docs, on="status").sort("household_id", "title")
    kept = wanted.filter(pl.Series(rng.random(wanted.height) < PRESENT))
    uploaded = pl.Series(
        [now - dt.timedelta(days=int(d)) for d in rng.integers(30, 900, kept.height)],
        dtype=pl.Datetime("us", "UTC"),
    )
    attachments = kept.select(
        pl.when(pl.col("kind") == "photo")
        .then(pl.lit(photo))
        .otherwise(pl.lit(scan))
        .alias("file"),
        pl.when(pl.col("kind") == "photo")
        .then(pl.lit("image/png"))
        .otherwise(pl.lit("application/pdf"))
        .alias("content_type"),
        pl.when(pl.col("kind") == "photo")
        .then(pl.lit(len(_png())))
        .otherwise(pl.lit(len(PDF)))
        .alias("size"),
        "household_id",
        "kind",
        "title",
        pl.lit(None, pl.Int64).alias("uploaded_by_id"),
        uploaded.alias("uploaded_at"),
    )
    signed = households.filter(pl.Series(rng.random(households.height) < SIGNED))
    days = [
        min(dt.date(int(y), 1, 1) + dt.timedelta(days=int(d)), timezone.localdate())
        for y, d in zip(signed["status_year"], rng.integers(0, 330, signed.height), strict=True)
    ]
    is_scan = rng.random(signed.height) < 0.5
    names = rng.choice(SURVEYORS, signed.height)
    statements = signed.select(
        pl.Series("file", [scan if s else "" for s in is_scan]),
        pl.Series("content_type", ["application/pdf" if s else "" for s in is_scan]),
        pl.Series("size", [len(PDF) if s else 0 for s in is_scan], dtype=pl.Int64),
        "household_id",
        pl.Series("kind", ["scan" if s else "typed" for s in is_scan]),
        pl.lit(None, pl.Int64).alias("surveyor_id"),
        pl.Series("surveyor_name", [str(n) for n in names]),
        pl.Series("surveyed_on", days, dtype=pl.Date),
        pl.Series("statement", [default_statement(d) for d in days]),
        pl.lit(None, pl.Int64).alias("recorded_by_id"),
        pl.lit(now).dt.convert_time_zone("UTC").alias("recorded_at"),
    )
    recorder = BulkRecorder(actor=DEMO_ACTOR, now=now, reason=_("Demo data: household files"))
    joins = f"JOIN {Household._meta.db_table} h ON h.id = t.household_id"
    with transaction.atomic():
        for model, frame, repr_sql in (
            (Attachment, attachments, "t.title"),
            (SurveyorStatement, statements, "t.surveyor_name"),
        ):
            ids = pl.Series("id", reserve_ids(model, frame.height), dtype=pl.Int64)
            write_frame(model, frame.with_columns(ids).select(["id", *frame.columns]))
            recorder.created(
                RowRecords(
                    model,
                    repr_sql=repr_sql,
                    area_sql="h.village_id",
                    joins=joins,
                    related=(Household, "t.household_id"),
                ),
                ids,
            )
    if log:
        log(
            _("dossier: %(files)s scanned documents, %(signed)s surveyor's statements")
            % {"files": f"{attachments.height:,}", "signed": f"{statements.height:,}"}
        )


def wipe_demo() -> None:
    """Remove the statements, the village prints (and their files), the print records and
    their history (the registry's wipe removes the attachments)."""
    with transaction.atomic():
        ChangeRecord.objects.filter(
            object_type__in=[type_label(SurveyorStatement), type_label(PrintRecord)]
        )._raw_delete(connection.alias)
        SurveyorStatement.objects.all()._raw_delete(connection.alias)
        for vp in VillagePrint.objects.exclude(file=""):
            vp.file.delete(save=False)
        VillagePrint.objects.all()._raw_delete(connection.alias)
        PrintRecord.objects.all()._raw_delete(connection.alias)
