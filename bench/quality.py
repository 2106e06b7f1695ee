"""Quality-check benchmark: run every data-quality rule over a demo database.

    .venv/bin/python bench/quality.py [--people 200000] [--area 4311] [--repeat 3]

Uses DATABASE_URL if set (read only, e.g. postgres://postgres@127.0.0.1:5432/fupin_bench),
else bench/out/quality-<people>.sqlite3, which is built (migrate + demo --seed 1) if missing.
Prints the database, people, households, seconds (reading, checking, total), people/s and
the violations per rule; with --compare-read also the time to read the members table with
cursor.fetchall() versus polars.read_database. Prints figures, never asserts timings.
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
    parser.add_argument("--compare-read", action="store_true")
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

    if args.compare_read:
        compare_read(args.area)


def compare_read(prefix: str) -> None:
    """Reading all four tables: the default path, forced fetchall, and (members only)
    polars.read_database on the raw DB-API connection."""
    import polars as pl
    from django.db import connection

    from fupin.core.scope import code_range
    from fupin.quality import selectors

    for method in ("auto", "fetchall"):
        selectors.READ_METHOD = method
        t0 = time.perf_counter()
        frames = selectors.load_frames(prefix)
        label = "COPY csv" if method == "auto" and connection.vendor == "postgresql" else method
        print(
            f"read 4 tables with {label}: {time.perf_counter() - t0:.2f} s "
            f"({frames.members.height:,} members)"
        )
    selectors.READ_METHOD = "auto"
    lo, hi = code_range(prefix)
    sql = (
        "SELECT m.id, m.household_id, m.id_number, m.name, m.sex, CAST(m.birth_date AS TEXT), "  # noqa: S608
        "m.relation, m.education, m.school_status, m.health, m.labour "
        "FROM registry_member m JOIN registry_household h ON h.id = m.household_id "
        f"WHERE h.village_id BETWEEN '{lo}' AND '{hi}' AND m.is_active = TRUE"
    )
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    df = pl.DataFrame(rows, orient="row")
    t1 = time.perf_counter()
    connection.ensure_connection()
    df2 = pl.read_database(sql, connection=connection.connection)
    t2 = time.perf_counter()
    print(
        f"read members only: fetchall {t1 - t0:.2f} s ({df.height:,} rows), "
        f"polars.read_database {t2 - t1:.2f} s ({df2.height:,} rows)"
    )


if __name__ == "__main__":
    main()
