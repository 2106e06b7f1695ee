"""Disbursements under contention (capability F).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fupin_bench \
        .venv/bin/python bench/funds.py [--threads 4] [--payments 200]

Needs a migrated database (`fupin migrate`); PostgreSQL is the point (on SQLite writers
are serialised by the file lock). The script adds its own fund source, allocation, project
and budget line in Jianghua county (loading the few divisions it needs if absent), then
pays through `fupin.funds.services.disburse` — the same locked path the pages use:

1. one thread, N payments of 1.00 yuan: payments/s;
2. T threads, N payments each against the same budget line: payments/s, and the totals
   must add up to the cent;
3. T threads trying to pay more than the line holds: how many were refused, and the line
   must end exactly full, never over.

Everything it created is deleted at the end. Prints figures; never asserts timings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402

from fupin.accounts.models import User  # noqa: E402
from fupin.accounts.roles import Role  # noqa: E402
from fupin.core.models import ChangeRecord  # noqa: E402
from fupin.funds import services as funds  # noqa: E402
from fupin.funds.models import Allocation, BudgetLine, Disbursement, FundSource  # noqa: E402
from fupin.geo.models import Division  # noqa: E402
from fupin.projects import services as projects  # noqa: E402
from fupin.projects.models import Project, ProjectStep  # noqa: E402

COUNTY = "431129000000"
VILLAGE = "431129100201"
TREE = [
    ("430000000000", "湖南省"),
    ("431100000000", "永州市"),
    ("431129000000", "江华瑶族自治县"),
    ("431129100000", "沱江镇"),
    ("431129100201", "大坪村"),
]


def setup(tag: str, budget: Decimal):
    if not Division.objects.filter(code=VILLAGE).exists():
        from fupin.geo.services import load_divisions

        load_divisions(TREE)
    user = User.objects.create_user(
        username=f"bench-{tag}", password=None, role=Role.COUNTY_OFFICE, area_id=COUNTY
    )
    source = FundSource.objects.create(kind="central", name=f"bench {tag}")
    alloc = funds.allocation_create(
        actor=user, source=source, area_code=COUNTY, year=2020, amount=budget * 2
    )
    project = projects.project_create(
        actor=user,
        data={
            "name": f"bench {tag}",
            "type": "road",
            "year": 2020,
            "responsible_unit": "bench",
            "budget_requested": budget,
            "starts_on": dt.date(2020, 1, 1),
            "ends_on": dt.date(2020, 12, 31),
        },
        village_codes=[VILLAGE],
    )
    line = funds.budget_line_set(actor=user, project=project, allocation=alloc, amount=budget)
    for action in ("review", "approve", "start"):
        project = projects.transition(actor=user, project=project, action=action)
    return user, source, alloc, project, line


def pay_many(user, line, count: int, amount: str, outcome: dict, lock: threading.Lock) -> None:
    paid = refused = 0
    try:
        for _ in range(count):
            try:
                funds.disburse(actor=user, line=line, amount=amount, paid_on=dt.date(2020, 6, 1))
                paid += 1
            except funds.InsufficientFunds:
                refused += 1
    finally:
        connections.close_all()
    with lock:
        outcome["paid"] += paid
        outcome["refused"] += refused


def run(threads: int, user, line, count: int, amount: str) -> tuple[dict, float]:
    outcome = {"paid": 0, "refused": 0}
    lock = threading.Lock()
    workers = [
        threading.Thread(target=pay_many, args=(user, line, count, amount, outcome, lock))
        for _ in range(threads)
    ]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return outcome, time.perf_counter() - t0


def cleanup(user, source, project) -> None:
    labels = [
        "funds.disbursement",
        "funds.budgetline",
        "funds.allocation",
        "projects.project",
        "projects.projectstep",
    ]
    ChangeRecord.objects.filter(user_name=user.username, object_type__in=labels).delete()
    Disbursement.objects.filter(line__project=project).delete()
    BudgetLine.objects.filter(project=project).delete()
    ProjectStep.objects.filter(project=project).delete()
    Project.objects.filter(pk=project.pk).delete()
    Allocation.objects.filter(source=source).delete()
    source.delete()
    user.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--payments", type=int, default=200, help="payments per thread")
    args = parser.parse_args()
    t, n = args.threads, args.payments
    budget = Decimal(n + t * n + n)  # steps 1 and 2 fit; step 3 has n yuan left
    tag = uuid.uuid4().hex[:8]
    user, source, _alloc, project, line = setup(tag, budget)
    print(f"database: {connection.vendor}; {t} threads × {n} payments")
    try:
        out, secs = run(1, user, line, n, "1.00")
        print(f"1 thread   {out['paid']:>6} paid {secs:>7.2f} s {out['paid'] / secs:>9.0f} /s")
        out, secs = run(t, user, line, n, "1.00")
        line.refresh_from_db()
        total = sum(d.amount for d in Disbursement.objects.filter(line=line))
        print(
            f"{t} threads  {out['paid']:>6} paid {secs:>7.2f} s {out['paid'] / secs:>9.0f} /s"
            f"  line.disbursed={line.disbursed} sum(payments)={total} "
            f"{'OK' if line.disbursed == total else 'MISMATCH'}"
        )
        # Over-subscription: the line has `n` yuan left; every thread tries n payments of 1.
        out, secs = run(t, user, line, n, "1.00")
        line.refresh_from_db()
        print(
            f"{t} threads, only {n} fit: {out['paid']} paid, {out['refused']} refused "
            f"in {secs:.2f} s; line {line.disbursed}/{line.amount} "
            f"{'OK' if line.disbursed == line.amount else 'NOT FULL'}"
        )
    finally:
        cleanup(user, source, project)


if __name__ == "__main__":
    main()
