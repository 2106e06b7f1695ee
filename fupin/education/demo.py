"""Demo education aid for the demo county, shaped by Luxi's "两免一补", grants and the
雨露计划 that keep children of registered households in school: each pupil and student
of a household due assistance on the day of payment (`assistance.due`) is paid, every
term of the school years from FIRST_YEAR to today, the benefit of its stage (its stage in
a past year follows its age and its track, vocational or not, from its school status
now):

- 两免一补 in primary and junior secondary school (the boarders' living subsidy, 500 and
  625 yuan a term);
- a grant outside compulsory education (500 a term in kindergarten, 1,000 in senior
  secondary and vocational schools, 1,650 at college or university);
- the Rainbow Plan's 1,500 yuan a term on top for vocational students.

A few children of compulsory-school age dropped out (控辍保学) over the years: most were
back in school within months, some are taught at home, a few moved away; a handful are
out of school now, their open cases shown with rule Q06's findings (their school status
in the registry is blank, recorded as a change of the member).

Deterministic (seeded), set-based (Polars and the database's bulk path), every row with
its creation record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import polars as pl
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core.frames import read_frame, update_frame
from fupin.core.history import BulkRecorder, RowRecords, changes_expr, type_label
from fupin.core.models import ChangeRecord
from fupin.education.models import AidKind, DropoutCase, DropoutStatus, Stage, StudentAid
from fupin.education.rules import KIND_STAGES, VOCATIONAL
from fupin.geo.models import Division
from fupin.programmes.rows import due_on, now_column, write_created
from fupin.registry.choices import HouseholdStatus, SchoolStatus
from fupin.registry.demo import DEMO_ACTOR
from fupin.registry.models import Household, Member

MODELS = (StudentAid, DropoutCase)
FIRST_YEAR = 2021
S = Stage
# Stage by completed years on 1 September, per track (vocational or not).
ACADEMIC = [
    (3, S.KINDERGARTEN),
    (6, S.PRIMARY),
    (12, S.JUNIOR),
    (15, S.SENIOR),
    (18, S.UNDERGRADUATE),
]
VOCATIONAL_TRACK = [
    (3, S.KINDERGARTEN),
    (6, S.PRIMARY),
    (12, S.JUNIOR),
    (15, S.VOCATIONAL),
    (18, S.HIGHER_VOCATIONAL),
]
ORDER = {s: i for i, s in enumerate(S.values)}
PER_TERM = {
    S.KINDERGARTEN: 500,
    S.PRIMARY: 500,
    S.JUNIOR: 625,
    S.SENIOR: 1000,
    S.VOCATIONAL: 1000,
    S.TECHNICIAN: 1000,
    S.HIGHER_VOCATIONAL: 1650,
    S.UNDERGRADUATE: 1650,
    S.POSTGRADUATE: 3000,
}
RAINBOW_PER_TERM = 1500
UNIVERSITIES = ["湖南科技学院", "湖南农业大学", "湘南学院", "吉首大学", "湖南工程学院"]
DROPOUT_SHARE = 0.006  # of compulsory-school pupils, a case in one of the years
OPEN_NOW = 0.001  # of them, out of school today
STUDENT_STATUSES = [s for s in SchoolStatus.values if s in S.values]
DUE_STATUSES = [
    HouseholdStatus.POOR.value,
    HouseholdStatus.RETURNED.value,
    HouseholdStatus.EXITED.value,
    HouseholdStatus.MONITORED.value,
]


def _students() -> pl.DataFrame:
    return read_frame(
        "SELECT m.id AS member_id, m.household_id, h.village_id, h.status, h.status_year, "  # noqa: S608
        "CAST(m.birth_date AS TEXT) AS birth_date, m.school_status "
        f"FROM {Member._meta.db_table} m JOIN {Household._meta.db_table} h "
        "ON h.id = m.household_id WHERE m.is_active = %s AND h.status IN (%s, %s, %s, %s) "
        f"AND m.school_status IN ({', '.join(['%s'] * len(STUDENT_STATUSES))}) ORDER BY m.id",
        [True, *DUE_STATUSES, *STUDENT_STATUSES],
        schema={
            "member_id": pl.Int64,
            "household_id": pl.Int64,
            "village_id": pl.String,
            "status": pl.String,
            "status_year": pl.Int64,
            "birth_date": pl.String,
            "school_status": pl.String,
        },
    ).with_columns(pl.col("birth_date").str.slice(0, 10).str.to_date("%Y-%m-%d"))


def _stage_expr(age: pl.Expr, vocational: pl.Expr) -> pl.Expr:
    def ladder(steps):
        out = pl.lit(None, pl.String)
        for low, stage in steps:
            out = pl.when(age >= low).then(pl.lit(stage.value)).otherwise(out)
        return out

    return pl.when(vocational).then(ladder(VOCATIONAL_TRACK)).otherwise(ladder(ACADEMIC))


def _names() -> tuple[dict[str, str], str]:
    """Township names by village code, and the county's name."""
    towns = dict(Division.objects.filter(level=4).values_list("code", "name"))
    county = Division.objects.filter(level=3).values_list("name", flat=True).first() or ""
    villages = Division.objects.filter(level=5).values_list("code", flat=True)
    return {v: towns.get(v[:9] + "000", "") for v in villages}, county


def build_demo(*, seed: int, log: Callable[[str], None] | None = None) -> None:
    rng = np.random.default_rng(seed + 23)
    today = timezone.localdate()
    students = _students()
    if students.is_empty():
        return
    towns, county = _names()
    now = timezone.now()
    reason = _("Demo data: education aid")
    recorder = BulkRecorder(actor=DEMO_ACTOR, now=now, reason=reason)
    aids = _aids(students, rng, today, towns, county)
    cases, out_of_school = _dropouts(students, rng, today, towns)
    with transaction.atomic():
        write_created(recorder, StudentAid, aids, _AID_REPR)
        write_created(recorder, DropoutCase, cases, _CASE_REPR)
        _out_of_school(out_of_school, now, reason)
    if log:
        log(
            _(
                "education: %(aids)s benefits to %(students)s students, %(cases)s dropout "
                "cases (%(open)s open)"
            )
            % {
                "aids": f"{aids.height:,}",
                "students": f"{aids['member_id'].n_unique():,}",
                "cases": f"{cases.height:,}",
                "open": f"{out_of_school.height:,}",
            }
        )


_AID_REPR = (
    "CAST(t.member_id AS TEXT) || ' ' || t.kind || ' ' || CAST(t.school_year AS TEXT) "
    "|| ' ' || t.term"
)
_CASE_REPR = "CAST(t.member_id AS TEXT) || ' ' || CAST(t.opened_on AS TEXT)"


def _aids(
    students: pl.DataFrame, rng: np.random.Generator, today: dt.date, towns: dict, county: str
) -> pl.DataFrame:
    years = pl.DataFrame({"school_year": list(range(FIRST_YEAR, today.year + 1))})
    terms = pl.DataFrame(
        {"term": ["autumn", "spring"], "month": [10, 4], "later": [0, 1]},
    )
    vocational = pl.col("school_status").is_in([*VOCATIONAL])
    rows = (
        students.join(years, how="cross")
        .join(terms, how="cross")
        .with_columns(
            age=(
                pl.col("school_year")
                - pl.col("birth_date").dt.year()
                - (pl.col("birth_date").dt.month() >= 9).cast(pl.Int32)
            ),
            paid_on=pl.date(pl.col("school_year") + pl.col("later"), pl.col("month"), 15),
        )
        .filter(pl.col("paid_on") <= today)
        .with_columns(by_age=_stage_expr(pl.col("age"), vocational))
        .filter(pl.col("by_age").is_not_null())
    )
    # Not ahead of the stage the student is at now (a year repeated).
    order = pl.col("by_age").replace_strict(ORDER, return_dtype=pl.Int32)
    now_order = pl.col("school_status").replace_strict(ORDER, default=99, return_dtype=pl.Int32)
    rows = rows.with_columns(
        stage=pl.when(order > now_order).then(pl.col("school_status")).otherwise(pl.col("by_age"))
    )
    rows = rows.with_columns(due_on(rows, "paid_on")).filter(pl.col("due"))
    kinds = []
    for kind, stages in KIND_STAGES.items():
        if kind == AidKind.RAINBOW_PLAN:
            amount = pl.lit(RAINBOW_PER_TERM, pl.Int64)
        else:
            amount = pl.col("stage").replace_strict(
                {k.value: v for k, v in PER_TERM.items()}, return_dtype=pl.Int64
            )
        kinds.append(
            rows.filter(pl.col("stage").is_in(list(stages))).with_columns(
                kind=pl.lit(kind), amount=amount
            )
        )
    rows = pl.concat(kinds).sort("member_id", "paid_on", "kind")
    town = pl.col("village_id").replace_strict(towns, default="")
    pick = pl.Series(rng.integers(0, len(UNIVERSITIES), rows.height))
    school = (
        pl.when(pl.col("stage") == S.KINDERGARTEN.value)
        .then(town + "中心幼儿园")
        .when(pl.col("stage") == S.PRIMARY.value)
        .then(town + "中心小学")
        .when(pl.col("stage") == S.JUNIOR.value)
        .then(town + "中学")
        .when(pl.col("stage") == S.SENIOR.value)
        .then(pl.lit(county + "第一中学"))
        .when(pl.col("stage") == S.VOCATIONAL.value)
        .then(pl.lit(county + "职业中专学校"))
        .when(pl.col("stage") == S.TECHNICIAN.value)
        .then(pl.lit("永州市技师学院"))
        .when(pl.col("stage") == S.HIGHER_VOCATIONAL.value)
        .then(pl.lit("永州职业技术学院"))
        .otherwise(pick.replace_strict(dict(enumerate(UNIVERSITIES)), return_dtype=pl.String))
    )
    return rows.select(
        "household_id",
        "member_id",
        "village_id",
        now_column(timezone.now()),
        "kind",
        "stage",
        school.alias("school"),
        pl.col("school_year").cast(pl.Int64),
        "term",
        pl.col("amount").cast(pl.Decimal(10, 2)),
        "paid_on",
        pl.lit("").alias("note"),
        pl.lit(None, pl.Int64).alias("recorded_by_id"),
    )


def _dropouts(
    students: pl.DataFrame, rng: np.random.Generator, today: dt.date, towns: dict
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Dropout cases of pupils of compulsory-school age now (6 to 15), and the pupils out
    of school today (their case open)."""
    pupils = students.filter(
        pl.col("school_status").is_in([S.PRIMARY.value, S.JUNIOR.value])
        & (
            pl.lit(today.year)
            - pl.col("birth_date").dt.year()
            - (
                (pl.col("birth_date").dt.month() * 100 + pl.col("birth_date").dt.day())
                > today.month * 100 + today.day
            ).cast(pl.Int32)
        ).is_between(7, 15)
    )
    if pupils.is_empty():
        return pl.DataFrame(), pl.DataFrame()
    draw = rng.random(pupils.height)
    chosen = pupils.filter(pl.Series(draw < DROPOUT_SHARE))
    if chosen.is_empty():  # at least one, so that every demo shows the ledger
        chosen = pupils.head(1)
    n = chosen.height
    n_open = max(1, round(pupils.height * OPEN_NOW))
    is_open = np.zeros(n, dtype=bool)
    is_open[rng.choice(n, size=min(n_open, n), replace=False)] = True
    # Closed cases: found between 2 and 30 months ago, closed 1 to 5 months later; open
    # ones found in the last two months. Every child is of school age on the day found
    # (7 to 15 today: at least 6 up to 30 months ago).
    sixth = [dt.date(b.year + 6, b.month, min(b.day, 28)) for b in chosen["birth_date"].to_list()]
    room = np.array([(today - d).days for d in sixth])  # days since the sixth birthday
    is_open |= room < 180  # too young for a closed case: out of school now
    longest = np.minimum(900, np.maximum(room, 181))
    back = np.where(is_open, rng.integers(3, 60, n), rng.integers(180, longest))
    opened = [today - dt.timedelta(days=int(d)) for d in back]
    closed = [
        None if o else min(today, day + dt.timedelta(days=int(rng.integers(30, 150))))
        for o, day in zip(is_open, opened, strict=True)
    ]
    fate = rng.random(n)
    status = np.where(
        is_open,
        DropoutStatus.OPEN.value,
        np.where(
            fate < 0.85,
            DropoutStatus.RETURNED.value,
            np.where(fate < 0.92, DropoutStatus.HOME.value, DropoutStatus.CLOSED.value),
        ),
    )
    causes = rng.choice(
        ["weary", "work", "family", "illness", "distance", "marriage", "other"],
        size=n,
        p=[0.38, 0.2, 0.16, 0.1, 0.08, 0.03, 0.05],
    )
    outcomes = {
        DropoutStatus.RETURNED.value: "劝返复学",
        DropoutStatus.HOME.value: "重度残疾，送教上门",
        DropoutStatus.CLOSED.value: "转入外县学校就读，已核实",
        DropoutStatus.OPEN.value: "",
    }
    town = pl.col("village_id").replace_strict(towns, default="")
    cases = chosen.with_columns(
        opened_on=pl.Series(opened, dtype=pl.Date),
        closed_on=pl.Series(closed, dtype=pl.Date),
        status=pl.Series(status.tolist(), dtype=pl.String),
        cause=pl.Series(causes.tolist(), dtype=pl.String),
    ).select(
        "household_id",
        "member_id",
        "village_id",
        now_column(timezone.now()),
        "opened_on",
        pl.when(pl.col("school_status") == S.PRIMARY.value)
        .then(town + "中心小学")
        .otherwise(town + "中学")
        .alias("school"),
        pl.col("school_status").alias("stage"),
        "cause",
        pl.lit("").alias("note"),
        "status",
        "closed_on",
        pl.when(pl.col("status") == DropoutStatus.RETURNED.value)
        .then(pl.col("school_status"))
        .otherwise(pl.lit(""))
        .alias("returned_stage"),
        pl.col("status").replace_strict(outcomes, return_dtype=pl.String).alias("outcome"),
        pl.lit(None, pl.Int64).alias("opened_by_id"),
        pl.lit(None, pl.Int64).alias("closed_by_id"),
    )
    out_of_school = cases.filter(pl.col("status") == DropoutStatus.OPEN.value).select(
        pl.col("member_id").alias("id")
    )
    return cases, out_of_school


def _out_of_school(members: pl.DataFrame, now: dt.datetime, reason: str) -> None:
    """The children out of school today lose their school status in the registry (and
    keep primary schooling as their education), each change recorded."""
    if members.is_empty():
        return
    ids = members["id"].to_list()
    before = read_frame(
        f"SELECT id, school_status, education FROM {Member._meta.db_table} "  # noqa: S608
        f"WHERE id IN ({', '.join(['%s'] * len(ids))})",
        ids,
        schema={"id": pl.Int64, "school_status": pl.String, "education": pl.String},
    )
    changed = before.select(
        "id",
        pl.col("school_status").alias("school_status__old"),
        pl.col("education").alias("education__old"),
        pl.lit("").alias("school_status"),
        pl.lit("primary").alias("education"),
    )
    update_frame(Member, changed.select("id", "school_status", "education"))
    BulkRecorder(actor=DEMO_ACTOR, now=now, reason=reason).updated(
        RowRecords(
            Member,
            repr_sql="t.name",
            area_sql="h.village_id",
            joins="JOIN registry_household h ON h.id = t.household_id",
            related=(Household, "t.household_id"),
        ),
        changed.select(
            "id", changes_expr(changed, ["school_status", "education"], "__old").alias("changes")
        ),
    )


def wipe_demo() -> None:
    """Remove the ledger and its history (the demo is rebuilt whole)."""
    labels = [type_label(m) for m in MODELS]
    with transaction.atomic():
        ChangeRecord.objects.filter(object_type__in=labels)._raw_delete(connection.alias)
        for model in MODELS:
            model.objects.all()._raw_delete(connection.alias)
