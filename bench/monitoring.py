"""Monitoring warning-rules benchmark (capability M).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fupin_bench \
        .venv/bin/python bench/monitoring.py [--medical 0.03] [--disability 0.02] \
        [--death 0.005] [--keep]

Needs a migrated database holding the 10^6-people demo (`fupin migrate` first). The demo
has no findings of the monitoring rules, so the script first adds a synthetic comparison
run with MEDICAL_HIGH / DISABILITY_NEW / DEATH_ACTIVE findings on the given shares of
households (one INSERT … SELECT each), then times, through the functions `fupin
monitoring scan` runs:

1. the finding rules: one SQL read of the findings, Polars mapping to cause and level;
2. the income rule: one SQL read of every watched household's income records, latest
   year per household, per-person income against the county's monitoring threshold;
3. writing the warnings (bulk insert, one change record each);
4. the same scan again: the idempotent path (no new warning).

Everything runs in one transaction that is rolled back at the end unless --keep.
Prints rows, seconds and rows/s; never asserts timings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")

import django  # noqa: E402

django.setup()

import polars as pl  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from fupin.compare.models import ComparisonRun  # noqa: E402
from fupin.monitoring import services  # noqa: E402
from fupin.monitoring.models import Channel  # noqa: E402


class Rollback(Exception):
    pass


def line(label: str, rows: int, seconds: float) -> None:
    rate = rows / seconds if seconds > 0 else float("inf")
    print(f"{label:<44} {rows:>10,} rows {seconds:>8.2f} s {rate:>12,.0f} rows/s")


def add_findings(run: ComparisonRun, shares: dict[str, float]) -> int:
    kinds = {"MEDICAL_HIGH": "medical_spending", "DISABILITY_NEW": "disability"}
    total = 0
    with connection.cursor() as c:
        for rule, share in shares.items():
            if rule == "DEATH_ACTIVE":
                c.execute(
                    "INSERT INTO compare_finding (household_id, member_id, run_id, kind, rule, "
                    "key, fingerprint, summary, details, status, reason, created_at) "
                    "SELECT m.household_id, m.id, %s, 'deaths', %s, 'bench', "
                    "md5('bench' || %s || m.id), 'bench death', '{}', 'open', '', now() "
                    "FROM registry_member m WHERE m.relation = 'head' AND m.is_active "
                    "AND random() < %s",
                    [run.pk, rule, rule, share],
                )
            else:
                c.execute(
                    "INSERT INTO compare_finding (household_id, member_id, run_id, kind, rule, "
                    "key, fingerprint, summary, details, status, reason, created_at) "
                    "SELECT h.id, NULL, %s, %s, %s, 'bench', md5('bench' || %s || h.id), "
                    "'bench finding', '{}', 'open', '', now() "
                    "FROM registry_household h WHERE random() < %s",
                    [run.pk, kinds[rule], rule, rule, share],
                )
            total += c.rowcount
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--medical", type=float, default=0.03)
    ap.add_argument("--disability", type=float, default=0.02)
    ap.add_argument("--death", type=float, default=0.005)
    ap.add_argument("--keep", action="store_true", help="commit the findings and warnings")
    args = ap.parse_args()
    if connection.vendor != "postgresql":
        print("Run against PostgreSQL (DATABASE_URL) holding the demo.")
    today = dt.date.today()
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM registry_member")
        people = c.fetchone()[0]
        c.execute("SELECT count(*) FROM registry_household")
        households = c.fetchone()[0]
    print(f"database: {households:,} households, {people:,} people ({connection.vendor})")
    try:
        with transaction.atomic():
            run = ComparisonRun.objects.create(
                kind="medical_spending", file_name="bench-monitoring", sha256="0"
            )
            t = time.perf_counter()
            n = add_findings(
                run,
                {
                    "MEDICAL_HIGH": args.medical,
                    "DISABILITY_NEW": args.disability,
                    "DEATH_ACTIVE": args.death,
                },
            )
            line("synthetic findings inserted (setup)", n, time.perf_counter() - t)

            with connection.cursor() as c:
                c.execute(
                    "SELECT count(*) FROM compare_finding WHERE status IN ('open', 'confirmed')"
                )
                all_findings = c.fetchone()[0]
            t = time.perf_counter()
            findings = services.finding_candidates()
            line(
                f"finding rules over {all_findings:,} findings -> candidates",
                findings.height,
                time.perf_counter() - t,
            )
            line("  (throughput over all findings)", all_findings, time.perf_counter() - t)

            with connection.cursor() as c:
                c.execute(
                    "SELECT count(*) FROM registry_incomerecord i JOIN registry_household h "
                    "ON h.id = i.household_id WHERE h.status IN ('exited', 'monitored')"
                )
                income_rows = c.fetchone()[0]
            t = time.perf_counter()
            income = services.income_candidates("", today)
            seconds = time.perf_counter() - t
            line(f"income rule over {income_rows:,} income records", income_rows, seconds)
            print(f"{'  households under the threshold':<44} {income.height:>10,}")

            frame = pl.concat([findings, income], how="vertical")
            t = time.perf_counter()
            created = services._write_warnings(frame, None, Channel.DATA, today)
            line(
                "warnings written (with change records)",
                sum(created.values()),
                time.perf_counter() - t,
            )
            for source, k in sorted(created.items()):
                print(f"    {source}: {k:,}")

            t = time.perf_counter()
            again = services.scan(today=today)
            line("second full scan (idempotent, 0 new)", again.checked, time.perf_counter() - t)
            print(f"{'  new warnings on the second scan':<44} {again.created:>10,}")
            if not args.keep:
                raise Rollback
    except Rollback:
        print("rolled back (use --keep to keep the findings and warnings)")


if __name__ == "__main__":
    main()
