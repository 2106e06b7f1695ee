"""Microcredit benchmark: the daily overdue run and the ledger's workbook import on the
demo county (`fupin demo`: about 9,000 loans).

    DATABASE_URL=sqlite:///var/demo.sqlite3 .venv/bin/python bench/microcredit.py \
        [--user county] [--only overdue|import]

1. The overdue run (`services.mark_overdue`, what `fupin microcredit overdue` runs):
   - today: the daily run on the demo as built (few loans change);
   - a day after every due date: every open loan falls overdue and is warned;
   - today again after it: the same loans are caught up (back to current or extended).
2. The import (`programmes.workbook.import_workbook`, what `fupin programmes import`
   runs), on the workbook exported from the demo county by --user (a role that may
   reveal ID numbers, so that the borrowers match):
   - the export itself;
   - importing it again: every row compared, nothing changes;
   - the same workbook with every contract number changed: every loan and repayment
     is created (schedules and history with them).

Each measured step runs in a transaction rolled back afterwards, so the database is
left as it was and the steps can be run again. Prints rows, seconds and rows/s; never
asserts timings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")

import django  # noqa: E402

django.setup()

import polars as pl  # noqa: E402
import xlsxwriter  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from fupin.accounts.models import User  # noqa: E402
from fupin.microcredit import services  # noqa: E402
from fupin.microcredit.models import OPEN_STATUSES, Loan, Repayment  # noqa: E402
from fupin.programmes import ledgers, workbook  # noqa: E402


class Rollback(Exception):
    pass


def line(label: str, rows: int, seconds: float, extra: str = "") -> None:
    rate = rows / seconds if seconds > 0 else float("inf")
    print(f"{label:<52} {rows:>8,} rows {seconds:>8.2f} s {rate:>10,.0f} rows/s {extra}")


def rolled_back(fn: Callable[[], Any]) -> tuple[Any, float]:
    """fn's result and its time, in a transaction rolled back afterwards."""
    out: dict[str, Any] = {}
    try:
        with transaction.atomic():
            began = time.perf_counter()
            out["result"] = fn()
            out["seconds"] = time.perf_counter() - began
            raise Rollback
    except Rollback:
        pass
    return out["result"], out["seconds"]


def overdue() -> None:
    today = timezone.localdate()
    open_loans = Loan.objects.filter(status__in=OPEN_STATUSES).count()
    last_due = Loan.objects.order_by("-due_on").values_list("due_on", flat=True).first()
    late = (last_due or today) + dt.timedelta(days=1)
    (marked, back, _warned), s = rolled_back(lambda: services.mark_overdue(day=today))
    line(f"overdue run, today ({today})", open_loans, s, f"[{marked} marked, {back} back]")

    def both():
        first = services.mark_overdue(day=late)
        began = time.perf_counter()
        second = services.mark_overdue(day=today)
        return first, second, time.perf_counter() - began

    (first, second, s_back), s_all = rolled_back(both)
    s_late = s_all - s_back
    line(
        f"overdue run, after every due date ({late})",
        first[0],
        s_late,
        f"[loans marked overdue; {first[2]} warnings; {open_loans} open loans read]",
    )
    line("overdue run, today again (caught up)", second[1], s_back, "[loans back]")


def _renumbered(source: Path, target: Path) -> int:
    """The export with every contract number changed (loans and repayments alike)."""
    import fastexcel

    reader = fastexcel.read_excel(str(source))
    book = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    rows = 0
    for name in reader.sheet_names:
        if name.startswith("_"):
            continue
        frame = reader.load_sheet(name, dtypes="string").to_polars()
        first = frame.columns[0]
        frame = frame.with_columns(pl.concat_str(pl.lit("N-"), pl.col(first)).alias(first))
        ws = book.add_worksheet(name)
        ws.write_row(0, 0, frame.columns)
        for i, row in enumerate(frame.iter_rows(), start=1):
            for j, value in enumerate(row):
                if value is not None:
                    ws.write_string(i, j, str(value))
        rows += frame.height
    book.close()
    return rows


def imports(username: str) -> None:
    user = User.objects.get(username=username)
    ledger = ledgers.get("microcredit")
    out = Path(tempfile.mkdtemp(prefix="bench-microcredit-"))
    began = time.perf_counter()
    path = workbook.export_workbook(ledger, user, "", out / "loans.xlsx")
    s = time.perf_counter() - began
    loans = Loan.objects.count()
    pays = Repayment.objects.count()
    line("export of the county's workbook", loans + pays, s, f"[{loans} loans, {pays} repayments]")

    outcome, s = rolled_back(lambda: workbook.import_workbook(ledger, path, actor=user))
    unchanged = sum(c.unchanged for c in outcome.counts.values())
    line(
        "import of the export again (nothing changes)",
        loans + pays,
        s,
        f"[{unchanged} unchanged, {outcome.errors.height} rejected cells]",
    )
    renumbered = out / "renumbered.xlsx"
    n = _renumbered(path, renumbered)
    outcome, s = rolled_back(lambda: workbook.import_workbook(ledger, renumbered, actor=user))
    created = sum(c.created for c in outcome.counts.values())
    line(
        "import of new loans and repayments (all created)",
        n,
        s,
        f"[{created} created, {outcome.errors.height} rejected cells]",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--user", default="county")
    parser.add_argument("--only", choices=["overdue", "import"], default=None)
    args = parser.parse_args()
    print(f"database: {connection.vendor}")
    if args.only in (None, "overdue"):
        overdue()
    if args.only in (None, "import"):
        imports(args.user)


if __name__ == "__main__":
    main()
