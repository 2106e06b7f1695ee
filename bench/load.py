"""Load bench: signed-in users against the production server and the development server.

    .venv/bin/python bench/load.py [--scale county|prefecture|N] [--reuse]
        [--users 50] [--spawn-rate 10] [--time 60s] [--warmup 30]
        [--servers prod,dev,ceiling] [--workers 3] [--threads 4] [--dev-debug]
        [--profile N] [--no-load]

1. The database: DATABASE_URL, by default PostgreSQL `fupin_load` on 127.0.0.1 (a database
   of its own; `sqlite:///…` works too). Without --reuse it is dropped and rebuilt:
   `fupin migrate`, `fupin demo --scale S` (county ≈ 98,000 people, a few minutes;
   prefecture ≈ 10^6, much longer). With --reuse an existing demo is kept (`fupin demo`
   builds one only when none is there). Then `collectstatic` and an API token for the
   county login (`fupin token create`).
2. The plan (bench/loadwork.py `build_plan`): for the demo's village, township and county
   logins, households, search terms, list areas, cases waiting for a village step and
   paired households, written to bench/out/load/plan.json for the simulated users.
   The dashboards' past years are computed for the plan's areas before the run (a
   system in use has them kept; the one-off time is printed).
3. --profile N (optional): each page kind N times per role in this process through
   Django's test client with the production settings (DEBUG off): CPU ms per request
   (median) and queries per request. This is the figure to judge a change of a page by on
   a busy machine (wall-clock times there are noisy).
4. For each server in --servers: start it, run locust headless (bench/locustfile.py;
   `--users` users spawned at `--spawn-rate`/s, each signs in once, then works for
   `--time`), stop it. "prod" is `fupin serve` when that command exists, else gunicorn
   (`--workers` × `--threads`), with DEBUG off; "dev" is `fupin runserver --noreload`
   with the same settings (DEBUG off too, so the comparison is of the servers alone;
   --dev-debug runs it with FUPIN_DEBUG=1 as `make demo` does: query log, debug pages).
5. Prints, per page kind and server: requests, failures, requests/s, p50/p95/p99 (ms),
   whether p95 meets the 300 ms goal; the server's CPU ms per request (from its processes'
   CPU times) and the load generator's; then the ratio dev/prod of p95 and of requests/s.
   The table is the steady state: the requests that started --warmup seconds (30 by
   default) after the last simulated user had signed in (every request is kept by the
   locustfile, and the server's and PostgreSQL's CPU are sampled each second, so both are
   cut at the same instants). The sign-in ramp (50 Argon2 sign-ins in the first seconds,
   a storm no office makes) and the cold start after it (the server's workers and
   PostgreSQL's cache fresh: on the prefecture demo its queue takes about 25 s to drain)
   are reported apart: "login" (once per user, under load), the whole run's aggregate,
   and the p95 of every 10 s of the run.
   Locust's CSV files and the requests (JSON) are kept under bench/out/load/.
6. "ceiling" in --servers (e.g. `--servers prod,ceiling`): the production server again,
   the same users, sign-ins and think time, but every request is the health check
   (`/healthz`: middleware, session, user, one query). What that costs per request is
   the floor under every page on this machine; the report gives the pages' own CPU
   (prod minus ceiling) and the ratio, the figure to push.

The run writes to the database (case steps, visit records): use a bench database.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
OUT = ROOT / "bench" / "out" / "load"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/fupin_load"
GOAL_P95_MS = 300.0
LOGINS = {"village": "village", "township": "township", "county": "county"}

sys.path.insert(0, str(ROOT / "bench"))
import loadwork  # noqa: E402  (bench/ is not a package)


def fupin(*args: str, env: dict[str, str], capture: bool = False) -> str:
    """Run a management command (DEBUG on for commands: no secret key needed)."""
    run_env = dict(env, FUPIN_DEBUG="1")
    done = subprocess.run(
        [str(BIN / "fupin"), *args],
        env=run_env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return done.stdout or ""


def prepare_database(url: str, *, reuse: bool, scale: str, env: dict[str, str]) -> None:
    parts = urlsplit(url)
    if parts.scheme.startswith("postgres"):
        name = parts.path.lstrip("/")
        admin = parts._replace(path="/postgres").geturl()
        import psycopg  # only for PostgreSQL targets

        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists and not reuse:
                print(f"Dropping database {name} …", flush=True)
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                exists = None
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    elif parts.scheme == "sqlite" and not reuse:
        path = Path(parts.path)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    fupin("migrate", "--no-input", "--verbosity", "0", env=env)
    started = time.perf_counter()
    fupin("demo", "--scale", scale, env=env)
    print(f"Demo ready ({time.perf_counter() - started:.0f} s).", flush=True)
    fupin("collectstatic", "--no-input", "--verbosity", "0", env=env)


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]


def demo_users() -> dict[str, Any]:
    from fupin.accounts.models import User

    users = {role: User.objects.filter(username=name).first() for role, name in LOGINS.items()}
    missing = [name for role, name in LOGINS.items() if users[role] is None]
    if missing:
        sys.exit(f"The demo logins {missing} are missing: build the demo (drop --reuse).")
    return users


def open_cases(user: Any, want: int) -> int:
    """Open cases in the village login's area until `want` wait for a village step: the
    demo's cases have all passed, and each case step of the run moves one on. Through the
    cases service (recorded as the village user's), as the case page would."""
    from fupin.cases import services
    from fupin.cases.models import ACTIVE_STATUSES, Case
    from fupin.cases.procedures import OPEN_FROM, CaseKind
    from fupin.core.errors import DomainError
    from fupin.registry.models import Household

    waiting = len(loadwork.build_plan({"village": user}, api_key="")["roles"]["village"]["cases"])
    busy = set(
        Case.objects.filter(status__in=ACTIVE_STATUSES).values_list("household_id", flat=True)
    )
    opened = 0
    status_kinds = (CaseKind.RETURN, CaseKind.INCLUSION, CaseKind.EXIT)  # most village steps first
    for household in Household.objects.restrict(user).order_by("id"):
        if waiting + opened >= want:
            break
        kinds = (
            []
            if household.pk in busy
            else [k for k in status_kinds if household.status in OPEN_FROM[k]][:1]
        )
        for kind in [*kinds, CaseKind.MEMBER_CHANGE]:
            try:
                services.case_open(actor=user, household=household, kind=kind, reason="load bench")
                opened += 1
            except DomainError:
                pass
    return opened


def fresh_plan(users: dict[str, Any], api_key: str, cases: int) -> dict[str, Any]:
    """Open cases up to `cases`, build the plan, write it for the simulated users."""
    opened = open_cases(users["village"], cases)
    print(f"Opened {opened} cases for the village's case steps.", flush=True)
    plan = make_plan(users, api_key)
    for role, p in plan["roles"].items():
        print(
            f"plan {role}: {len(p['households'])} households, {len(p['search'])} search terms, "
            f"{len(p['areas'])} areas, {len(p['cases'])} cases waiting, {len(p['visits'])} pairings"
        )
    (OUT / "plan.json").write_text(json.dumps(plan))
    return plan


def make_plan(users: dict[str, Any], api_key: str) -> dict[str, Any]:
    from django.db import connections

    plan = loadwork.build_plan(users, api_key=api_key)
    connections.close_all()
    return plan


def profile_pages(plan: dict[str, Any], users: dict[str, Any], repeat: int) -> None:
    """CPU ms (median) and queries per request of each page kind, in this process."""
    import random

    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    print(f"\nCPU and queries per request, in-process test client, {repeat} × each")
    print(f"{'role':9} {'page kind':22} {'CPU ms p50':>10} {'CPU ms max':>10} {'queries':>8}")
    rng = random.Random(16)
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        rplan = plan["roles"][role]
        headers = {"Authorization": f"Bearer {plan['api_key']}"}
        for kind in loadwork.WORK[role]:
            if kind in loadwork.WRITES:
                continue  # the writes are timed by the load run (they change the data)
            kinds = [kind, "dashboard data"] if kind == "dashboard" else [kind]
            for k in kinds:
                build = loadwork.TASKS[k]
                if k == "case page" and not rplan["cases"]:
                    continue
                cpu, queries = [], []
                for _ in range(repeat):
                    url = build(rplan, rng)
                    with CaptureQueriesContext(connection) as ctx:
                        start = time.process_time()
                        resp = client.get(url, headers=headers if k == "api page" else {})
                        cpu.append((time.process_time() - start) * 1000)
                    if resp.status_code != 200:
                        print(f"  {url} answered {resp.status_code}")
                    queries.append(len(ctx.captured_queries))
                    reset_queries()
                print(
                    f"{role:9} {k:22} {statistics.median(cpu):10.1f} {max(cpu):10.1f} "
                    f"{statistics.mean(queries):8.1f}"
                )


def warm_dashboards(plan: dict[str, Any]) -> None:
    """Compute the past years of the plan's dashboards before the run, once.

    A past year's figures are read back from history by a background job the first time
    anyone opens an area's dashboard, and kept (dashboards.YearFigures) until a change
    dated in that year is recorded; a system in use has them. The run measures that
    steady state; the one-off cost is printed here."""
    import datetime as dt

    from django.db import connections
    from django.utils import timezone

    from fupin.dashboards import selectors
    from fupin.geo.models import Division

    today = timezone.localdate()
    for role, rplan in plan["roles"].items():
        area = Division.objects.get(code=rplan["area"])
        dates = [dt.date(y, 12, 31) for y in selectors.trend_years(area, today)[:-1]]
        missing = [d for d in dates if selectors.stored_year(area.code, d) is None]
        started = time.perf_counter()
        selectors.warm_years(area_code=area.code, dates=missing)
        print(
            f"dashboard {role} {area.code}: {len(missing)} of {len(dates)} past years "
            f"computed ({time.perf_counter() - started:.1f} s)",
            flush=True,
        )
    connections.close_all()


def api_key_for(username: str, env: dict[str, str]) -> str:
    return fupin(
        "token",
        "create",
        "--user",
        username,
        "--name",
        "load bench",
        "--days",
        "1",
        env=env,
        capture=True,
    ).strip()


def has_serve_command(env: dict[str, str]) -> bool:
    return (ROOT / "fupin" / "core" / "management" / "commands" / "serve.py").exists()


def server_command(
    kind: str, port: int, args: argparse.Namespace, env: dict[str, str]
) -> list[str]:
    if kind in ("prod", "ceiling"):
        if has_serve_command(env) and not args.gunicorn:
            return [
                str(BIN / "fupin"),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
            ]
        return [
            str(BIN / "gunicorn"),
            "fupin.wsgi:application",
            "-w",
            str(args.workers),
            "--threads",
            str(args.threads),
            "-b",
            f"127.0.0.1:{port}",
        ]
    return [str(BIN / "fupin"), "runserver", "--noreload", f"127.0.0.1:{port}"]


def wait_until_up(base: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"The server stopped at start (exit {proc.returncode}).")
        try:
            with urllib.request.urlopen(base + "/login/", timeout=5) as resp:  # noqa: S310 (http)
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    sys.exit(f"The server at {base} did not answer within {seconds:.0f} s.")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its living descendants."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def run_one(kind: str, port: int, args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    server_env = dict(env)
    server_env.pop("FUPIN_DEBUG", None)
    if kind == "dev" and args.dev_debug:
        server_env["FUPIN_DEBUG"] = "1"
    log = open(OUT / f"{kind}-server.log", "w")  # noqa: SIM115 (closed below)
    cmd = server_command(kind, port, args, env)
    print(f"\n[{kind}] {' '.join(Path(cmd[0]).name if i == 0 else a for i, a in enumerate(cmd))}")
    server = subprocess.Popen(
        cmd, env=server_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    # The background jobs (the dashboard's past years) run in `fupin worker`, as in
    # production; its CPU is reported apart from the server's.
    worker_log = open(OUT / f"{kind}-worker.log", "w")  # noqa: SIM115 (closed below)
    worker = subprocess.Popen(
        [str(BIN / "fupin"), "worker", "--no-schedule"],
        env=server_env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until_up(base, server)
        prefix = OUT / kind
        locust_cmd = [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "-u",
            str(args.users),
            "-r",
            str(args.spawn_rate),
            "-t",
            args.time,
            "--host",
            base,
            "--csv",
            str(prefix),
            "--only-summary",
            "--stop-timeout",
            "10",
            "--loglevel",
            "WARNING",
        ]
        requests_file = OUT / f"{kind}-requests.json"
        requests_file.unlink(missing_ok=True)
        locust_env = dict(
            env, FUPIN_LOAD_PLAN=str(OUT / "plan.json"), FUPIN_LOAD_REQUESTS=str(requests_file)
        )
        if kind == "ceiling":
            locust_env["FUPIN_LOAD_CEILING"] = "1"
        # (time, server CPU, PostgreSQL CPU, load generator CPU), sampled each second.
        timeline: list[tuple[float, float, float, float]] = []
        worker_cpu_before = cpu_seconds(worker.pid)
        started = time.perf_counter()
        loc = subprocess.Popen(
            locust_cmd, env=locust_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        locust_proc = psutil.Process(loc.pid)
        locust_cpu = 0.0
        while True:
            try:
                t = locust_proc.cpu_times()
                locust_cpu = t.user + t.system
            except psutil.NoSuchProcess:
                pass
            timeline.append(
                (
                    time.time(),
                    cpu_seconds(server.pid),
                    database_cpu_seconds(env["DATABASE_URL"]),
                    locust_cpu,
                )
            )
            if loc.poll() is not None:
                break
            time.sleep(1)
        output = loc.stdout.read() if loc.stdout else ""
        wall = time.perf_counter() - started
        worker_cpu = cpu_seconds(worker.pid) - worker_cpu_before
        (OUT / f"{kind}-locust.log").write_text(output)
        stats = read_stats(prefix)
        total = stats.get("Aggregated", {}).get("requests", 0)
        cpu = timeline[-1][1] - timeline[0][1]
        db_cpu = timeline[-1][2] - timeline[0][2]
        records = json.loads(requests_file.read_text()) if requests_file.exists() else []
        return {
            "kind": kind,
            "stats": stats,
            "steady": steady_state(records, timeline, args.warmup),
            "windows": windows(records),
            "server_cpu_s": cpu,
            "locust_cpu_s": locust_cpu,
            "worker_cpu_s": worker_cpu,
            "db_cpu_s": db_cpu,
            "wall_s": wall,
            "cpu_ms_per_request": cpu * 1000 / total if total else 0.0,
            "db_cpu_ms_per_request": db_cpu * 1000 / total if total else 0.0,
        }
    finally:
        for proc in (server, worker):
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in (server, worker):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()
        worker_log.close()


def kind_name(request_type: str, name: str) -> str:
    """The report's name of a request: the page kind, "(POST)" added to a post that is
    not one of the named writes."""
    if request_type == "POST" and name not in ("login", "case step", "visit record"):
        return f"{name} (POST)"
    return name


def percentile(sorted_ms: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0–100) of sorted values."""
    if not sorted_ms:
        return 0.0
    rank = max(1, -(-len(sorted_ms) * q // 100))  # ceil(n·q/100), at least 1
    return sorted_ms[int(rank) - 1]


def at(timeline: list[tuple[float, float, float, float]], when: float, i: int) -> float:
    """Column i of the timeline at `when`, interpolated between the two samples around it."""
    before = [row for row in timeline if row[0] <= when] or timeline[:1]
    after = [row for row in timeline if row[0] >= when] or timeline[-1:]
    a, b = before[-1], after[0]
    if b[0] == a[0]:
        return a[i]
    return a[i] + (b[i] - a[i]) * (when - a[0]) / (b[0] - a[0])


def steady_state(
    records: list[list[Any]],
    timeline: list[tuple[float, float, float, float]],
    warmup: float = 0.0,
) -> dict[str, Any]:
    """The requests that started `warmup` seconds after the last sign-in ended, per kind,
    with the server's, PostgreSQL's and the load generator's CPU over the same interval.

    `records`: [start (epoch s), request type, name, ms, failed] from the locustfile."""
    logins = [r[0] + r[3] / 1000 for r in records if r[2] == "login"]
    start = (max(logins) if logins else (records[0][0] if records else 0.0)) + warmup
    steady = [r for r in records if r[0] >= start and r[2] != "login"]
    if not steady or not timeline:
        return {"stats": {}, "seconds": 0.0}
    end = max(r[0] + r[3] / 1000 for r in steady)
    seconds = max(end - start, 1e-9)
    by_name: dict[str, list[list[Any]]] = {}
    for r in steady:
        by_name.setdefault(kind_name(r[1], r[2]), []).append(r)
    by_name["Aggregated"] = steady
    stats = {}
    for name, rows in by_name.items():
        ms = sorted(r[3] for r in rows)
        stats[name] = {
            "requests": len(rows),
            "failures": sum(1 for r in rows if r[4]),
            "rps": len(rows) / seconds,
            "p50": percentile(ms, 50),
            "p95": percentile(ms, 95),
            "p99": percentile(ms, 99),
        }
    n = len(steady)
    server = at(timeline, end, 1) - at(timeline, start, 1)
    db = at(timeline, end, 2) - at(timeline, start, 2)
    gen = at(timeline, end, 3) - at(timeline, start, 3)
    return {
        "stats": stats,
        "seconds": seconds,
        "warmup": warmup,
        "server_cpu_ms_per_request": server * 1000 / n,
        "db_cpu_ms_per_request": db * 1000 / n,
        "locust_cpu_ms_per_request": gen * 1000 / n,
        "cores_busy": (server + db + gen) / seconds,
    }


def windows(records: list[list[Any]], width: float = 10.0) -> list[tuple[int, int, float]]:
    """(second of the run, requests, p95 ms) for every `width` seconds of the run, sign-ins
    left out: where the cold start ends is seen here."""
    rows = [r for r in records if r[2] != "login"]
    if not rows:
        return []
    t0 = min(r[0] for r in records)
    by: dict[int, list[float]] = {}
    for r in rows:
        by.setdefault(int((r[0] - t0) // width * width), []).append(r[3])
    return [(k, len(v), percentile(sorted(v), 95)) for k, v in sorted(by.items())]


def read_stats(prefix: Path) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, float]] = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            name = kind_name(row["Type"], row["Name"])
            rows[name] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50": float(row["50%"] or 0),
                "p95": float(row["95%"] or 0),
                "p99": float(row["99%"] or 0),
            }
    return rows


def database_cpu_seconds(url: str) -> float:
    """CPU of the local PostgreSQL server: its processes living now plus those it has
    reaped (a backend that closed counts into the postmaster's children times). 0 for
    SQLite (its work is inside the server's processes) or a server on another host."""
    if not url.startswith("postgres"):
        return 0.0
    host = urlsplit(url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1", ""):
        return 0.0
    for proc in psutil.process_iter(["name", "ppid"]):
        if proc.info["name"] == "postgres" and proc.info["ppid"] == 1:
            try:
                t = proc.cpu_times()
                return cpu_seconds(proc.pid) + t.children_user + t.children_system
            except psutil.NoSuchProcess:
                return 0.0
    return 0.0


def print_report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    steady = {r["kind"]: r["steady"]["stats"] for r in results}
    names = [*sorted({n for st in steady.values() for n in st if n != "Aggregated"}), "Aggregated"]
    kinds = [r["kind"] for r in results]
    print(
        f"\n{args.users} users, spawn {args.spawn_rate}/s, {args.time}; times in ms; "
        f"goal p95 < {GOAL_P95_MS:.0f} ms per page kind\n"
        f"steady state: the requests started {args.warmup:.0f} s after the last user had "
        "signed in"
    )
    head = f"{'page kind':22}" + "".join(
        f" | {k + ' req':>9} {'fail':>5} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'ok':>3}"
        for k in kinds
    )
    print(head)
    print("-" * len(head))
    for name in names:
        line = f"{name:22}"
        for r in results:
            s = steady[r["kind"]].get(name)
            if s is None:
                line += f" | {'—':>9} {'':>5} {'':>6} {'':>6} {'':>6} {'':>6} {'':>3}"
                continue
            ok = "yes" if s["p95"] < GOAL_P95_MS and not s["failures"] else "NO"
            line += (
                f" | {s['requests']:9d} {s['failures']:5d} {s['rps']:6.1f} {s['p50']:6.0f} "
                f"{s['p95']:6.0f} {s['p99']:6.0f} {ok:>3}"
            )
        print(line)
    for r in results:
        st = r["steady"]
        if st["stats"]:
            print(
                f"[{r['kind']}] steady state {st['seconds']:.0f} s: server CPU "
                f"{st['server_cpu_ms_per_request']:.1f} ms per request, PostgreSQL "
                f"{st['db_cpu_ms_per_request']:.1f} ms, load generator "
                f"{st['locust_cpu_ms_per_request']:.1f} ms; {st['cores_busy']:.2f} of "
                f"{os.cpu_count()} cores busy"
            )
    print("\nthe whole run, sign-in ramp included (locust's own statistics):")
    for r in results:
        agg = r["stats"].get("Aggregated", {})
        print(
            f"[{r['kind']}] {agg.get('requests', 0)} requests, {agg.get('failures', 0)} failed, "
            f"{agg.get('rps', 0):.1f} req/s, p50/p95/p99 {agg.get('p50', 0):.0f}/"
            f"{agg.get('p95', 0):.0f}/{agg.get('p99', 0):.0f} ms; server CPU "
            f"{r['server_cpu_s']:.1f} s = {r['cpu_ms_per_request']:.1f} ms per request; "
            f"load generator CPU {r['locust_cpu_s']:.1f} s; fupin worker CPU "
            f"{r['worker_cpu_s']:.1f} s; PostgreSQL CPU {r['db_cpu_s']:.1f} s = "
            f"{r['db_cpu_ms_per_request']:.1f} ms per request; wall {r['wall_s']:.0f} s "
            f"({os.cpu_count()} cores = {(os.cpu_count() or 1) * r['wall_s']:.0f} CPU s)"
        )
    for r in results:
        print(
            f"[{r['kind']}] p95 of every 10 s (second of the run: ms): "
            + ", ".join(f"{t}: {p:.0f}" for t, _n, p in r["windows"])
        )
    for r in results:
        login = r["stats"].get("login")
        if login:
            print(
                f"[{r['kind']}] a login under load: p50 {login['p50']:.0f} ms, "
                f"p95 {login['p95']:.0f} ms ({login['requests']} logins)"
            )
    if "prod" in steady and "dev" in steady:
        print("\nratio dev / prod (steady state; p95, requests/s):")
        for name in names:
            p, d = steady["prod"].get(name), steady["dev"].get(name)
            if p and d and p["p95"] and p["rps"]:
                print(
                    f"  {name:22} p95 ×{d['p95'] / p['p95']:.2f}   req/s ×{d['rps'] / p['rps']:.2f}"
                )
    by = {r["kind"]: r["steady"] for r in results}
    if by.get("prod", {}).get("stats") and by.get("ceiling", {}).get("stats"):
        p, c = by["prod"], by["ceiling"]

        def whole(x: dict[str, Any]) -> float:
            return float(
                x["server_cpu_ms_per_request"]
                + x["db_cpu_ms_per_request"]
                + x["locust_cpu_ms_per_request"]
            )

        print(
            "\nagainst the ceiling (the signed-in health check, same users and think time):\n"
            f"  CPU per request, server + PostgreSQL + load generator: pages "
            f"{whole(p):.1f} ms, ceiling {whole(c):.1f} ms; the pages' own work "
            f"{whole(p) - whole(c):.1f} ms; ratio pages / ceiling ×{whole(p) / whole(c):.1f}\n"
            f"  p95 over all requests: pages {p['stats']['Aggregated']['p95']:.0f} ms, "
            f"ceiling {c['stats']['Aggregated']['p95']:.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", default="county", help="county, prefecture or a number of people"
    )
    parser.add_argument("--reuse", action="store_true", help="keep an existing demo database")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument(
        "--warmup",
        type=float,
        default=30.0,
        help="seconds after the last sign-in before the steady state starts (default 30)",
    )
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--time", default="60s", help="locust run time (60s, 5m)")
    parser.add_argument(
        "--servers",
        default="prod,dev",
        help="a comma list of prod, dev, ceiling (the health check under the same users)",
    )
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--gunicorn", action="store_true", help="gunicorn even if `fupin serve` exists"
    )
    parser.add_argument("--dev-debug", action="store_true", help="development server with DEBUG on")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="profile each page N times"
    )
    parser.add_argument(
        "--cases", type=int, default=150, help="cases waiting for a village step (opened)"
    )
    parser.add_argument("--no-load", action="store_true", help="skip the locust runs")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", DEFAULT_DB)
    env.setdefault("FUPIN_SECRET_KEY", secrets.token_urlsafe(50))
    env.pop("FUPIN_DEBUG", None)
    print(f"Database: {env['DATABASE_URL']}", flush=True)
    prepare_database(env["DATABASE_URL"], reuse=args.reuse, scale=args.scale, env=env)
    api_key = api_key_for(LOGINS["county"], env)
    setup_django(env)
    users = demo_users()
    plan = fresh_plan(users, api_key, args.cases)
    warm_dashboards(plan)
    if args.profile:
        profile_pages(plan, users, args.profile)
        from django.db import connections

        connections.close_all()
    if args.no_load:
        return
    if not shutil.which(str(BIN / "locust")):
        sys.exit("locust is not installed (pip install -e .[dev]).")
    results = []
    for i, kind in enumerate(k.strip() for k in args.servers.split(",") if k.strip()):
        if kind not in ("prod", "dev", "ceiling"):
            sys.exit(f"--servers: unknown server {kind!r} (prod, dev, ceiling)")
        if i:  # the same work for each server: cases stepped by the last run are replaced
            fresh_plan(users, api_key, args.cases)
        results.append(run_one(kind, args.port + i, args, env))
    print_report(results, args)


if __name__ == "__main__":
    main()
