"""Province bench (issue 16): a registry of ≈10^7 people made inside PostgreSQL from the
demo prefecture (≈10^6), and the county pages and indicators measured before and after.

    .venv/bin/python bench/province.py [--database URL] [--source 4311]
        [--measure before] [--clone 9] [--measure after] [--compare before after]
        [--verify] [--repeat 5] [--areas county,prefecture,province] [--no-warm]

The steps run in the order given on the command line, e.g.
`--measure before --clone 9 --measure after --compare before after`.
The database is --database, else DATABASE_URL, else PostgreSQL `fupin_prefecture` on
127.0.0.1. PostgreSQL only.

--clone N   Copies the source prefecture's registry into new prefectures of the same
            province until N copies exist (copies already there are kept and counted),
            with SQL only (INSERT … SELECT), each copy in one transaction (a kill leaves
            whole copies only). The source is the level-2 division whose area holds
            households (or --source, a 4-digit prefix). Copy k gets the first free
            prefecture prefix of the province from 50 on, e.g. 4350 (not a division, not
            the first four digits of any ID number; no Hunan prefecture is numbered
            50-89, so a copy does not take the code of a real one merely not loaded), and:
            - geo_division: every division under the source, code prefix swapped, names
              kept, the prefecture's own name with "(模拟k)" appended; geo_villageprofile
              likewise;
            - registry_household, registry_member, registry_incomerecord,
              registry_assessment: every column; ids + k × offset (offset: a power of ten
              above every id of the four tables), household numbers and villages prefix
              swapped;
            - member ID numbers: the first four digits are replaced, the rest kept, and the
              check character moved by the same step the new digits move the ISO 7064
              MOD 11-2 sum (so a valid number stays valid and an invalid one stays
              invalid; the mapping is one-to-one). Numbers starting with the source prefix
              get the copy's prefecture prefix; every other first-four-digits value found
              among the source's members gets, per copy, a free prefix of its own
              province (or of the source's province when it is not four digits). No
              prefix given to a copy is a division or begins any existing ID number, so
              copies collide neither with the originals nor with each other (--verify
              checks it with a query).
            NOT copied: cases, monitoring, assistance (pairings, visits, measures),
            member changes, attachments, projects and the history (core_changerecord).
            The indicators read a household's state at the start of the year from the
            history, so copied households count as new in this year's flows, and past
            dates (dashboard trends) see the source only. The dashboards' kept figures
            are dropped from the database cache (they would be served until the next
            recorded change); a running server keeps its indicator frames in memory until
            then too: restart it after cloning.
            Each table's id sequence is moved past its max id; VACUUM (ANALYZE) at the end.
            Prints per copy the rows per table, seconds and rows/s; then people,
            households, table+index sizes and the database size. --verify follows.
--verify    Consistency checks (exit status 1 on a failure): per prefecture the same
            counts as the source; no member without a household; no household in a
            village that does not exist; ID numbers unique among active members; as many
            invalid check characters in each copy as in the source; no copied member left
            with a source-prefix number; a copied household's page opens (status 200).
--measure L Measured in this process with Django (DEBUG off), written to
            bench/out/province/L.json:
            - pages, for the demo logins `county` (its county), `city_inspector` (the
              prefecture) and `admin` (everything) as --areas asks: household list, the
              list of a child area, search by a name and by an ID-number prefix, a
              household page, the case list, the dashboard with its map.json and
              trends.json, and the API's households page (a token of the login);
              --repeat times each: wall ms (median, max), CPU ms (median, max), queries.
              Past years of the dashboards are computed first, once, and kept (--no-warm
              skips it; the time is printed), as bench/load.py does; today's kept figures
              are dropped, so the first dashboard request computes them (max) and the
              others read them back (median).
            - indicators: `figures(code, depth=1)` of the county, prefecture and province
              with the frames cache cleared: wall and CPU seconds, peak RSS (of that call
              alone on Linux; the pages' peak is printed per level too). The file is
              written after each level, so a run that dies keeps what it measured.
              The province level holds the whole registry in memory: ≈1.4 GB at 10^6
              people on the small bench, so expect ~10+ GB at 10^7 (--areas to leave it
              out).
--compare A B  Prints two measurements side by side with the ratio B/A.

Prints figures, never asserts timings. Uses a bench database: measuring creates an API
token per login (deleted afterwards); cloning adds data.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import json
import os
import re
import resource
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "province"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/fupin_prefecture"
PROVINCE_LEVEL, PREFECTURE_LEVEL = 1, 2
MARK = "(模拟{k})"  # appended to a copied prefecture's name
MARK_RE = re.compile(r"\(模拟(\d+)\)$")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# The registry tables copied (with geo_division and geo_villageprofile); the others name
# their household, and a row belongs to the source when its household's village does.
REGISTRY_TABLES = (
    "registry_household",
    "registry_member",
    "registry_incomerecord",
    "registry_assessment",
)
NOT_COPIED = (
    "cases, monitoring, assistance, member changes, attachments, projects and the history "
    "(core_changerecord) are not copied"
)
LOGINS = {"county": "county", "prefecture": "city_inspector", "province": "admin"}


# ------------------------------------------------------------------ ID numbers


def check_sum_sql(col: str) -> str:
    """SQL: the ISO 7064 MOD 11-2 weighted sum of the first 17 digits of `col`."""
    return " + ".join(f"substr({col}, {i + 1}, 1)::int * {w}" for i, w in enumerate(WEIGHTS))


def check_char_sql(col: str) -> str:
    """SQL: the check character the first 17 digits of `col` call for."""
    return f"substr('{CHECK_CHARS}', mod({check_sum_sql(col)}, 11) + 1, 1)"


def valid_id_sql(col: str) -> str:
    """SQL: `col` is 17 digits and the right check character."""
    return f"({col} ~ '^[0-9]{{17}}[0-9X]$' AND right({col}, 1) = {check_char_sql(col)})"


def check_shift(old: str, new: str) -> int:
    """How far the check character moves (in CHECK_CHARS) when the leading digits `old`
    become `new`: the change of the weighted sum, mod 11. 0 unless both are digits."""
    if not (old.isdigit() and new.isdigit() and len(old) == len(new)):
        return 0
    return sum(w * (int(b) - int(a)) for a, b, w in zip(old, new, WEIGHTS, strict=False)) % 11


def moved_id_sql(col: str) -> str:
    """SQL of a copied ID number, from the mapping row m(q, t, s): prefix t instead of
    the first four characters, the rest kept, a check character in CHECK_CHARS moved by s
    (for a 17-digit body; anything else is kept as it is)."""
    pos = f"strpos('{CHECK_CHARS}', right({col}, 1))"
    return (
        f"m.t || substr({col}, 5, 13) || CASE WHEN {col} ~ '^[0-9]{{17}}[0-9X]$' "
        f"THEN substr('{CHECK_CHARS}', mod({pos} - 1 + m.s, 11) + 1, 1) "
        f"ELSE substr({col}, 18) END"
    )


# ------------------------------------------------------------------ database helpers


def database_url(args: argparse.Namespace) -> str:
    url = args.database or os.environ.get("DATABASE_URL") or DEFAULT_DB
    if not url.startswith("postgres"):
        sys.exit(f"PostgreSQL only, not {url}")
    return url


def connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(url)


def one(conn: Any, sql: str, params: Any = None) -> Any:
    row = conn.execute(sql, params).fetchone()
    return row[0] if row else None


def columns(conn: Any, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def like(prefix: str) -> str:
    return prefix + "%"


class Layout:
    """The source prefecture, its province and the copies already made."""

    def __init__(self, conn: Any, source: str | None) -> None:
        rows = conn.execute(
            "SELECT code, name, parent_id FROM geo_division WHERE level = %s ORDER BY code",
            [PREFECTURE_LEVEL],
        ).fetchall()
        if source is None:
            held = [
                (code, name, parent)
                for code, name, parent in rows
                if not MARK_RE.search(name)
                and conn.execute(
                    "SELECT 1 FROM registry_household WHERE village_id LIKE %s LIMIT 1",
                    [like(code[:4])],
                ).fetchone()
            ]
            if len(held) != 1:
                sys.exit(
                    f"Prefectures holding households (copies left out): "
                    f"{[c for c, _n, _p in held]}; name one with --source."
                )
            code, name, parent = held[0]
        else:
            found = [r for r in rows if r[0].startswith(source)]
            if not found:
                sys.exit(f"No prefecture {source} in geo_division.")
            code, name, parent = found[0]
        self.code, self.name, self.province = code, name, parent
        self.prefix = code[:4]
        self.copies: dict[int, str] = {}  # k → 4-digit prefix
        for c, n, p in rows:
            m = MARK_RE.search(n)
            if m and p == parent and n == name + MARK.format(k=m.group(1)):
                self.copies[int(m.group(1))] = c[:4]


def id_offset(conn: Any, layout: Layout) -> int:
    """A power of ten above every id of the copied tables: recovered from copy 1 when it
    exists (the copies' smallest household id is the source's plus k × offset)."""
    if 1 in layout.copies:
        src = one(
            conn,
            "SELECT min(id) FROM registry_household WHERE village_id LIKE %s",
            [like(layout.prefix)],
        )
        first = one(
            conn,
            "SELECT min(id) FROM registry_household WHERE village_id LIKE %s",
            [like(layout.copies[1])],
        )
        return int(first - src)
    top = max(one(conn, f"SELECT coalesce(max(id), 0) FROM {t}") for t in REGISTRY_TABLES)  # noqa: S608
    offset = 10
    while offset <= top:
        offset *= 10
    return offset


def used_prefixes(conn: Any) -> set[str]:
    """First four characters of every division code and every member's ID number."""
    used = {r[0] for r in conn.execute("SELECT DISTINCT left(code, 4) FROM geo_division")}
    used |= {r[0] for r in conn.execute("SELECT DISTINCT left(id_number, 4) FROM registry_member")}
    return used


def free_prefix(province: str, used: set[str]) -> str:
    """The first free `province`NN, NN from 50 to 89 first (no Hunan prefecture is
    numbered there, so a copy does not take the code of a real one merely not loaded),
    then 01 to 49 and 90 to 99."""
    for n in [*range(50, 90), *range(1, 50), *range(90, 100)]:
        candidate = f"{province}{n:02d}"
        if candidate not in used:
            used.add(candidate)
            return candidate
    sys.exit(f"No free 4-digit prefix left in province {province}.")


# ------------------------------------------------------------------ clone


def copy_select(cols: list[str], exprs: dict[str, str], alias: str) -> str:
    return ", ".join(exprs.get(c, f"{alias}.{c}") for c in cols)


def clone_one(
    conn: Any, layout: Layout, k: int, target: str, id_map: dict[str, str], offset: int
) -> dict[str, int]:
    """Copy k of the source into prefix `target`; rows per table. One transaction."""
    src, off = layout.prefix, k * offset
    in_src = "h.village_id LIKE %(src)s"
    p = {"src": like(src), "t": target, "off": off, "mark": MARK.format(k=k), "code": layout.code}
    counts: dict[str, int] = {}
    with conn.transaction():
        conn.execute("SET LOCAL synchronous_commit = off")
        conn.execute("SET LOCAL work_mem = '256MB'")
        conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
        swap = "%(t)s || substr({c}, 5)"
        cur = conn.execute(
            "INSERT INTO geo_division (code, name, level, parent_id) "  # noqa: S608
            f"SELECT {swap.format(c='d.code')}, "
            "CASE WHEN d.code = %(code)s THEN d.name || %(mark)s ELSE d.name END, d.level, "
            f"CASE WHEN d.parent_id LIKE %(src)s THEN {swap.format(c='d.parent_id')} "
            "ELSE d.parent_id END FROM geo_division d WHERE d.code LIKE %(src)s",
            p,
        )
        counts["geo_division"] = cur.rowcount
        cols = columns(conn, "geo_villageprofile")
        sel = copy_select(cols, {"village_id": swap.format(c="v.village_id")}, "v")
        cur = conn.execute(
            f"INSERT INTO geo_villageprofile ({', '.join(cols)}) SELECT {sel} "  # noqa: S608
            "FROM geo_villageprofile v WHERE v.village_id LIKE %(src)s",
            p,
        )
        counts["geo_villageprofile"] = cur.rowcount
        cols = columns(conn, "registry_household")
        sel = copy_select(
            cols,
            {
                "id": "h.id + %(off)s",
                "village_id": swap.format(c="h.village_id"),
                "number": swap.format(c="h.number"),
            },
            "h",
        )
        cur = conn.execute(
            f"INSERT INTO registry_household ({', '.join(cols)}) SELECT {sel} "  # noqa: S608
            f"FROM registry_household h WHERE {in_src}",
            p,
        )
        counts["registry_household"] = cur.rowcount
        values = ", ".join(
            f"('{q}', '{t}', {check_shift(q, t)})" for q, t in sorted(id_map.items())
        )
        cols = columns(conn, "registry_member")
        sel = copy_select(
            cols,
            {
                "id": "x.id + %(off)s",
                "household_id": "x.household_id + %(off)s",
                "id_number": moved_id_sql("x.id_number"),
            },
            "x",
        )
        cur = conn.execute(
            f"INSERT INTO registry_member ({', '.join(cols)}) SELECT {sel} "  # noqa: S608
            "FROM registry_member x JOIN registry_household h ON h.id = x.household_id "
            f"JOIN (VALUES {values}) AS m (q, t, s) ON m.q = left(x.id_number, 4) "
            f"WHERE {in_src}",
            p,
        )
        counts["registry_member"] = cur.rowcount
        for table in ("registry_incomerecord", "registry_assessment"):
            cols = columns(conn, table)
            sel = copy_select(
                cols, {"id": "x.id + %(off)s", "household_id": "x.household_id + %(off)s"}, "x"
            )
            cur = conn.execute(
                f"INSERT INTO {table} ({', '.join(cols)}) SELECT {sel} "  # noqa: S608
                f"FROM {table} x JOIN registry_household h ON h.id = x.household_id "
                f"WHERE {in_src}",
                p,
            )
            counts[table] = cur.rowcount
        expected = one(
            conn,
            "SELECT count(*) FROM registry_member x JOIN registry_household h "
            "ON h.id = x.household_id WHERE h.village_id LIKE %s",
            [like(src)],
        )
        if expected != counts["registry_member"]:
            raise RuntimeError(
                f"copy {k}: {counts['registry_member']} members copied of {expected} "
                "(an ID-number prefix without a mapping)"
            )
        for table in REGISTRY_TABLES:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
    return counts


def clone(url: str, n: int, source: str | None) -> None:
    with connect(url) as conn:
        conn.autocommit = True
        layout = Layout(conn, source)
        print(
            f"\nSource: {layout.code} {layout.name} (prefix {layout.prefix}), province "
            f"{layout.province}; copies already made: {len(layout.copies)} "
            f"{sorted(layout.copies.items())}",
            flush=True,
        )
        missing = [k for k in range(1, n + 1) if k not in layout.copies]
        if not missing:
            print(f"{n} copies exist; nothing to clone.")
        else:
            offset = id_offset(conn, layout)
            started = time.perf_counter()
            firsts = [
                r[0]
                for r in conn.execute(
                    "SELECT DISTINCT left(x.id_number, 4) FROM registry_member x "
                    "JOIN registry_household h ON h.id = x.household_id "
                    "WHERE h.village_id LIKE %s",
                    [like(layout.prefix)],
                )
            ]
            used = used_prefixes(conn)
            others = sorted(q for q in firsts if q != layout.prefix)
            print(
                f"Id offset {offset:,}; ID numbers of the source's members begin with "
                f"{len(firsts)} distinct four-character prefixes"
                + (
                    f" (not the source's: {others[:10]}{' …' if len(others) > 10 else ''})"
                    if others
                    else ""
                )
                + f" ({time.perf_counter() - started:.1f} s to look them up). {NOT_COPIED}.",
                flush=True,
            )
            province = layout.province[:2]
            head = ["geo_division", "geo_villageprofile", *REGISTRY_TABLES]
            short = ["divisions", "profiles", "households", "members", "incomes", "assessments"]
            print(
                f"{'copy':>4} {'prefix':>6} "
                + " ".join(f"{s:>11}" for s in short)
                + f" {'seconds':>8} {'rows/s':>9} {'people/s':>9}"
            )
            for k in missing:
                target = free_prefix(province, used)
                id_map = {layout.prefix: target}
                for q in others:
                    region = q[:2] if q.isdigit() and len(q) == 4 else province
                    id_map[q] = free_prefix(region, used)
                t0 = time.perf_counter()
                counts = clone_one(conn, layout, k, target, id_map, offset)
                secs = time.perf_counter() - t0
                rows = sum(counts.values())
                print(
                    f"{k:>4} {target:>6} "
                    + " ".join(f"{counts[t]:>11,}" for t in head)
                    + f" {secs:8.1f} {rows / secs:9,.0f} {counts['registry_member'] / secs:9,.0f}",
                    flush=True,
                )
            forget_figures(conn)
            t0 = time.perf_counter()
            # VACUUM as autovacuum would soon after a load: without the visibility map an
            # area's id bounds (registry.selectors._id_bounds) are read by a sequential
            # scan of the whole table instead of the (village, id) index (1.8 s at 10^7).
            for table in ("geo_division", "geo_villageprofile", *REGISTRY_TABLES):
                conn.execute(f"VACUUM (ANALYZE) {table}")
            print(
                f"VACUUM (ANALYZE): {time.perf_counter() - t0:.1f} s; all copies: "
                f"{time.perf_counter() - started:.1f} s"
            )
        sizes(conn)


def forget_figures(conn: Any) -> None:
    """Drop the dashboards' kept figures from the database cache (table fupin_cache, the
    default; with Redis nothing is done here): they would be served until the next
    recorded change, and a clone records none. A running server also keeps indicator
    frames in memory until then: restart it."""
    if one(conn, "SELECT to_regclass('fupin_cache') IS NOT NULL"):
        cur = conn.execute(
            "DELETE FROM fupin_cache WHERE cache_key LIKE %s", ["%fupin:dashboards:figures:%"]
        )
        print(f"Dashboard figures dropped from the cache: {cur.rowcount} entries")


def sizes(conn: Any) -> None:
    people = one(conn, "SELECT count(*) FROM registry_member WHERE is_active")
    households = one(conn, "SELECT count(*) FROM registry_household")
    print(f"\nTotal: {people:,} people (active members), {households:,} households")
    print(f"{'table':24} {'rows':>12} {'table MB':>9} {'indexes MB':>10} {'total MB':>9}")
    total = 0
    for table in ("geo_division", "geo_villageprofile", *REGISTRY_TABLES):
        rows = one(conn, f"SELECT reltuples::bigint FROM pg_class WHERE relname = '{table}'")  # noqa: S608
        rel, idx, tot = conn.execute(
            "SELECT pg_table_size(%s), pg_indexes_size(%s), pg_total_relation_size(%s)",
            [table, table, table],
        ).fetchone()
        total += tot
        print(f"{table:24} {rows:>12,} {rel / 2**20:9.1f} {idx / 2**20:10.1f} {tot / 2**20:9.1f}")
    db = one(conn, "SELECT pg_database_size(current_database())")
    print(f"{'copied tables':24} {'':>12} {'':>9} {'':>10} {total / 2**20:9.1f}")
    print(
        f"database {one(conn, 'SELECT current_database()')}: {db / 2**20:,.1f} MB "
        f"(the copied tables: {100 * total / db:.0f} %)"
    )


# ------------------------------------------------------------------ verify


def verify(url: str, source: str | None) -> bool:
    """SQL checks of the copies, and a copied household's page through the test client."""
    failures: list[str] = []
    with connect(url) as conn:
        conn.autocommit = True
        layout = Layout(conn, source)
        prefixes = [layout.prefix, *(layout.copies[k] for k in sorted(layout.copies))]
        print(f"\nVerify: source {layout.prefix} and {len(layout.copies)} copies", flush=True)
        conn.execute("SET work_mem = '256MB'")  # this session's grouping of 10^7 rows
        t0 = time.perf_counter()
        invalid = f"NOT {valid_id_sql('x.id_number')}"
        # One pass over each table, grouped by the first four digits of the village.
        grouped = {
            "divisions": "SELECT left(code, 4), count(*) FROM geo_division GROUP BY 1",
            "households": "SELECT left(village_id, 4), count(*) FROM registry_household GROUP BY 1",
            "members": "SELECT left(h.village_id, 4), count(*), "  # noqa: S608
            "count(*) FILTER (WHERE x.is_active), "
            f"count(*) FILTER (WHERE {invalid}), "
            "count(*) FILTER (WHERE left(x.id_number, 4) = %s) "
            "FROM registry_member x JOIN registry_household h ON h.id = x.household_id "
            "GROUP BY 1",
            **{
                t: f"SELECT left(h.village_id, 4), count(*) FROM registry_{t} x "  # noqa: S608
                "JOIN registry_household h ON h.id = x.household_id GROUP BY 1"
                for t in ("incomerecord", "assessment")
            },
        }
        counts: dict[str, dict[str, tuple[int, ...]]] = {}
        for name, sql in grouped.items():
            params = [layout.prefix] if name == "members" else None
            counts[name] = {r[0]: tuple(r[1:]) for r in conn.execute(sql, params)}
        zero = {"members": (0, 0, 0, 0)}
        per: dict[str, tuple[int, ...]] = {
            pre: tuple(x for name in grouped for x in counts[name].get(pre, zero.get(name, (0,))))
            for pre in prefixes
        }
        print(
            f"{'prefix':>6} {'divisions':>9} {'households':>10} {'members':>9} {'active':>9} "
            f"{'bad check':>9} {'src ids':>8} {'incomes':>9} {'assessm.':>9}"
        )
        for pre, v in per.items():
            print(f"{pre:>6} " + " ".join(f"{x:>9,}" for x in v))
        src = per[layout.prefix]
        for pre in prefixes[1:]:
            v = per[pre]
            same = (v[0], v[1], v[2], v[3], v[4], v[6], v[7])
            if same != (src[0], src[1], src[2], src[3], src[4], src[6], src[7]):
                failures.append(f"copy {pre}: counts differ from the source")
            if v[5]:
                failures.append(
                    f"copy {pre}: {v[5]} members keep a number of prefix {layout.prefix}"
                )
        checks = {
            "members without a household": "SELECT count(*) FROM registry_member x "
            "LEFT JOIN registry_household h ON h.id = x.household_id WHERE h.id IS NULL",
            "households in a missing village": "SELECT count(*) FROM registry_household h "
            "LEFT JOIN geo_division d ON d.code = h.village_id WHERE d.code IS NULL",
            "divisions with a missing parent": "SELECT count(*) FROM geo_division d "
            "LEFT JOIN geo_division p ON p.code = d.parent_id "
            "WHERE d.parent_id IS NOT NULL AND p.code IS NULL",
            "active ID numbers held twice": "SELECT count(*) FROM (SELECT id_number "
            "FROM registry_member WHERE is_active GROUP BY id_number HAVING count(*) > 1) d",
            "household numbers held twice": "SELECT count(*) FROM (SELECT number "
            "FROM registry_household GROUP BY number HAVING count(*) > 1) d",
        }
        for label, sql in checks.items():
            n = one(conn, sql)
            print(f"{label}: {n:,}")
            if n:
                failures.append(f"{n:,} {label}")
        for table in REGISTRY_TABLES:
            top, last = conn.execute(
                f"SELECT (SELECT max(id) FROM {table}), "  # noqa: S608
                f"(SELECT last_value FROM {sequence(conn, table)})"
            ).fetchone()
            if top and last < top:
                failures.append(f"{table}: sequence at {last}, below max id {top}")
        print(f"SQL checks: {time.perf_counter() - t0:.1f} s", flush=True)
        copied = (
            one(
                conn,
                "SELECT min(id) FROM registry_household WHERE village_id LIKE %s",
                [like(prefixes[-1])],
            )
            if len(prefixes) > 1
            else None
        )
    if copied is not None:
        status = page_status(url, f"/households/{copied}/")
        print(f"copied household {copied}: page status {status} (as admin)")
        if status != 200:
            failures.append(f"copied household page answered {status}")
    for f in failures:
        print(f"FAILED: {f}")
    print("Verify: " + ("FAILED" if failures else "all checks passed"), flush=True)
    return not failures


def sequence(conn: Any, table: str) -> str:
    return str(one(conn, "SELECT pg_get_serial_sequence(%s, 'id')", [table]))


# ------------------------------------------------------------------ measure


def setup_django(url: str) -> None:
    if "django" in sys.modules and getattr(sys.modules["django"], "apps", None):
        from django.apps import apps

        if apps.ready:
            return
    os.environ["DATABASE_URL"] = url
    os.environ.pop("FUPIN_DEBUG", None)
    os.environ.setdefault("FUPIN_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]


def page_status(url: str, path: str) -> int:
    setup_django(url)
    from django.test import Client

    from fupin.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="admin"))
    return int(client.get(path).status_code)


def area_plan(user: Any, area_code: str) -> dict[str, Any]:
    """What to ask for in an area: fixed by the source data (the same before and after a
    clone, which adds no rows there): a child area, the lowest household id, its head's
    name and the first ten characters of the head's ID number."""
    from fupin.core.scope import code_range
    from fupin.geo.codes import significant_prefix
    from fupin.geo.models import Division
    from fupin.registry.models import Household, Member

    prefix = significant_prefix(area_code)
    child = Division.objects.filter(parent_id=area_code).order_by("code").first()
    household = (
        Household.objects.filter(village__code__range=code_range(prefix)).order_by("id").first()
    )
    head = (
        Member.objects.filter(household=household, is_active=True).order_by("id").first()
        if household
        else None
    )
    return {
        "area": area_code,
        "prefix": prefix,
        "child": significant_prefix(child.code) if child else prefix,
        "household": household.pk if household else None,
        "name": head.name if head else "张",
        "id_prefix": head.id_number[:10] if head else prefix,
    }


def pages(plan: dict[str, Any]) -> dict[str, str]:
    from urllib.parse import quote

    a = plan["area"]
    out = {
        "household list": "/households/",
        "household list, child area": f"/households/?area={plan['child']}",
        "search by name": f"/households/?q={quote(plan['name'])}",
        "search by ID prefix": f"/households/?q={plan['id_prefix']}",
        "household page": f"/households/{plan['household']}/",
        "case list": "/cases/",
        "dashboard": f"/dashboard/{a}/",
        "dashboard map.json": f"/dashboard/{a}/map.json",
        "dashboard trends.json": f"/dashboard/{a}/trends.json",
        "api households": f"/api/v1/households?limit=50&area={plan['prefix']}",
    }
    if plan["household"] is None:
        del out["household page"]
    return out


def warm(area_code: str) -> str:
    from django.utils import timezone

    from fupin.dashboards import selectors
    from fupin.geo.models import Division

    area = Division.objects.get(code=area_code)
    today = timezone.localdate()
    dates = [dt.date(y, 12, 31) for y in selectors.trend_years(area, today)[:-1]]
    missing = [d for d in dates if selectors.stored_year(area.code, d) is None]
    t0 = time.perf_counter()
    selectors.warm_years(area_code=area.code, dates=missing)
    return f"{len(missing)} of {len(dates)} past years computed ({time.perf_counter() - t0:.1f} s)"


def forget_dashboard(area_code: str) -> None:
    """Drop today's kept dashboard figures of the area (the key of
    dashboards.selectors.todays_figures_at, depth 1 and 2): they are kept until a change
    is recorded, and a clone records none. The first request then computes them (the
    max column), the others read them back (the median)."""
    from django.core.cache import cache
    from django.utils import timezone

    day = timezone.localdate()
    cache.delete_many([f"fupin:dashboards:figures:{area_code}:{d}:{day}" for d in (1, 2)])


def measure_pages(
    levels: list[str],
    repeat: int,
    do_warm: bool,
    results: dict[str, Any],
    rss: dict[str, float],
    save: Any,
) -> None:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from fupin.accounts.models import ApiToken, User
    from fupin.indicators.selectors import clear_cache

    print(
        f"{'level':10} {'page':28} {'status':>6} {'wall p50':>9} {'wall max':>9} "
        f"{'CPU p50':>8} {'CPU max':>8} {'queries':>7}"
    )
    for level in levels:
        user = User.objects.filter(username=LOGINS[level]).first()
        if user is None:
            print(f"{level:10} no login {LOGINS[level]!r}: skipped")
            continue
        area = user.area_id or one_province()
        plan = area_plan(user, area)
        if do_warm:
            print(f"{level:10} dashboard {area}: {warm(area)}", flush=True)
        clear_cache()
        forget_dashboard(area)
        gc.collect()
        reset_peak_rss()
        token, key = ApiToken.issue(user, "province bench", days=1)
        client = Client()
        client.force_login(user)
        try:
            for kind, path in pages(plan).items():
                headers = {"Authorization": f"Bearer {key}"} if path.startswith("/api/") else {}
                wall, cpu, queries, statuses = [], [], [], set()
                for _ in range(repeat):
                    with CaptureQueriesContext(connection) as ctx:
                        c0, w0 = time.process_time(), time.perf_counter()
                        resp = client.get(path, headers=headers)
                        wall.append((time.perf_counter() - w0) * 1000)
                        cpu.append((time.process_time() - c0) * 1000)
                    statuses.add(resp.status_code)
                    queries.append(len(ctx.captured_queries))
                    reset_queries()
                status = statuses.pop() if len(statuses) == 1 else 0
                row = {
                    "path": path,
                    "status": status,
                    "wall_ms_p50": statistics.median(wall),
                    "wall_ms_max": max(wall),
                    "cpu_ms_p50": statistics.median(cpu),
                    "cpu_ms_max": max(cpu),
                    "queries": statistics.median(queries),
                }
                results[f"{level} {kind}"] = row
                flag = "" if status == 200 else "  <- not 200"
                print(
                    f"{level:10} {kind:28} {status:>6} {row['wall_ms_p50']:9.1f} "
                    f"{row['wall_ms_max']:9.1f} {row['cpu_ms_p50']:8.1f} {row['cpu_ms_max']:8.1f} "
                    f"{row['queries']:7.0f}{flag}",
                    flush=True,
                )
        finally:
            token.delete()
        rss[level] = peak_rss_mb()
        print(f"{level:10} peak RSS of these pages: {rss[level]:,.0f} MB", flush=True)
        save()


def one_province() -> str:
    from fupin.geo.models import Division

    d = Division.objects.filter(level=PROVINCE_LEVEL).order_by("code").first()
    return d.code if d else ""


def reset_peak_rss() -> None:
    """Start the process's peak RSS afresh (Linux: 5 to /proc/self/clear_refs), so each
    figures call reports its own peak; elsewhere the peak stays the process's so far."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_indicators(levels: list[str], results: dict[str, Any], save: Any) -> None:
    from fupin.accounts.models import User
    from fupin.indicators import selectors

    print(
        f"\n{'indicators':10} {'area':13} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>11} "
        f"{'people':>11} {'nodes':>6}"
    )
    for level in levels:
        user = User.objects.filter(username=LOGINS[level]).first()
        area = (user.area_id if user else None) or one_province()
        selectors.clear_cache()
        gc.collect()
        reset_peak_rss()
        c0, w0 = time.process_time(), time.perf_counter()
        nodes = selectors.figures(area, depth=1)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        rss = peak_rss_mb()
        values = nodes[0].values if nodes else {}
        people = values.get("registered_people") or values.get("people") or 0
        results[level] = {
            "area": area,
            "wall_s": wall,
            "cpu_s": cpu,
            "peak_rss_mb": rss,
            "nodes": len(nodes),
            "values": {
                k: v
                for k, v in values.items()
                if isinstance(v, (int, float)) and not isinstance(v, bool)
            },
        }
        print(
            f"{level:10} {area:13} {wall:8.2f} {cpu:8.2f} {rss:11.0f} {people!s:>11} "
            f"{len(nodes):>6}",
            flush=True,
        )
        save()
    selectors.clear_cache()


def measure(url: str, label: str, levels: list[str], repeat: int, do_warm: bool) -> None:
    setup_django(url)
    from django.db import connection, connections

    connections.close_all()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM registry_member WHERE is_active")
        people = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM registry_household")
        households = cur.fetchone()[0]
    print(
        f"\nMeasure {label!r}: {people:,} people, {households:,} households, {repeat} × each page",
        flush=True,
    )
    result = {
        "label": label,
        "database": connection.settings_dict["NAME"],
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "people": people,
        "households": households,
        "repeat": repeat,
        "pages": {},
        "pages_peak_rss_mb": {},
        "indicators": {},
    }
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{label}.json"

    def save() -> None:  # after each level: a run that dies keeps what it measured
        path.write_text(json.dumps(result, indent=1, ensure_ascii=False))

    measure_pages(levels, repeat, do_warm, result["pages"], result["pages_peak_rss_mb"], save)
    measure_indicators(levels, result["indicators"], save)
    print(f"Written to {path.relative_to(ROOT)}")
    connections.close_all()


def compare(a: str, b: str) -> None:
    try:
        ra, rb = (json.loads((OUT / f"{x}.json").read_text()) for x in (a, b))
    except FileNotFoundError as e:
        sys.exit(f"No measurement {e.filename}")
    print(
        f"\nCompare {a!r} ({ra['people']:,} people, {ra['households']:,} households) "
        f"with {b!r} ({rb['people']:,} people, {rb['households']:,} households)"
    )

    def ratio(x: float, y: float) -> str:
        return f"{y / x:6.2f}" if x else "     -"

    print(
        f"{'page':40} {'wall p50 A':>10} {'B':>8} {'B/A':>6} {'wall max A':>10} {'B':>8} "
        f"{'B/A':>6} {'CPU p50 A':>9} {'B':>8} {'B/A':>6} {'queries A':>9} {'B':>4}"
    )
    for key in [*ra["pages"], *(k for k in rb["pages"] if k not in ra["pages"])]:
        x, y = ra["pages"].get(key), rb["pages"].get(key)
        if not x or not y:
            print(f"{key:40} only in {'A' if x else 'B'}")
            continue
        bad = "" if x["status"] == y["status"] == 200 else f"  status {x['status']}/{y['status']}"
        print(
            f"{key:40} {x['wall_ms_p50']:10.1f} {y['wall_ms_p50']:8.1f} "
            f"{ratio(x['wall_ms_p50'], y['wall_ms_p50'])} {x['wall_ms_max']:10.1f} "
            f"{y['wall_ms_max']:8.1f} {ratio(x['wall_ms_max'], y['wall_ms_max'])} "
            f"{x['cpu_ms_p50']:9.1f} "
            f"{y['cpu_ms_p50']:8.1f} {ratio(x['cpu_ms_p50'], y['cpu_ms_p50'])} "
            f"{x['queries']:9.0f} {y['queries']:4.0f}{bad}"
        )
    for level, x in ra.get("pages_peak_rss_mb", {}).items():
        y = rb.get("pages_peak_rss_mb", {}).get(level)
        if y:
            print(f"{level + ' pages: peak RSS MB':40} {x:10.0f} {y:8.0f} {ratio(x, y)}")
    print(
        f"\n{'indicators':12} {'wall s A':>9} {'B':>8} {'B/A':>6} {'RSS MB A':>9} {'B':>7} "
        f"{'people A':>10} {'B':>10}"
    )
    for key in ra["indicators"]:
        x, y = ra["indicators"][key], rb["indicators"].get(key)
        if not y:
            continue
        pa = x["values"].get("registered_people", "")
        pb = y["values"].get("registered_people", "")
        print(
            f"{key:12} {x['wall_s']:9.2f} {y['wall_s']:8.2f} {ratio(x['wall_s'], y['wall_s'])} "
            f"{x['peak_rss_mb']:9.0f} {y['peak_rss_mb']:7.0f} {pa!s:>10} {pb!s:>10}"
        )


# ------------------------------------------------------------------ main


class Step(argparse.Action):
    """Keeps the steps in command-line order."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None) -> None:
        steps = getattr(namespace, "steps", None) or []
        steps.append((self.dest, values))
        namespace.steps = steps


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", help=f"PostgreSQL URL (default DATABASE_URL or {DEFAULT_DB})")
    parser.add_argument("--source", help="the source prefecture's 4-digit prefix (default: found)")
    parser.add_argument("--clone", type=int, action=Step, metavar="N", help="copies wanted in all")
    parser.add_argument("--measure", action=Step, metavar="LABEL")
    parser.add_argument("--compare", nargs=2, action=Step, metavar=("A", "B"))
    parser.add_argument("--verify", nargs=0, action=Step)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--areas",
        default="county,prefecture,province",
        help="levels measured: county (login county), prefecture (city_inspector), "
        "province (admin)",
    )
    parser.add_argument("--no-warm", action="store_true", help="do not compute past years")
    parser.set_defaults(steps=[])
    args = parser.parse_args()
    if not args.steps:
        parser.error("nothing to do: give --measure, --clone, --verify or --compare")
    levels = [x.strip() for x in args.areas.split(",") if x.strip()]
    unknown = [x for x in levels if x not in LOGINS]
    if unknown:
        parser.error(f"unknown areas {unknown}; choose from {list(LOGINS)}")
    url = database_url(args)
    print(f"Database: {url}", flush=True)
    ok = True
    for kind, value in args.steps:
        if kind == "clone":
            clone(url, value, args.source)
            ok = verify(url, args.source) and ok
        elif kind == "verify":
            ok = verify(url, args.source) and ok
        elif kind == "measure":
            measure(url, value, levels, args.repeat, not args.no_warm)
        elif kind == "compare":
            compare(*value)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
