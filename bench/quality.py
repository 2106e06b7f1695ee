"""Quality-check benchmark: run every data-quality rule over a demo database.

    .venv/bin/python bench/quality.py [--people 200000] [--area 4311] [--repeat 3]

Uses DATABASE_URL if set (read only, e.g. postgres://postgres@127.0.0.1:5432/fupin_bench),
else bench/out/quality-<people>.sqlite3, which is built (migrate + demo --seed 1) if missing.
Prints the database, people, households, seconds (reading, checking, total), people/s and
the violations per rule. Prints figures, never asserts timings.
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
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--area", default="", help="area prefix (default: everything)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is reported")
    args = parser.parse_args()

    if "DATABASE_URL" not in os.environ:
        path = OUT / f"quality-{args.people}.sqlite3"
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

    from fupin.quality.rules import RULES
    from fupin.quality.selectors import check_area

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    best = None
    for n in range(args.repeat):
        t0 = time.perf_counter()
        report = check_area(args.area)
        total = time.perf_counter() - t0
        print(
            f"run {n + 1}: read {report.timings['load']:.2f} s, "
            f"check {report.timings['check']:.2f} s, total {total:.2f} s"
        )
        if best is None or total < best[0]:
            best = (total, report)
    total, report = best
    people = report.people
    print(f"people: {people:,}  households: {report.households:,}")
    print(
        f"seconds: {total:.2f} (read {report.timings['load']:.2f}, "
        f"check {report.timings['check']:.2f})  people/s: {people / total:,.0f}"
    )
    s = report.total()
    print(
        f"score: {s.score}  households with errors: {s.with_error:,}, warnings only: "
        f"{s.with_warning:,}"
    )
    counts = report.counts_by_rule()
    for rule in RULES:
        print(f"  {rule.code} {rule.severity:<7} {counts[rule.code]:>9,}  {rule.title}")


if __name__ == "__main__":
    main()
