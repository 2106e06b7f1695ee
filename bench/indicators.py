"""Indicator benchmark: every figure for every level of a prefecture of 5·10^6 people
from a locked snapshot, and the same figures through Django ORM aggregate queries.

    .venv/bin/python bench/indicators.py [--people 5000000] [--orm-people 100000] [--repeat 3]

Part 1 (snapshot). Generating 5·10^6 people through the ORM demo would take hours, so
the script SYNTHESISES the snapshot directly with numpy/Polars in the snapshot's schema
(people, households, villages, divisions Parquet + manifest with SHA-256, written by
`indicators.snapshots.write_files`) over the real division tree of Yongzhou prefecture
(永州市, 4311: 11 counties, ~180 townships, ~3,300 villages), with the demo's status mix.
It then times: reading the snapshot cold (every hash checked, Parquet decoded), computing
every figure for every node of every level (prefecture → counties → townships →
villages) from the frames, and the same from the verified, cached frames.

Part 2 (ORM vs Polars, same registry, same run). On a registry built by the demo
generator (DATABASE_URL if set, else bench/out/indicators-<orm-people>.sqlite3, built with
`fupin demo --scale N --seed 1` if missing), it computes the stock and breakdown figures
for every node of every level with Django ORM aggregate queries (one grouped query per
table per level, conditional Count/Sum: the ORM at its best), and the same figures with
the indicator engine (reading the tables with core.frames, then Polars); it checks that
both give the same numbers and prints both times, people/s and the ratio.

Prints figures, never asserts timings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def setup(orm_people: int) -> None:
    if "DATABASE_URL" not in os.environ:
        path = OUT / f"indicators-{orm_people}.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        if not path.exists():
            import subprocess

            OUT.mkdir(parents=True, exist_ok=True)
            fupin = [str(ROOT / ".venv" / "bin" / "fupin")]
            subprocess.run([*fupin, "migrate", "-v0"], check=True)
            subprocess.run([*fupin, "demo", "--scale", str(orm_people), "--seed", "1"], check=True)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    import django

    django.setup()


# ------------------------------------------------------------------ part 1: synthesis


def synthesise(people: int, seed: int = 1):
    """Frames in the snapshot schema: `people` persons in households of 1–7 spread over
    the villages of Yongzhou, with the demo's mix of statuses."""
    import numpy as np
    import polars as pl

    from fupin.assistance.choices import MeasureKind
    from fupin.geo.services import level_of_code
    from fupin.indicators import frames as fr
    from fupin.industry import rules as industry_rules
    from fupin.monitoring.models import RiskLevel
    from fupin.registry import choices as c
    from fupin.registry.choices import WORKING_CAPACITIES
    from fupin.registry.demo import division_rows

    rng = np.random.default_rng(seed)
    rows = division_rows("4311")
    divisions = pl.DataFrame(
        {
            "code": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "level": [int(level_of_code(r[0])) for r in rows],
        },
        schema=fr.DIVISION_SCHEMA,
    )
    villages = divisions.filter(pl.col("level") == 5)["code"].to_numpy()
    nv = len(villages)
    sizes_p = np.array([0.12, 0.2, 0.22, 0.2, 0.14, 0.08, 0.04])
    mean = float((np.arange(1, 8) * sizes_p).sum())
    nh = int(people / mean * 1.01)
    size = rng.choice(np.arange(1, 8), size=nh, p=sizes_p).astype(np.int32)
    cum = np.cumsum(size)
    nh = int(np.searchsorted(cum, people) + 1)
    size = size[:nh]
    size[-1] -= int(size.sum() - people)
    weights = rng.gamma(2.0, 1.0, nv)
    village = villages[rng.choice(nv, size=nh, p=weights / weights.sum())]

    def pick(values, probs, n):
        probs = np.asarray(probs, dtype=float)
        return np.asarray(values, dtype=object)[
            rng.choice(len(values), size=n, p=probs / probs.sum())
        ]

    S = c.HouseholdStatus
    status = pick(
        [S.EXITED, S.POOR, S.RETURNED, S.REMOVED, S.MONITORED, S.CANDIDATE],
        [78, 4, 4, 5, 8, 1],
        nh,
    )
    monitored = status == S.MONITORED
    mtype = np.where(monitored, pick(c.MonitoringType.values, [5, 3.5, 1.5], nh), "").astype(object)
    start = status.copy()
    flip = rng.random(nh)
    start[(status == S.EXITED) & (flip < 0.05)] = S.POOR  # exited this year
    start[(status == S.RETURNED) & (flip < 0.3)] = S.EXITED  # returned this year
    start[(status == S.POOR) & (flip < 0.1)] = None  # newly included this year
    start[(status == S.REMOVED) & (flip < 0.2)] = S.POOR  # removed this year
    risk = np.where(monitored, pick(RiskLevel.values, [1, 2, 4, 3], nh), None)
    due = rng.random(nh) < 0.85  # a pairing old enough for a visit to be due
    hh = {
        "household_id": np.arange(1, nh + 1, dtype=np.int64),
        "village_code": village.astype(str),
        "status": status.astype(str),
        "monitoring_type": mtype.astype(str),
        "category": pick(c.HouseholdCategory.values, [80, 15, 5], nh).astype(str),
        "main_cause": pick(
            c.PovertyCause.values, [30, 12, 8, 3, 5, 2, 14, 10, 8, 3, 3, 2], nh
        ).astype(str),
        "people": size,
        "status_start": pl.Series(start.tolist(), dtype=pl.String),
        "monitoring_type_start": mtype.astype(str),
        "members_added": (rng.random(nh) < 0.03).astype(np.int32),
        "members_removed": (rng.random(nh) < 0.02).astype(np.int32),
        "paired": rng.random(nh) < 0.9,
        "visited": rng.random(nh) < 0.8,
        "visit_due": due,
        "visit_on_time": due & (rng.random(nh) < 0.8),
        # Due assistance (assistance.due): in poverty, monitored, or exited within the
        # transition period (here a third of the exited households).
        "assist_due": np.isin(status, [S.POOR, S.RETURNED, S.MONITORED])
        | ((status == S.EXITED) & (rng.random(nh) < 0.33)),
        "risk_level": pl.Series(risk.tolist(), dtype=pl.String),
    }
    for k in MeasureKind.values:
        hh[f"measure_{k}"] = rng.random(nh) < 0.1
    # Microcredit, shaped by Chenzhou: most registered households may borrow, about 40%
    # of them have borrowed, a third of those owe principal (50,000 yuan mostly, part
    # repaid), a few percent of the balances overdue.
    eligible = np.isin(status, [S.POOR, S.RETURNED, S.EXITED, S.MONITORED]) & (
        rng.random(nh) < 0.95
    )
    ever = eligible & (rng.random(nh) < 0.4)
    owing = ever & (rng.random(nh) < 0.35)
    balance = np.where(owing, np.round(rng.uniform(1_000, 50_000, nh), 2), 0.0)
    hh["mc_eligible"] = eligible
    hh["mc_ever"] = ever
    hh["mc_balance"] = balance
    hh["mc_overdue_balance"] = np.where(owing & (rng.random(nh) < 0.04), balance, 0.0)
    # Training, shaped by the demo (一户一技能): in the households due assistance, about a
    # labourer in three trained, half of them certified, a tenth trained this year.
    due_now = hh["assist_due"]
    trained = np.where(due_now, rng.binomial(size, 0.2), 0)
    hh["tr_trained"] = trained.astype(np.int32)
    hh["tr_certified"] = rng.binomial(trained, 0.5).astype(np.int32)
    hh["tr_completions"] = rng.binomial(trained, 0.1).astype(np.int32)
    # Benefit-linking, shaped by Chenzhou's 四跟四走: six in ten registered households
    # linked (a few in two modes), dividends of 300 to 800 yuan to four in ten of them.
    linked = eligible & (rng.random(nh) < 0.6)
    mode = rng.choice(5, size=nh, p=[0.35, 0.2, 0.25, 0.12, 0.08])
    second = linked & (rng.random(nh) < 0.05)
    hh["il_linked"] = linked
    for i, column in enumerate(industry_rules.MODE_COLUMNS.values()):
        hh[column] = linked & ((mode == i) | (second & (mode == (i + 1) % 5)))
    paid = linked & (rng.random(nh) < 0.4)
    hh["il_dividend"] = paid
    hh["il_dividends"] = np.where(paid, rng.integers(300, 801, nh).astype(np.float64), 0.0)
    idx = np.repeat(np.arange(nh), size)
    ages = rng.integers(0, 95, size=people).astype(np.int16)
    labour = pick(c.LabourCapacity.values, [10, 55, 15, 10, 10], people).astype(str)
    # Posts and jobs (employment.rules), shaped by Loudi and Chenzhou: 0.54% of the
    # registered poor hold a public-welfare post; about 60% of the labourers work.
    labourers = np.bincount(
        idx,
        weights=(np.isin(labour, list(WORKING_CAPACITIES)) & (ages >= 16) & (ages <= 64)),
        minlength=nh,
    ).astype(np.int32)
    registered_hh = np.isin(status, [S.POOR, S.RETURNED, S.EXITED, S.MONITORED])
    hh["emp_labourers"] = labourers
    hh["emp_employed"] = rng.binomial(labourers, 0.6).astype(np.int32)
    hh["emp_post_holders"] = (
        registered_hh & (rng.random(nh) < 0.0054 * size) & (labourers > 0)
    ).astype(np.int32)
    # Relocation, shaped by Chenzhou: 8.8% of the registered poor moved.
    moved = registered_hh & (rng.random(nh) < 0.088)
    hh["rel_moved"] = moved
    hh["rel_people"] = np.where(moved, size, 0).astype(np.int32)
    # Education aid, shaped by Luxi: about one person in five of a household due
    # assistance is at school and paid a benefit in the year (two terms of 500–1,650
    # yuan), a twelfth of them on the Rainbow Plan; a few children out of school.
    students = np.where(hh["assist_due"], rng.binomial(size, 0.2), 0)
    hh["edu_students"] = students.astype(np.int32)
    hh["edu_rainbow"] = rng.binomial(students, 0.08).astype(np.int32)
    hh["edu_dropouts"] = (rng.random(nh) < 0.0005).astype(np.int32)
    hh["edu_amount"] = np.round(students * rng.uniform(1_000, 3_300, nh), 2)
    # Health, shaped by Chenzhou: every registered person insured but a few; about one in
    # six in hospital in the year, some 8,000 yuan a stay, a tenth to a third of it paid
    # out of pocket.
    hh["med_insured"] = np.where(registered_hh, size - rng.binomial(size, 0.004), 0).astype(
        np.int32
    )
    cost = np.round(rng.binomial(size, 0.16) * rng.lognormal(8.8, 0.6, nh), 2)
    hh["med_cost"] = cost
    hh["med_out_of_pocket"] = np.round(cost * rng.uniform(0.08, 0.33, nh), 2)
    households = pl.DataFrame(hh)
    person = pl.DataFrame(
        {
            "person_id": np.arange(1, people + 1, dtype=np.int64),
            "household_id": households["household_id"].to_numpy()[idx],
            "health": pick(c.Health.values, [70, 18, 6, 6], people).astype(str),
            "labour": labour,
            "age": ages,
        }
    ).join(
        households.select(
            "household_id", "village_code", "status", "monitoring_type", "category", "main_cause"
        ),
        on="household_id",
    )
    pop = households.group_by("village_code").agg(pl.col("people").sum())
    village_frame = (
        pl.DataFrame({"village_code": villages.astype(str)})
        .join(pop, on="village_code", how="left")
        .with_columns(
            (pl.col("people").fill_null(0) * 4).alias("rural_population"),
            (pl.col("people").fill_null(0)).alias("rural_households"),
            pl.lit(None, pl.Int64).alias("quality_households"),
            pl.lit(None, pl.Int64).alias("quality_with_error"),
            pl.lit(None, pl.Int64).alias("quality_with_warning"),
        )
    )
    as_of = dt.date(2024, 12, 31)
    return fr.Frames(
        as_of=as_of,
        period_start=fr.period_start(as_of),
        people=person.select([pl.col(k).cast(v) for k, v in fr.PEOPLE_SCHEMA.items()]),
        households=households.select([pl.col(k).cast(v) for k, v in fr.HOUSEHOLD_SCHEMA.items()]),
        villages=village_frame.select([pl.col(k).cast(v) for k, v in fr.VILLAGE_SCHEMA.items()]),
        divisions=divisions,
    )


def part_snapshot(people: int, repeat: int, keep: str = "") -> None:
    import hashlib

    from fupin.indicators import snapshots
    from fupin.indicators.definitions import DEFINITIONS
    from fupin.indicators.selectors import figures_from

    print(f"== snapshot of {people:,} people (synthesised with numpy/Polars, not through the ORM)")
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(keep) if keep else Path(tmp) / "snapshot"
        if not (target / "manifest.json").exists():
            t0 = time.perf_counter()
            frames = synthesise(people)
            print(
                f"synthesised {frames.people.height:,} people, {frames.households.height:,} "
                f"households, {frames.villages.height:,} villages in "
                f"{time.perf_counter() - t0:.1f} s"
            )
            t0 = time.perf_counter()
            snapshots.write_files(frames, target, {"snapshot_id": "bench"})
            took = time.perf_counter() - t0
            del frames
        else:
            took = 0.0
            print(f"reusing {target}")
        sha = hashlib.sha256((target / "manifest.json").read_bytes()).hexdigest()
        size = sum(p.stat().st_size for p in target.iterdir())
        print(f"written in {took:.1f} s, {size / 1e6:.0f} MB, manifest {sha[:12]}…")
        best = {}
        for n in range(repeat):
            snapshots.clear_cache()
            c0 = time.process_time()
            t0 = time.perf_counter()
            loaded = snapshots.read_dir(target, sha)
            t1 = time.perf_counter()
            nodes = figures_from(loaded, "431100000000", depth=3)
            t2 = time.perf_counter()
            cpu = time.process_time() - c0
            cached = snapshots.read_dir(target, sha)
            nodes = figures_from(cached, "431100000000", depth=3)
            t3 = time.perf_counter()
            run = {
                "read": t1 - t0,
                "compute": t2 - t1,
                "cold": t2 - t0,
                "warm": t3 - t2,
                "cpu": cpu,
            }
            print(
                f"run {n + 1}: read+verify {run['read']:.2f} s, all figures all levels "
                f"{run['compute']:.2f} s (cold total {run['cold']:.2f} s, CPU {cpu:.2f} s; "
                f"from cached frames {run['warm']:.2f} s)"
            )
            best = min(best, run, key=lambda r: r.get("cold", 1e9)) if best else run
        levels = {}
        for node in nodes:
            levels[node.level] = levels.get(node.level, 0) + 1
        per_level = ", ".join(f"level {k}: {v}" for k, v in sorted(levels.items()))
        print(
            f"nodes: {len(nodes):,} ({per_level}) × {len(DEFINITIONS)} figures = "
            f"{len(nodes) * len(DEFINITIONS):,} values"
        )
        top = nodes[0].values
        print(
            f"prefecture: {top['registered_people']:,} registered poor, {top['poor_people']:,} in "
            f"poverty, incidence {top['poverty_incidence']}%"
        )
        print(
            f"microcredit: {top['microcredit_households']:,} households owing "
            f"{top['microcredit_balance']:,.2f} yuan, uptake {top['microcredit_uptake_rate']}%, "
            f"overdue {top['microcredit_overdue_rate']}%"
        )
        print(
            f"employment: {top['public_post_holders']:,} post holders, "
            f"{top['employed_labourers']:,} of {top['labourers']:,} labourers in work "
            f"({top['employed_labour_rate']}%); relocation: {top['relocated_people']:,} people, "
            f"relocated labourers in work {top['relocated_labour_employed_rate']}%"
        )
        print(
            f"training: {top['trained_labourers']:,} labourers trained, "
            f"{top['certified_labourers']:,} certified; benefit-linking: "
            f"{top['households_benefit_linked']:,} households linked, "
            f"{top['dividends_paid']:,.2f} yuan of dividends this year"
        )
        print(
            f"education: {top['students_aided']:,} students aided "
            f"({top['rainbow_plan_students']:,} on the Rainbow Plan), "
            f"{top['education_aid_amount']:,.2f} yuan; health: insured "
            f"{top['medical_insured_rate']}%, out of pocket {top['out_of_pocket_share']}%"
        )
        print(
            f"best: cold (read, verify, compute) {best['cold']:.2f} s = "
            f"{people / best['cold']:,.0f} people/s; from cached frames {best['warm']:.2f} s "
            f"= {people / best['warm']:,.0f} people/s  (bar: < 2 s)"
        )


# ------------------------------------------------------------------ part 2: ORM


def orm_figures(prefix: str) -> dict[int, dict[str, dict]]:
    """Stock and breakdown figures per node of every level below `prefix`, with Django
    ORM aggregate queries (grouped by the code prefix of each level)."""
    from django.db.models import Count, Q, Sum
    from django.db.models.functions import Substr

    from fupin.core.scope import code_range
    from fupin.geo.models import PREFIX_LENGTH, Level, VillageProfile
    from fupin.indicators.definitions import AGE_GROUPS
    from fupin.registry import choices as c
    from fupin.registry.models import Household, Member

    S = c.HouseholdStatus
    poor = Q(status__in=[S.POOR, S.RETURNED])
    exited = Q(status=S.EXITED) | Q(
        status=S.MONITORED, monitoring_type=c.MonitoringType.UNSTABLE_EXITED
    )
    registered = poor | exited
    flags = {
        "registered": registered,
        "poor": poor,
        "exited": exited,
        "returned": Q(status=S.RETURNED),
        "removed": Q(status=S.REMOVED),
    }

    def on_member(q: Q) -> Q:
        out = Q()
        out.connector, out.negated = q.connector, q.negated
        for child in q.children:
            out.children.append(
                on_member(child) if isinstance(child, Q) else (f"household__{child[0]}", child[1])
            )
        return out

    today = dt.date.today()
    lo, hi = code_range(prefix)
    out: dict[int, dict[str, dict]] = {}
    start_length = len(prefix)
    for level in Level:
        length = PREFIX_LENGTH[level]
        if length < start_length:
            continue
        hh = (
            Household.objects.filter(village__code__range=(lo, hi))
            .annotate(area=Substr("village_id", 1, length))
            .values("area")
            .annotate(**{f"{k}_households": Count("id", filter=q) for k, q in flags.items()})
        )
        mem_aggs = {f"{k}_people": Count("id", filter=on_member(q)) for k, q in flags.items()}
        reg = on_member(registered)
        for field, prefix_, values in [
            ("household__category", "category", c.HouseholdCategory.values),
            ("household__main_cause", "cause", c.PovertyCause.values),
            ("health", "health", c.Health.values),
            ("labour", "labour", c.LabourCapacity.values),
        ]:
            for v in values:
                mem_aggs[f"{prefix_}_{v}"] = Count("id", filter=reg & Q(**{field: v}))
        for key, lo_age, hi_age, _label in AGE_GROUPS:
            # Born after (today − hi−1 years) and on or before (today − lo years).
            youngest = today.replace(year=today.year - lo_age)
            oldest = today.replace(year=today.year - hi_age - 1) + dt.timedelta(days=1)
            mem_aggs[f"age_{key}"] = Count(
                "id", filter=reg & Q(birth_date__lte=youngest, birth_date__gte=oldest)
            )
        mem = (
            Member.objects.filter(is_active=True, household__village__code__range=(lo, hi))
            .annotate(area=Substr("household__village_id", 1, length))
            .values("area")
            .annotate(**mem_aggs)
        )
        prof = (
            VillageProfile.objects.filter(village__code__range=(lo, hi))
            .annotate(area=Substr("village_id", 1, length))
            .values("area")
            .annotate(rural_population=Sum("rural_population"))
        )
        nodes: dict[str, dict] = {}
        for rows in (hh, mem, prof):
            for r in rows:
                area = r.pop("area")
                nodes.setdefault(area, {}).update(r)
        for v in nodes.values():
            v["poverty_incidence"] = (
                round(v.get("poor_people", 0) / v["rural_population"] * 100, 2)
                if v.get("rural_population")
                else None
            )
        out[length] = nodes
    return out


def part_orm(repeat: int, area: str) -> None:
    from django.db import connection

    from fupin.core.scope import code_range
    from fupin.geo.models import PREFIX_LENGTH, Division, Level
    from fupin.indicators import engine, snapshots
    from fupin.indicators import frames as fr
    from fupin.registry.models import Member

    division = (
        Division.objects.filter(code=area.ljust(12, "0")).first()
        if area
        else Division.objects.filter(households__isnull=False)
        .values_list("parent__parent", flat=True)
        .first()
    )
    if not isinstance(division, Division):
        division = Division.objects.get(code=division)
    prefix = division.prefix
    people = Member.objects.filter(
        is_active=True, household__village__code__range=code_range(prefix)
    ).count()
    print()
    print(
        f"== ORM vs Polars on {connection.vendor} {connection.settings_dict['NAME']}: "
        f"{division.name} ({division.code}), {people:,} people"
    )
    lengths = [PREFIX_LENGTH[lv] for lv in Level if PREFIX_LENGTH[lv] >= len(prefix)]
    best_orm = best_polars = best_snap = None
    for n in range(repeat):
        t0 = time.perf_counter()
        orm = orm_figures(prefix)
        t1 = time.perf_counter()
        frames = fr.load(prefix, quality=False)
        polars = engine.compute(frames, lengths)
        t2 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            sha = snapshots.write_files(frames, Path(tmp) / "s", {"snapshot_id": "bench"})
            snapshots.clear_cache()
            t3 = time.perf_counter()
            from_snapshot = engine.compute(snapshots.read_dir(Path(tmp) / "s", sha), lengths)
            t4 = time.perf_counter()
        assert from_snapshot == polars
        print(
            f"run {n + 1}: ORM {t1 - t0:.2f} s, engine from the database (read + Polars) "
            f"{t2 - t1:.2f} s, engine from a snapshot of it {t4 - t3:.2f} s"
        )
        best_orm = min(best_orm or 1e9, t1 - t0)
        best_polars = min(best_polars or 1e9, t2 - t1)
        best_snap = min(best_snap or 1e9, t4 - t3)
    # Same numbers?
    compared = mismatches = 0
    for length, nodes in orm.items():
        for area_code, values in nodes.items():
            mine = polars[length].get(area_code)
            if mine is None:
                continue
            for key, value in values.items():
                compared += 1
                if mine.get(key) != value:
                    mismatches += 1
                    if mismatches <= 5:
                        print(f"  differs: {area_code} {key}: ORM {value}, engine {mine.get(key)}")
    nodes = sum(len(v) for v in orm.values())
    print(
        f"compared {compared:,} values over {nodes:,} nodes: "
        f"{'all equal' if not mismatches else f'{mismatches} differ'}"
    )
    print(
        f"best: ORM {best_orm:.2f} s ({people / best_orm:,.0f} people/s, "
        f"{best_orm / people * 1e6:.1f} µs/person), engine {best_polars:.2f} s "
        f"({people / best_polars:,.0f} people/s, {best_polars / people * 1e6:.1f} µs/person); "
        f"ratio ORM/engine {best_orm / best_polars:.1f}× (the engine also computes the flows, "
        f"assistance, monitoring and measures the ORM path leaves out)"
    )
    print(
        f"from a snapshot: {best_snap:.2f} s ({people / best_snap:,.0f} people/s); "
        f"ratio ORM/snapshot {best_orm / best_snap:.1f}×"
    )


def load_average() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5_000_000)
    parser.add_argument("--orm-people", type=int, default=100_000)
    parser.add_argument(
        "--area", default="", help="area of the ORM comparison (default: the demo county)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is reported")
    parser.add_argument("--skip-snapshot", action="store_true")
    parser.add_argument("--skip-orm", action="store_true")
    parser.add_argument("--keep", default="", help="keep (or reuse) the snapshot in this dir")
    args = parser.parse_args()
    setup(args.orm_people)
    print(f"cores: {os.cpu_count()}, load average at start: {load_average()}")
    if not args.skip_snapshot:
        part_snapshot(args.people, args.repeat, args.keep)
    if not args.skip_orm:
        part_orm(args.repeat, args.area)


if __name__ == "__main__":
    main()
