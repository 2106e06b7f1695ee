"""Dashboard benchmark: the county dashboard page, timed with Django's test client.

    .venv/bin/python bench/dashboards.py [--requests 50] [--area 431129]

Uses the database of DATABASE_URL, or bench/out/dashboards.sqlite3; when it holds no
households it builds the demo county first (`fupin demo`, several minutes on SQLite).

Prints, in ms:
- the county dashboard page (logged in as the county office), `--requests` times: p50,
  p95, max, against the target p95 < 300 ms, with today's figures from the cache (kept
  until a change is recorded) and with them computed on every request (the cache cleared,
  as after any change); also its map layer and trends (JSON the page loads), and the
  township and village dashboards;
- the same figures the page shows (headline and table: node and every township) computed
  with Django ORM aggregate queries, one aggregate per figure group and area, against the
  indicators app's `figures()` the page calls, and the ratio; the values are compared
  and any difference is printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
TARGET_P95_MS = 300.0


def setup() -> None:
    if not os.environ.get("DATABASE_URL"):
        OUT.mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{OUT / 'dashboards.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log while timing
    settings.ALLOWED_HOSTS = ["*"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from fupin.registry.models import Household

    if not Household.objects.exists():
        print("building the demo county (fupin demo --seed 2017) …", flush=True)
        call_command("demo", seed=2017)


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def report(name: str, ms: list[float], target: float | None = None) -> None:
    line = (
        f"{name:<44} p50 {statistics.median(ms):7.1f}  p95 {pct(ms, 95):7.1f}  "
        f"max {max(ms):7.1f} ms  (n={len(ms)})"
    )
    if target is not None:
        line += f"  target p95 < {target:.0f} ms: {'ok' if pct(ms, 95) < target else 'MISSED'}"
    print(line, flush=True)


def orm_figures(prefix: str, year: int) -> dict[str, float | int | None]:
    """The dashboard's figures of one area with ORM aggregate queries (the naive path)."""
    import datetime as dt

    from django.db.models import Count, Q, Sum

    from fupin.assistance.models import Pairing, Visit
    from fupin.assistance.selectors import due_households
    from fupin.core.scope import code_range
    from fupin.geo.models import VillageProfile
    from fupin.monitoring.models import MonitoringObject, MonitoringStatus
    from fupin.registry.choices import HouseholdStatus as S
    from fupin.registry.choices import MonitoringType
    from fupin.registry.models import Household, Member

    rng = code_range(prefix)
    poor = Q(status__in=[S.POOR, S.RETURNED])
    exited = Q(status=S.EXITED) | Q(
        status=S.MONITORED, monitoring_type=MonitoringType.UNSTABLE_EXITED
    )
    h = Household.objects.in_area(prefix).aggregate(
        poor=Count("id", filter=poor),
        exited=Count("id", filter=exited),
        returned=Count("id", filter=Q(status=S.RETURNED)),
        removed=Count("id", filter=Q(status=S.REMOVED)),
    )
    m = (
        Member.objects.in_area(prefix)
        .filter(is_active=True)
        .aggregate(
            poor=Count("id", filter=Q(household__status__in=[S.POOR, S.RETURNED])),
            exited=Count(
                "id",
                filter=Q(household__status=S.EXITED)
                | Q(
                    household__status=S.MONITORED,
                    household__monitoring_type=MonitoringType.UNSTABLE_EXITED,
                ),
            ),
        )
    )
    rural = VillageProfile.objects.in_area(prefix).aggregate(n=Sum("rural_population"))["n"] or 0
    mon = (
        MonitoringObject.objects.in_area(prefix)
        .filter(status=MonitoringStatus.ACTIVE)
        .aggregate(
            n=Count("id"),
            major=Count("id", filter=Q(risk_level="major")),
            serious=Count("id", filter=Q(risk_level="serious")),
        )
    )
    # Households to be assisted: the assistance app's list (in poverty, monitoring
    # objects, exited within the transition period after exit).
    due = due_households(prefix)
    target_households = due.count()
    target = Q(household__in=due.values("pk"))
    paired = (
        Pairing.objects.filter(household__village__code__range=rng, end_date__isnull=True)
        .filter(target)
        .values("household")
        .distinct()
        .count()
    )
    visited = (
        Visit.objects.filter(
            household__village__code__range=rng,
            date__gte=dt.date(year, 1, 1),
            date__lte=dt.date.today(),
        )
        .filter(target)
        .values("household")
        .distinct()
        .count()
    )
    people_poor = m["poor"]
    return {
        "poor_households": h["poor"],
        "exited_households": h["exited"],
        "returned_households": h["returned"],
        "removed_households": h["removed"],
        "registered_households": h["poor"] + h["exited"],
        "poor_people": people_poor,
        "exited_people": m["exited"],
        "registered_people": people_poor + m["exited"],
        "rural_population": rural,
        "poverty_incidence": round(100 * people_poor / rural, 2) if rural else None,
        "monitoring_objects": mon["n"],
        "risk_major": mon["major"],
        "risk_serious": mon["serious"],
        "assist_target_households": target_households,
        "paired_households": paired,
        "pairing_coverage": round(100 * paired / target_households, 2)
        if target_households
        else None,
        "visited_households": visited,
        "visit_coverage": round(100 * visited / target_households, 2)
        if target_households
        else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--area", default="431129")
    args = parser.parse_args()
    setup()

    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from fupin.accounts.models import User
    from fupin.accounts.roles import Role
    from fupin.geo.models import Division, Level
    from fupin.indicators.selectors import figures
    from fupin.registry.models import Household

    county = Division.objects.get(code=args.area.ljust(12, "0"))
    user = User.objects.filter(role=Role.COUNTY_OFFICE, area=county).first()
    if user is None:
        user = User.objects.create_user(
            username="bench-county", password=None, role=Role.COUNTY_OFFICE, area=county
        )
    client = Client()
    client.force_login(user)
    households = Household.objects.in_area(county.prefix).count()
    print(f"{county.name} ({county.code}): {households:,} households, user {user.username}")

    from django.core.cache import cache

    from fupin.dashboards.models import YearFigures

    url = reverse("dashboards:area", args=[county.code])
    YearFigures.objects.filter(area_code=county.code).delete()  # measure the first read-back
    assert client.get(url).status_code == 200
    # Past years are read back from history by a background job the first time; wait for it.
    t = time.perf_counter()
    trends_url = reverse("dashboards:trends", args=[county.code])
    while client.get(trends_url).json()["pending"]:
        time.sleep(2)
    print(f"trend years read back from history (first time only): {time.perf_counter() - t:.1f} s")

    n = args.requests
    for _ in range(3):  # warm up
        client.get(url)
    report("county dashboard page", timed(lambda: client.get(url), n), TARGET_P95_MS)

    def cold():
        cache.clear()  # as after any recorded change: today's figures computed again
        client.get(url)

    report("county dashboard page, figures recomputed", timed(cold, n), TARGET_P95_MS)
    map_url = reverse("dashboards:map", args=[county.code])
    report("county map layer (map.json)", timed(lambda: client.get(map_url), n))
    report("county trends (trends.json)", timed(lambda: client.get(trends_url), n))
    township = Division.objects.filter(parent=county).order_by("code").first()
    village = Division.objects.filter(parent=township, level=Level.VILLAGE).order_by("code").first()
    for d in (township, village):
        u = reverse("dashboards:area", args=[d.code])
        client.get(u)
        report(
            f"{d.get_level_display()} dashboard page ({d.name})",
            timed(lambda u=u: client.get(u), n),
        )

    # The same figures: indicators (what the page calls) vs ORM aggregates.
    children = list(Division.objects.filter(parent=county).order_by("code"))
    year = timezone.localdate().year

    def with_indicators():
        return figures(county.code, depth=1)

    def with_orm():
        return [orm_figures(d.prefix, year) for d in [county, *children]]

    fast = timed(with_indicators, max(5, n // 5))
    slow = timed(with_orm, max(3, n // 10))
    report("figures(): node + townships", fast)
    report("ORM aggregates: node + townships", slow)
    print(f"ratio ORM / figures() at p50: {statistics.median(slow) / statistics.median(fast):.1f}x")
    a = {nf.code: nf.values for nf in with_indicators()}
    b = with_orm()
    diffs = [
        (d.code, code, a[d.code].get(code), value)
        for d, values in zip([county, *children], b, strict=True)
        for code, value in values.items()
        if a[d.code].get(code) != value
    ]
    checked = sum(len(v) for v in b)
    print(f"values compared: {checked}, different: {len(diffs)}")
    for row in diffs[:10]:
        print("  differs:", row)


if __name__ == "__main__":
    main()
