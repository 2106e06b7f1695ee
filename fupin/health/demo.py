"""Demo health and insurance for the demo county, shaped by Chenzhou, which insures every
registered household and tops up its medical costs: for the last year and this one,

- every registered person (in poverty, exited, monitored) has basic medical insurance
  and the serious-illness insurance that goes with it (a few hundred missing, as in any
  county), enrolled with the household in the autumn before; the government pays the
  premium of a household due assistance on the day (the whole premium in poverty or
  monitored, half after exit);
- the households due assistance have the commercial supplementary insurance the county
  buys for them, and the monitoring objects the poverty-prevention insurance (防贫保);
- about one person in six is in hospital in a year (more with a chronic or serious
  illness); a stay's cost is paid by basic insurance (65% above 600 yuan), serious-illness
  insurance (60% above 15,000 left), medical assistance (half of what is left, for
  households in poverty or monitored), the commercial and 防贫保 layers, and for a
  household due assistance a top-up that leaves at most a tenth of the cost to pay
  out of pocket (一站式结算).

Deterministic (seeded), set-based (numpy, Polars and the database's bulk path), every
row with its creation record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import polars as pl
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core.frames import read_frame
from fupin.core.history import BulkRecorder, type_label
from fupin.core.models import ChangeRecord
from fupin.geo.models import Division
from fupin.health import rules
from fupin.health.models import Cover, CoverKind, Reimbursement
from fupin.programmes.rows import due_on, now_column, write_created
from fupin.registry.choices import Health, HouseholdStatus
from fupin.registry.demo import DEMO_ACTOR
from fupin.registry.models import Household, Member

MODELS = (Cover, Reimbursement)
H = HouseholdStatus
REGISTERED = [H.POOR.value, H.RETURNED.value, H.EXITED.value, H.MONITORED.value]
FULLY_PAID = [H.POOR.value, H.RETURNED.value, H.MONITORED.value]
BASIC_PREMIUM = {2022: 350, 2023: 380, 2024: 380, 2025: 400}
LATEST_PREMIUM = 400
COMMERCIAL_PREMIUM, PREVENTION_PREMIUM = 100, 50
UNINSURED = 0.004
IN_HOSPITAL = 0.15
IN_HOSPITAL_ILL = 0.35
SERIOUS_SHARE = 0.02
DIAGNOSES = ["高血压", "糖尿病", "肺炎", "骨折", "慢性阻塞性肺病", "脑梗死", "白内障", "冠心病"]
SERIOUS_DIAGNOSES = ["恶性肿瘤", "尿毒症", "重症肺炎", "脑出血"]


def _people() -> pl.DataFrame:
    return read_frame(
        "SELECT m.id AS member_id, m.household_id, h.village_id, h.status, h.status_year, "  # noqa: S608
        "m.health FROM "
        f"{Member._meta.db_table} m JOIN {Household._meta.db_table} h ON h.id = m.household_id "
        "WHERE m.is_active = %s AND h.status IN (%s, %s, %s, %s) ORDER BY m.id",
        [True, *REGISTERED],
        schema={
            "member_id": pl.Int64,
            "household_id": pl.Int64,
            "village_id": pl.String,
            "status": pl.String,
            "status_year": pl.Int64,
            "health": pl.String,
        },
    )


def _money(values: np.ndarray) -> pl.Series:
    return pl.Series(np.round(values, 2)).cast(pl.Decimal(12, 2))


def build_demo(*, seed: int, log: Callable[[str], None] | None = None) -> None:
    rng = np.random.default_rng(seed + 29)
    today = timezone.localdate()
    people = _people()
    if people.is_empty():
        return
    covers = _covers(people, rng, today)
    pays = _reimbursements(people, covers, rng, today)
    now = timezone.now()
    recorder = BulkRecorder(actor=DEMO_ACTOR, now=now, reason=_("Demo data: health and insurance"))
    with transaction.atomic():
        write_created(
            recorder,
            Cover,
            covers.select(
                "household_id",
                "member_id",
                "village_id",
                now_column(now),
                "year",
                "kind",
                "insured_on",
                "insurer",
                pl.col("premium").cast(pl.Decimal(10, 2)),
                pl.col("subsidy").cast(pl.Decimal(10, 2)),
                pl.lit(None, pl.Int64).alias("recorded_by_id"),
            ),
            "CAST(t.member_id AS TEXT) || ' ' || t.kind || ' ' || CAST(t.year AS TEXT)",
        )
        write_created(recorder, Reimbursement, pays, "t.number || ' ' || t.hospital")
    if log:
        insured = covers.filter(pl.col("kind") == CoverKind.BASIC.value)
        log(
            _(
                "health: %(covers)s covers (%(people)s people insured), %(pays)s reimbursements "
                "(%(own)s%% of the costs out of pocket)"
            )
            % {
                "covers": f"{covers.height:,}",
                "people": f"{insured['member_id'].n_unique():,}",
                "pays": f"{pays.height:,}",
                "own": round(
                    float(pays["out_of_pocket"].cast(pl.Float64).sum())
                    / max(float(pays["total_cost"].cast(pl.Float64).sum()), 1)
                    * 100,
                    1,
                ),
            }
        )


def _covers(people: pl.DataFrame, rng: np.random.Generator, today: dt.date) -> pl.DataFrame:
    years = [today.year - 1, today.year]
    households = people.select("household_id").unique().sort("household_id")
    parts = []
    for year in years:
        # A household enrols together in the autumn before the year.
        autumn = dt.date(year - 1, 9, 1)
        days = rng.integers(0, 110, households.height)
        spring = rng.integers(4, 90, households.height)
        enrol = households.with_columns(
            basic_on=pl.Series([autumn + dt.timedelta(days=int(d)) for d in days], dtype=pl.Date),
            extra_on=pl.Series(
                [min(today, dt.date(year, 1, 1) + dt.timedelta(days=int(d))) for d in spring],
                dtype=pl.Date,
            ),
        )
        rows = people.join(enrol, on="household_id").with_columns(
            year=pl.lit(year, pl.Int64),
            insured=pl.Series(rng.random(people.height) >= UNINSURED),
        )
        rows = rows.with_columns(
            due=due_on(rows, "basic_on"), extra_due=due_on(rows, "extra_on")
        ).filter(pl.col("insured"))
        premium = BASIC_PREMIUM.get(year, LATEST_PREMIUM)
        share = (
            pl.when(~pl.col("due"))
            .then(0.0)
            .when(pl.col("status").is_in(FULLY_PAID))
            .then(1.0)
            .otherwise(0.5)
        )
        basic = rows.with_columns(
            kind=pl.lit(CoverKind.BASIC.value),
            insured_on=pl.col("basic_on"),
            premium=pl.lit(float(premium)),
            subsidy=(share * premium).round(2),
            insurer=pl.lit("城乡居民基本医疗保险"),
        )
        serious = basic.with_columns(
            kind=pl.lit(CoverKind.SERIOUS.value),
            premium=pl.lit(0.0),
            subsidy=pl.lit(0.0),
            insurer=pl.lit("中国人寿（大病保险承办）"),
        )
        extra = rows.filter(pl.col("extra_due") & (pl.col("extra_on") <= today))
        commercial = extra.with_columns(
            kind=pl.lit(CoverKind.COMMERCIAL.value),
            insured_on=pl.col("extra_on"),
            premium=pl.lit(float(COMMERCIAL_PREMIUM)),
            subsidy=pl.lit(float(COMMERCIAL_PREMIUM)),
            insurer=pl.lit("中国人民财产保险（扶贫特惠保）"),
        )
        prevention = commercial.filter(pl.col("status") == H.MONITORED.value).with_columns(
            kind=pl.lit(CoverKind.PREVENTION.value),
            premium=pl.lit(float(PREVENTION_PREMIUM)),
            subsidy=pl.lit(float(PREVENTION_PREMIUM)),
            insurer=pl.lit("中华联合财产保险（防贫保）"),
        )
        parts += [basic, serious, commercial, prevention]
    columns = [
        "household_id",
        "member_id",
        "village_id",
        "kind",
        "year",
        "insured_on",
        "insurer",
        "premium",
        "subsidy",
        "status",
        "health",
    ]
    return pl.concat([p.select(columns) for p in parts]).sort("member_id", "year", "kind")


def _reimbursements(
    people: pl.DataFrame, covers: pl.DataFrame, rng: np.random.Generator, today: dt.date
) -> pl.DataFrame:
    towns = dict(Division.objects.filter(level=4).values_list("code", "name"))
    county = Division.objects.filter(level=3).values_list("name", flat=True).first() or ""
    rows = []
    for year in (today.year - 1, today.year):
        days = (min(today, dt.date(year, 12, 31)) - dt.date(year, 1, 1)).days + 1
        ill = people["health"].is_in([Health.CHRONIC.value, Health.SERIOUS.value]).to_numpy()
        chance = np.where(ill, IN_HOSPITAL_ILL, IN_HOSPITAL) * days / 365
        stay = people.filter(pl.Series(rng.random(people.height) < chance))
        n = stay.height
        settled = [
            dt.date(year, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, days, n)
        ]
        rows.append(
            stay.with_columns(
                year=pl.lit(year, pl.Int64),
                settled_on=pl.Series(settled, dtype=pl.Date),
                stay=pl.Series(rng.integers(2, 16, n)),
                serious=pl.Series(rng.random(n) < SERIOUS_SHARE),
            )
        )
    stays = pl.concat(rows).with_columns(
        admitted_on=pl.col("settled_on") - pl.duration(days=pl.col("stay"))
    )
    stays = rules.with_cover_flags(
        stays.drop("year"),
        covers.select("member_id", "year", "kind"),
        pl.col("settled_on").dt.year(),
    )
    stays = stays.with_columns(due=due_on(stays, "settled_on"))
    n = stays.height
    serious = stays["serious"].to_numpy()
    cost = np.where(
        serious, rng.uniform(30_000, 150_000, n), np.minimum(rng.lognormal(8.5, 0.8, n), 60_000)
    )
    cost = np.round(cost, 2)

    def flag(name: str) -> np.ndarray:
        return stays[name].to_numpy().astype(bool)

    basic = np.where(flag("has_basic"), np.maximum(0, (cost - 600) * 0.65), 0)
    basic = np.round(basic, 2)
    left = cost - basic
    serious_paid = np.round(
        np.where(flag("has_serious"), np.maximum(0, (left - 15_000) * 0.6), 0), 2
    )
    left -= serious_paid
    assisted = stays["status"].is_in(FULLY_PAID).to_numpy()
    assistance = np.round(np.where(assisted, np.minimum(left * 0.5, 20_000), 0), 2)
    left -= assistance
    commercial = np.round(np.where(flag("has_commercial") & (left > 3000), left * 0.5, 0), 2)
    left -= commercial
    prevention = np.round(
        np.where(flag("has_prevention") & (left > 5000), (left - 5000) * 0.5, 0), 2
    )
    left -= prevention
    other = np.round(np.where(flag("due"), np.maximum(0, left - cost * 0.1), 0), 2)
    town = (
        pl.col("village_id")
        .str.slice(0, 9)
        .replace_strict({k[:9]: v for k, v in towns.items()}, default="")
    )
    hospital = (
        pl.when(pl.col("serious"))
        .then(pl.lit("永州市中心医院"))
        .when(pl.col("stay") > 8)
        .then(pl.lit(county + "人民医院"))
        .otherwise(town + "卫生院")
    )
    diagnoses = np.where(
        serious,
        rng.choice(SERIOUS_DIAGNOSES, n),
        rng.choice(DIAGNOSES, n),
    )
    out = stays.with_columns(
        total_cost=_money(cost),
        basic_paid=_money(basic),
        serious_paid=_money(serious_paid),
        assistance_paid=_money(assistance),
        commercial_paid=_money(commercial),
        prevention_paid=_money(prevention),
        other_paid=_money(other),
        diagnosis=pl.Series(diagnoses.tolist(), dtype=pl.String),
    ).with_row_index("seq")
    return out.select(
        "household_id",
        "member_id",
        "village_id",
        now_column(timezone.now()),
        pl.format(
            "JS{}{}{}",
            pl.col("year"),
            pl.col("village_id").str.slice(6),
            pl.col("seq").cast(pl.String).str.zfill(6),
        ).alias("number"),
        hospital.alias("hospital"),
        "admitted_on",
        "settled_on",
        "diagnosis",
        "total_cost",
        *rules.LAYERS,
        rules.out_of_pocket_expr().cast(pl.Decimal(12, 2)).alias("out_of_pocket"),
        pl.lit(None, pl.Int64).alias("recorded_by_id"),
    )


def wipe_demo() -> None:
    """Remove the ledger and its history (the demo is rebuilt whole)."""
    labels = [type_label(m) for m in MODELS]
    with transaction.atomic():
        ChangeRecord.objects.filter(object_type__in=labels)._raw_delete(connection.alias)
        for model in MODELS:
            model.objects.all()._raw_delete(connection.alias)
