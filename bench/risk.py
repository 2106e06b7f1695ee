"""Risk-scoring benchmark: build the risk features of every household from the database
and score them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fupin_bench .venv/bin/python bench/risk.py

Reads only (the 10^6-people demo in fupin_bench; without DATABASE_URL,
bench/out/risk-<people>.sqlite3 is built with migrate + demo --seed 1). Times the reads
(households, members, incomes, findings → Polars), the training (labelled exits + fit), and
the scoring of every household (features as of the latest year, probability, top three
factors). Prints seconds and households/s; never asserts timings.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200_000, help="for the SQLite build")
    parser.add_argument("--area", default="", help="area prefix (default: everything)")
    parser.add_argument(
        "--households",
        type=int,
        default=1_000_000,
        help="also score this many households: the database's feature rows repeated (the "
        "10^6-people demo has ~285,000 households; no demo database has 10^6 households)",
    )
    args = parser.parse_args()

    if "DATABASE_URL" not in os.environ:
        path = OUT / f"risk-{args.people}.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        if not path.exists():
            import subprocess

            fupin = [str(ROOT / ".venv" / "bin" / "fupin")]
            subprocess.run([*fupin, "migrate", "-v0"], check=True)
            demo = [*fupin, "demo", "--scale", str(args.people), "--seed", "1"]
            subprocess.run(demo, check=True)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    import django

    django.setup()
    from django.db import connection

    from fupin.monitoring.scoring import features, model

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    from django.db.utils import ProgrammingError

    lines = None
    try:
        features.lines_for([2020], ["430000000000"])
    except ProgrammingError:  # a database built before the policy sets: the demo's lines
        connection.close()
        from fupin.registry.demo import POVERTY_LINE

        lines = {y: float(v) for y, v in POVERTY_LINE.items()}
        print("no policy sets in this database: using the demo's income lines")
    t0 = time.perf_counter()
    data = features.read_all(args.area, lines)
    t_read = time.perf_counter() - t0

    t1 = time.perf_counter()
    train = features.training_frame(args.area, data)
    fitted = model.fit(train)
    t_train = time.perf_counter() - t1

    t2 = time.perf_counter()
    frame = features.scoring_frame(args.area, data=data, everyone=True)
    t_features = time.perf_counter() - t2
    t3 = time.perf_counter()
    p = fitted.predict(frame)
    factors = fitted.top_factors(frame)
    t_score = time.perf_counter() - t3
    total = time.perf_counter() - t0

    n = frame.height
    print(f"households: {n:,}  members: {data['members'].height:,}")
    print(f"labelled exits: {train.height:,} ({int(train['returned'].sum()):,} returned)")
    print(f"model: {fitted.kind}  mean probability: {p.mean():.4f}  with factors: {len(factors):,}")
    print(
        f"seconds: read {t_read:.2f}, train {t_train:.2f}, features {t_features:.2f}, "
        f"score+explain {t_score:.2f}, total {total:.2f}"
    )
    print(
        f"households/s: {n / total:,.0f} (end to end), {n / (t_features + t_score):,.0f} "
        "(features + scoring, reads excluded)"
    )
    if args.households and args.households > n:
        import polars as pl

        copies = -(-args.households // n)
        big = pl.concat([frame] * copies).head(args.households)
        t4 = time.perf_counter()
        fitted.predict(big)
        fitted.top_factors(big)
        t_big = time.perf_counter() - t4
        # Reading scales with rows: estimate it from the measured read of this database.
        read_est = t_read * args.households / n
        print(
            f"scoring {big.height:,} households (feature rows repeated): {t_big:.2f} s "
            f"= {big.height / t_big:,.0f} households/s; with reads at the measured rate "
            f"(≈{read_est:.1f} s) ≈ {t_big + read_est:.1f} s end to end (an estimate)"
        )


if __name__ == "__main__":
    main()
