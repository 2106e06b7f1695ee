"""Registry benchmark: load the demo at a given size, then time the household pages.

    .venv/bin/python bench/registry.py [--people 1000000] [--reuse] [--requests 200]

Uses bench/out/registry-<people>.sqlite3, or DATABASE_URL if set (a PostgreSQL database
named there is created if missing, e.g. postgres://postgres@127.0.0.1:5432/fupin_bench).
--reuse keeps an existing database that already holds the demo.

Times, with Django's test client logged in as the county user and as the village user:
the household list (first page, a deep page via `after`, filtered by status), search by
ID number (`q`) and the household page, each `--requests` times; prints p50/p95/max in
ms against the target p95 < 200 ms (DESIGN.md §3). When the pages do not exist yet it
times the selectors behind them instead, and says so.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
TARGET_P95_MS = 200.0


def ensure_postgres_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/") or "fupin"
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created PostgreSQL database {name}")


def setup(people: int) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        OUT.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{OUT / f'registry-{people}.sqlite3'}"
        os.environ["DATABASE_URL"] = url
    elif url.startswith(("postgres://", "postgresql://")):
        ensure_postgres_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log while timing
    return url


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def timed(fn, n: int) -> list[float]:
    fn(0)  # warm up caches and the connection
    times = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t) * 1000)
    return times


def report(label: str, times: list[float]) -> None:
    p50, p95 = statistics.median(times), percentile(times, 0.95)
    ratio = p95 / TARGET_P95_MS
    verdict = "ok" if p95 < TARGET_P95_MS else "SLOW"
    print(
        f"  {label:<34} p50 {p50:7.1f}  p95 {p95:7.1f}  max {max(times):7.1f} ms"
        f"   p95/target {ratio:5.2f}  {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep an existing demo database")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2017)
    args = parser.parse_args()

    url = setup(args.people)
    from django.core.management import call_command
    from django.db import connection
    from django.urls import Resolver404, resolve

    from fupin.registry.models import Household, Member

    print(f"database: {connection.vendor} ({url})")
    call_command("migrate", verbosity=0, interactive=False)
    have = Household.objects.exists()
    if args.reuse and have:
        print(f"reusing the demo: {Household.objects.count():,} households")
    else:
        t = time.perf_counter()
        call_command(
            "demo", "--scale", str(args.people), "--seed", str(args.seed), "--reset", verbosity=0
        )
        seconds = time.perf_counter() - t
        from fupin.core.models import ChangeRecord
        from fupin.registry.models import Assessment, IncomeRecord

        rows = sum(
            m.objects.count() for m in (Household, Member, IncomeRecord, Assessment, ChangeRecord)
        )
        print(
            f"demo load: {args.people:,} people requested, {rows:,} rows in {seconds:.1f} s "
            f"= {rows / seconds:,.0f} rows/s "
            f"({Member.objects.count() / seconds:,.0f} people/s)"
        )

    try:
        resolve("/households/")
        resolve("/households/1/")
        pages = True
    except Resolver404:
        pages = False
    print(
        f"timing {'pages with the test client' if pages else 'SELECTORS (pages not there yet)'}, "
        f"{args.requests} requests each, target p95 < {TARGET_P95_MS:.0f} ms"
    )
    rng = random.Random(args.seed)
    for username in ("county", "village"):
        bench_user(username, pages=pages, requests=args.requests, rng=rng)


def bench_user(username: str, *, pages: bool, requests: int, rng: random.Random) -> None:
    from django.test import Client

    from fupin.accounts.models import User
    from fupin.registry import selectors
    from fupin.registry.models import Household, Member

    user = User.objects.select_related("area").get(username=username)
    ids = list(Household.objects.restrict(user).order_by("id").values_list("id", flat=True))
    deep_after = ids[int(len(ids) * 0.9)] if len(ids) > 100 else ids[0]
    sample_ids = [rng.choice(ids) for _ in range(requests + 1)]
    id_numbers = list(
        Member.objects.restrict(user)
        .filter(household_id__in=sample_ids[:50])
        .values_list("id_number", flat=True)
    )
    print(f"\n{username} ({user.area.name if user.area else '—'}): {len(ids):,} households")
    client = Client()
    client.force_login(user)

    def page(path, params=None):
        def fn(i):
            p = params(i) if callable(params) else params
            response = client.get(path(i) if callable(path) else path, p or {})
            if response.status_code != 200:
                raise SystemExit(f"{response.status_code} for {path} {p}")

        return fn

    def sel(**kw):
        def fn(i):
            filters = selectors.HouseholdFilters(**kw.get("filters", {}))
            page_ = selectors.household_list(user=user, filters=filters, after=kw.get("after"))
            list(page_.rows)

        return fn

    if pages:
        cases = {
            "list, first page": page("/households/"),
            "list, deep page (after=)": page("/households/", {"after": deep_after}),
            "list, status=exited": page("/households/", {"status": "exited"}),
            "search by ID number (q=)": page(
                "/households/", lambda i: {"q": id_numbers[i % len(id_numbers)]}
            ),
            "household page": page(lambda i: f"/households/{sample_ids[i]}/"),
        }
    else:
        cases = {
            "household_list, first page": sel(),
            "household_list, deep (after=)": sel(after=deep_after),
            "household_list, status=exited": sel(filters={"status": "exited"}),
            "household_list, q=<ID number>": lambda i: selectors.household_list(
                user=user,
                filters=selectors.HouseholdFilters(q=id_numbers[i % len(id_numbers)]),
            ),
            "household_get (+ members, incomes)": lambda i: _touch(
                selectors.household_get(user=user, pk=sample_ids[i])
            ),
        }
    for label, fn in cases.items():
        report(label, timed(fn, requests))


def _touch(h) -> None:
    list(h.members.all())
    list(h.incomes.all())
    list(h.assessments.all())


if __name__ == "__main__":
    main()
