"""Department-comparison benchmark (capability X).

    .venv/bin/python bench/compare.py [--registry 10000000] [--department 20000000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fupin_bench \
        .venv/bin/python bench/compare.py --e2e [--e2e-department 2000000]

Engine part: builds a synthetic registry frame of valid, distinct ID numbers (vectorised
with numpy, no Python loop per person) and a department vehicle list written once as CSV
into bench/out/, then times `engine.compare_file`, the function `fupin compare` runs
(read + validate + match), with the registry frame given instead of read from the database.

--e2e: runs the real `fupin compare vehicles FILE` command against the database in
DATABASE_URL (reads the registry with one query, writes the run and its findings), twice:
the second run shows the idempotent path (no new findings).

Prints rows, seconds and rows/s; never asserts timings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import resource
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# County-level codes of Yongzhou (4311xx) and Honghe (5325xx).
REGIONS = [
    *(431102, 431103, 431121, 431122, 431123, 431124, 431125, 431126, 431127, 431128, 431129),
    *(532501, 532502, 532503, 532504, 532523, 532524, 532525, 532527, 532528, 532529),
]
DAY0 = dt.date(1930, 1, 1)
DAYS = (dt.date(2020, 12, 31) - DAY0).days
SPACE = len(REGIONS) * DAYS * 1000
STRIDE = 2_654_435_761  # coprime with SPACE: i -> i*STRIDE mod SPACE is a bijection


def ids_for(index: pl.Series) -> pl.Series:
    """Distinct valid ID numbers for distinct indexes (vectorised in Polars)."""
    assert math.gcd(STRIDE, SPACE) == 1
    x = (index.cast(pl.Int64) * STRIDE) % SPACE
    frame = pl.DataFrame({"x": x}).select(
        (pl.col("x") % len(REGIONS)).alias("r"),
        ((pl.col("x") // len(REGIONS)) % DAYS).alias("d"),
        (pl.col("x") // (len(REGIONS) * DAYS)).alias("s"),
    )
    region_of = pl.Series(REGIONS, dtype=pl.Int64)
    f = pl.DataFrame(
        {
            "region": region_of.gather(frame.to_series(0)),
            "day": frame.to_series(1),
            "seq": frame.to_series(2),
        }
    ).select(
        (
            pl.col("region") * 10**11
            + (pl.lit(DAY0) + pl.duration(days=pl.col("day"))).dt.strftime("%Y%m%d").cast(pl.Int64)
            * 1000
            + pl.col("seq")
        ).alias("first17")
    )
    total = pl.lit(0, dtype=pl.Int64)
    for i, w in enumerate(WEIGHTS):
        total = total + ((pl.col("first17") // 10 ** (16 - i)) % 10) * w
    check = (total % 11).replace_strict(dict(enumerate("10X98765432")), return_dtype=pl.String)
    return f.select((pl.col("first17").cast(pl.String) + check).alias("id_number")).to_series()


def registry_frame(n: int) -> pl.DataFrame:
    ids = ids_for(pl.int_range(0, n, eager=True))
    return pl.DataFrame(
        {
            "id_number": ids,
            "member_id": pl.int_range(1, n + 1, eager=True),
            "household_id": pl.int_range(0, n, eager=True) // 4 + 1,
        }
    ).with_columns(
        (pl.col("id_number").str.slice(0, 6) + pl.lit("100201")).alias("village_code"),
        pl.lit("healthy").alias("health"),
        pl.lit(None, dtype=pl.Int64).alias("disability_grade"),
    )


def _uniform(n: int, seed: int) -> pl.Series:
    return pl.select(pl.int_range(0, n).shuffle(seed=seed) / n).to_series()


def department_csv(path: Path, ids: pl.Series, seed: int = 1) -> None:
    """A vehicle list: plate, type (10% motorcycles), date; 0.5% broken check digits."""
    n = len(ids)
    df = pl.DataFrame(
        {
            "id": ids,
            "u1": _uniform(n, seed + 100),
            "u2": _uniform(n, seed + 200),
            "i": pl.int_range(0, n, eager=True),
        }
    ).select(
        pl.when(pl.col("u1") < 0.005)
        .then(pl.col("id").str.slice(0, 17) + pl.lit("0"))
        .otherwise(pl.col("id"))
        .alias("身份证号"),
        (pl.lit("湘M") + (pl.col("i") % 10**6).cast(pl.String).str.zfill(6)).alias("号牌号码"),
        pl.when(pl.col("u2") < 0.1)
        .then(pl.lit("普通二轮摩托车"))
        .otherwise(pl.lit("小型普通客车"))
        .alias("车辆类型"),
        (pl.lit(dt.date(2005, 1, 1)) + pl.duration(days=(pl.col("u2") * 7000).cast(pl.Int64)))
        .dt.strftime("%Y-%m-%d")
        .alias("注册日期"),
    )
    df.write_csv(path)


def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def engine_bench(n_registry: int, n_department: int, share: float) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    django.setup()
    from fupin.compare import engine

    OUT.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    registry = registry_frame(n_registry)
    print(f"registry frame: {registry.height:,} people in {time.perf_counter() - t:.1f} s")
    path = OUT / f"compare-vehicles-{n_registry}-{n_department}.csv"
    if not path.exists():
        t = time.perf_counter()
        n_hit = int(n_department * share)
        # Registered people (drawn with replacement: some own two cars), then strangers.
        hit = pl.int_range(0, n_registry, eager=True).sample(n_hit, with_replacement=True, seed=2)
        other = pl.int_range(n_registry, n_registry + n_department - n_hit, eager=True)
        index = pl.concat([hit, other]).shuffle(seed=2)
        department_csv(path, ids_for(index))
        del index, hit, other
        print(f"department file written in {time.perf_counter() - t:.1f} s: {path}")
    size = path.stat().st_size / 2**20
    print(f"department file: {n_department:,} rows, {size:,.0f} MiB CSV")

    t0 = time.perf_counter()
    raw = engine.read_table(path)
    t1 = time.perf_counter()
    prepared = engine.prepare("vehicles", raw)
    t2 = time.perf_counter()
    result = engine.match("vehicles", prepared.good, registry)
    t3 = time.perf_counter()
    del raw
    print(
        f"read {t1 - t0:.2f} s, validate {t2 - t1:.2f} s, match {t3 - t2:.2f} s; "
        f"rejected {prepared.rows_rejected:,}, matches {result.matches:,}, "
        f"findings {result.findings.height:,}"
    )
    total = t3 - t0
    print(
        f"ENGINE registry={n_registry:,} department={n_department:,}: {total:.2f} s, "
        f"{n_department / total:,.0f} department rows/s (peak RSS {peak_gib():.1f} GiB)"
    )
    # The same through compare_file, the one call the command makes.
    del prepared, result
    t = time.perf_counter()
    _prepared, result = engine.compare_file("vehicles", path, registry)
    total = time.perf_counter() - t
    print(
        f"compare_file: {total:.2f} s, {n_department / total:,.0f} rows/s, "
        f"{result.findings.height:,} findings (peak RSS {peak_gib():.1f} GiB)"
    )


def e2e_bench(n_department: int, share: float) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from fupin.compare import selectors

    OUT.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    registry = selectors.registry_frame()
    print(
        f"database {connection.vendor} {connection.settings_dict['NAME']}: "
        f"{registry.height:,} active members read in {time.perf_counter() - t:.2f} s"
    )
    n_hit = min(int(n_department * share), registry.height)
    hits = registry.get_column("id_number").sample(n_hit, seed=3)
    # Synthetic strangers: indexes far from the demo's own numbering (a rare coincidence
    # with a demo person would only add a match).
    start = SPACE // 2
    others = ids_for(pl.int_range(start, start + n_department - n_hit, eager=True))
    ids = pl.concat([hits, others]).sample(fraction=1.0, shuffle=True, seed=4)
    path = OUT / f"compare-e2e-vehicles-{n_department}.csv"
    department_csv(path, ids)
    for attempt in ("first run", "re-run"):
        t = time.perf_counter()
        call_command("compare", "vehicles", str(path))
        total = time.perf_counter() - t
        print(
            f"E2E {attempt}: {n_department:,} department rows against {registry.height:,} "
            f"people: {total:.2f} s, {n_department / total:,.0f} rows/s "
            f"(peak RSS {peak_gib():.1f} GiB)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", type=int, default=10_000_000)
    parser.add_argument("--department", type=int, default=20_000_000)
    parser.add_argument("--share", type=float, default=0.05, help="rows of registered people")
    parser.add_argument("--e2e", action="store_true", help="the command on DATABASE_URL")
    parser.add_argument("--e2e-department", type=int, default=2_000_000)
    args = parser.parse_args()
    if args.e2e:
        e2e_bench(args.e2e_department, args.share)
    else:
        engine_bench(args.registry, args.department, args.share)


if __name__ == "__main__":
    main()
