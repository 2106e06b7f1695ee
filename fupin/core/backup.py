"""Backups that restore: `fupin backup --out DIR` and `fupin restore DIR` (docs/backup.md).

A backup is a directory::

    manifest.json      format, fupin and Django versions, time, database vendor, the
                       migrations applied per app, the row count of every table, and the
                       path, size and SHA-256 of every file below
    SHA256SUMS         `sha256sum -c SHA256SUMS` checks every file, manifest.json included
    database.dump      PostgreSQL: pg_dump's custom format
    database.sqlite3   SQLite: a copy made with SQLite's online backup API
    files/<area>/…     fupin's own files, area by area (`file_areas`)

Consistency while the application runs: on PostgreSQL one read-only REPEATABLE READ
transaction exports its snapshot, pg_dump dumps that snapshot (`--snapshot`), and the
manifest's counts and migrations are read in the same transaction, so the dump and the
manifest describe the same instant. On SQLite the backup API copies the database in one
step under a read lock (WAL lets the application go on writing), and the counts are read
from the copy. Files are copied after the database: a file the backed-up database refers
to was written before its row (snapshots and uploads are), so it is in the backup.

The backup is written into a hidden temporary directory next to DIR and renamed to DIR
at the end: a backup that was killed leaves a `.DIR.partial-…` directory, never a DIR
that looks complete.

A restore checks every SHA-256 first, then that the backup's database vendor is the
target's, that the code knows every migration of the backup, that the target database
holds no fupin data (users, divisions, change records) unless forced, and that no
target file would be overwritten with other content unless forced. Only then does it
replace the database (on PostgreSQL in one transaction: whatever tables the target has
are dropped and the dump is loaded) and copy the files, and it ends by comparing every
table's row count and every app's migrations with the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

import django
import psycopg
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.utils import Error as DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core.errors import DomainError
from fupin.core.models import ChangeRecord

FORMAT = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
FILES = "files"
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1 << 20
# A directory being written (an indicator snapshot before its rename) is not data yet.
IN_PROGRESS_SUFFIX = ".partial"


def tables_without_rows() -> list[str]:
    """Tables a backup holds empty: the signed-in sessions (a session key is the cookie
    that signs its holder in, so a copy of the backup would hand out every live sign-in;
    after a restore everyone signs in again) and the database cache (recomputed)."""
    names = {apps.get_model("sessions", "Session")._meta.db_table}
    for cache in settings.CACHES.values():
        if str(cache.get("BACKEND", "")).endswith(".DatabaseCache"):
            names.add(str(cache["LOCATION"]))
    return sorted(names)


class BackupError(DomainError):
    code = "backup_error"


class Cursor(Protocol):
    """A DB-API cursor: sqlite3's, psycopg's or Django's wrapper of either."""

    def execute(self, query: Any, params: Any = ..., /) -> Any: ...
    def fetchall(self) -> list[Any]: ...


@dataclass
class DatabaseState:
    """What the manifest says of a database: its tables' row counts and the migrations
    applied, app by app."""

    tables: dict[str, int] = field(default_factory=dict)
    migrations: dict[str, list[str]] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


@dataclass
class BackupResult:
    directory: Path
    vendor: str
    state: DatabaseState
    files: int
    file_bytes: int
    database_bytes: int
    seconds: float


@dataclass
class RestoreResult:
    vendor: str
    state: DatabaseState
    files: int
    seconds: float
    code_migrations_ahead: list[str]


# ------------------------------------------------------------------ where files live


def file_areas() -> dict[str, Path]:
    """Where fupin keeps files, by the name of their folder in a backup (files/<name>/):

    - media: every FileField's uploads (evidence, household attachments, visit photos),
      MEDIA_ROOT;
    - snapshots: locked indicator snapshots (`indicators.snapshots.root`);
    - exchange: import uploads and their reports (`exchange.jobs.exchange_dir`);
    - reports: the dashboards' Excel and PDF reports (`dashboards.reports.reports_dir`).

    core may not import those apps (README "Layers"), so the directories are read from
    the same settings here; fupin/core/tests/test_backup.py checks that each app's own
    function names the directory given here, and that every FileField stores in media.
    """
    var = Path(settings.VAR_DIR)
    return {
        "media": Path(settings.MEDIA_ROOT),
        "snapshots": Path(getattr(settings, "INDICATOR_SNAPSHOT_DIR", "") or var / "snapshots"),
        "exchange": var / "exchange",
        "reports": var / "reports",
    }


def _area_files(root: Path) -> Iterator[tuple[Path, PurePosixPath]]:
    """Regular files under root (symbolic links and work in progress left out), sorted,
    each with its path relative to root."""
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.endswith(IN_PROGRESS_SUFFIX))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            yield path, PurePosixPath(path.relative_to(root).as_posix())


# ------------------------------------------------------------------ hashing and copying


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _copy_hashed(source: Path, target: Path) -> tuple[int, str]:
    """Copy source to target (which must not exist), fsynced; return size and SHA-256."""
    h = hashlib.sha256()
    size = 0
    with source.open("rb") as src, target.open("xb") as dst:
        while chunk := src.read(CHUNK):
            h.update(chunk)
            dst.write(chunk)
            size += len(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    return size, h.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ------------------------------------------------------------------ database state


def tables(cursor: Cursor, vendor: str) -> list[str]:
    """The database's tables (on PostgreSQL, those of the current schema)."""
    if vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return sorted(n for (n,) in cursor.fetchall() if not n.startswith("sqlite_"))
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return sorted(n for (n,) in cursor.fetchall())


def read_state(cursor: Cursor, vendor: str) -> DatabaseState:
    """Row counts of every table and the applied migrations, through any DB-API cursor."""
    state = DatabaseState()
    for name in tables(cursor, vendor):
        quoted = '"' + name.replace('"', '""') + '"'
        cursor.execute(f"SELECT count(*) FROM {quoted}")  # noqa: S608 (a quoted table name)
        state.tables[name] = int(cursor.fetchall()[0][0])
    if "django_migrations" in state.tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            state.migrations.setdefault(app, []).append(name)
    return state


def _vendor() -> str:
    vendor = connection.vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(
            _("Backups support PostgreSQL and SQLite, not %(vendor)s.") % {"vendor": vendor}
        )
    return vendor


def _pg_env() -> dict[str, str]:
    """The environment for pg_dump, pg_restore and psql: the connection of DATABASES."""
    s = connection.settings_dict
    env = dict(os.environ)
    env.update(
        {
            "PGDATABASE": str(s["NAME"]),
            "PGUSER": str(s.get("USER") or ""),
            "PGHOST": str(s.get("HOST") or ""),
            "PGPORT": str(s.get("PORT") or ""),
        }
    )
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    sslmode = (s.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return {k: v for k, v in env.items() if v != "" or not k.startswith("PG")}


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            _("%(program)s was not found: install the PostgreSQL client programs.")
            % {"program": name}
        )
    return path


def _failed(program: str, stderr: bytes | str) -> BackupError:
    text = stderr.decode(errors="replace") if isinstance(stderr, bytes) else stderr
    return BackupError(
        _("%(program)s failed: %(error)s") % {"program": program, "error": text.strip()[-2000:]}
    )


def _dump_postgresql(target: Path) -> DatabaseState:
    env = _pg_env()
    pg_dump = _program("pg_dump")
    with psycopg.connect(
        dbname=env["PGDATABASE"],
        user=env.get("PGUSER"),
        password=env.get("PGPASSWORD"),
        host=env.get("PGHOST"),
        port=env.get("PGPORT"),
    ) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        with conn.cursor() as cursor:
            state = read_state(cursor, "postgresql")
        empty = [t for t in tables_without_rows() if t in state.tables]
        state.tables.update(dict.fromkeys(empty, 0))
        done = subprocess.run(  # noqa: S603 (a fixed program, no shell)
            [pg_dump, "--format=custom", f"--snapshot={row[0]}", f"--file={target}"]
            + [f"--exclude-table-data={t}" for t in empty],
            env=env,
            capture_output=True,
            check=False,
        )
        conn.rollback()
    if done.returncode != 0:
        raise _failed("pg_dump", done.stderr)
    return state


def _dump_sqlite(target: Path) -> DatabaseState:
    connection.ensure_connection()
    source = connection.connection
    with closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
        # Their rows go, and their content is overwritten, not only marked free.
        copy.execute("PRAGMA secure_delete = ON")
        existing = set(tables(copy.cursor(), "sqlite"))
        for name in tables_without_rows():
            if name in existing:
                copy.execute(f'DELETE FROM "{name}"')  # noqa: S608 (a table name of settings)
        copy.commit()
        with closing(copy.cursor()) as cursor:
            return read_state(cursor, "sqlite")


# ------------------------------------------------------------------ backup


def _fupin_version() -> str:
    try:
        return metadata.version("fupin")
    except metadata.PackageNotFoundError:
        return "unknown"


def create(out: Path) -> BackupResult:
    """Back up the database and fupin's files into `out`, a directory that must not
    exist yet; its parent is created if needed."""
    started = time.monotonic()
    out = out.absolute()
    if out.exists():
        raise BackupError(
            _("%(path)s already exists: give a directory that does not exist yet.") % {"path": out}
        )
    vendor = _vendor()
    out.parent.mkdir(parents=True, exist_ok=True)
    work = out.with_name(f".{out.name}.partial-{uuid.uuid4().hex[:8]}")
    # Personal data: the backup is readable by fupin's own account only.
    work.mkdir(mode=0o700)
    try:
        result = _write(work, vendor)
        _fsync_dir(work)
        work.rename(out)
        _fsync_dir(out.parent)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    result.directory = out
    result.seconds = time.monotonic() - started
    return result


def _write(work: Path, vendor: str) -> BackupResult:
    database = work / DATABASE_FILES[vendor]
    state = _dump_postgresql(database) if vendor == "postgresql" else _dump_sqlite(database)
    with database.open("rb+") as f:
        os.fsync(f.fileno())
    database_bytes = database.stat().st_size
    entries = [{"path": database.name, "size": database_bytes, "sha256": sha256_file(database)}]
    areas = file_areas()
    file_bytes = 0
    for area, root in areas.items():
        for source, rel in _area_files(root):
            path = PurePosixPath(FILES, area, rel)
            target = work / path
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                size, digest = _copy_hashed(source, target)
            except FileNotFoundError:
                if source.exists():
                    raise
                # Removed since it was listed (an import's upload when the import
                # ended, a report written again): not part of the backup.
                continue
            entries.append({"path": str(path), "size": size, "sha256": digest})
            file_bytes += size
    manifest = {
        "format": FORMAT,
        "fupin_version": _fupin_version(),
        "django_version": django.get_version(),
        "created_at": timezone.now().isoformat(),
        "vendor": vendor,
        "database": database.name,
        "migrations": state.migrations,
        "tables": state.tables,
        "areas": {name: str(root) for name, root in areas.items()},
        "files": entries,
    }
    (work / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    sums = [(sha256_file(work / MANIFEST), MANIFEST)]
    sums += [(str(e["sha256"]), str(e["path"])) for e in entries]
    # The sums file last: a directory without it is not a backup.
    (work / SUMS).write_text("".join(f"{h}  {p}\n" for h, p in sums), encoding="utf-8")
    return BackupResult(
        directory=work,
        vendor=vendor,
        state=state,
        files=len(entries) - 1,
        file_bytes=file_bytes,
        database_bytes=database_bytes,
        seconds=0.0,
    )


# ------------------------------------------------------------------ verify


def _safe_relative(text: str) -> PurePosixPath:
    path = PurePosixPath(text)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(
            _("The backup is damaged: %(file)s is not a path inside it.") % {"file": text}
        )
    return path


def verify(directory: Path) -> dict[str, Any]:
    """Check every file of the backup in `directory` against SHA256SUMS and the manifest
    against both; return the manifest. Raises BackupError naming the first bad file."""
    sums_path = directory / SUMS
    if not directory.is_dir() or not sums_path.is_file() or not (directory / MANIFEST).is_file():
        raise BackupError(
            _("%(path)s is not a fupin backup (it has no %(sums)s and %(manifest)s).")
            % {"path": directory, "sums": SUMS, "manifest": MANIFEST}
        )
    sums: dict[str, str] = {}
    for line in sums_path.read_text(encoding="utf-8").splitlines():
        digest, _sep, name = line.partition("  ")
        if line.strip():
            sums[str(_safe_relative(name))] = digest
    if MANIFEST not in sums:
        raise BackupError(
            _("The backup is damaged: %(file)s is not listed in %(sums)s.")
            % {"file": MANIFEST, "sums": SUMS}
        )
    for name, digest in sums.items():
        path = directory / name
        if not path.is_file():
            raise BackupError(_("The backup is damaged: %(file)s is missing.") % {"file": name})
        if sha256_file(path) != digest:
            raise BackupError(
                _("The backup is damaged: %(file)s does not match its SHA-256 sum.")
                % {"file": name}
            )
    manifest: dict[str, Any] = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(
            _("This backup's format (%(format)s) is not one this version of fupin reads.")
            % {"format": manifest.get("format")}
        )
    listed = {str(e["path"]): str(e["sha256"]) for e in manifest["files"]}
    for name, digest in listed.items():
        if sums.get(name) != digest:
            raise BackupError(
                _("The backup is damaged: %(file)s is not listed in %(sums)s.")
                % {"file": name, "sums": SUMS}
            )
    if manifest.get("database") not in listed:
        raise BackupError(
            _("The backup is damaged: %(file)s is missing.") % {"file": manifest.get("database")}
        )
    return manifest


# ------------------------------------------------------------------ restore


def fupin_data() -> dict[str, int]:
    """Rows the target database holds that make it someone's fupin: its users, divisions
    and change records (a database fresh from `migrate` has none of them). Empty when it
    holds none, or has no tables at all."""
    try:
        with connection.cursor() as cursor:
            existing = set(tables(cursor, connection.vendor))
            found = {}
            for model in (
                get_user_model(),
                apps.get_model("geo", "Division"),
                ChangeRecord,
            ):
                table = model._meta.db_table
                if table in existing:
                    quoted = connection.ops.quote_name(table)
                    cursor.execute(f"SELECT count(*) FROM {quoted}")  # noqa: S608
                    count = int(cursor.fetchall()[0][0])
                    if count:
                        found[str(model._meta.verbose_name_plural)] = count
            return found
    except DatabaseError as e:
        raise BackupError(
            _("Cannot open the target database: %(error)s. Create it first.") % {"error": e}
        ) from e


def _disk_migrations() -> set[tuple[str, str]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return set(loader.disk_migrations)


def _migration_gaps(manifest: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(migrations of the backup this code does not have, migrations of this code the
    backup has not applied), as app.name, for the apps this code has migrations for."""
    disk = _disk_migrations()
    applied = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    code_apps = {app for app, _name in disk}
    unknown = sorted(f"{a}.{n}" for a, n in applied - disk if a in code_apps)
    ahead = sorted(f"{a}.{n}" for a, n in disk - applied)
    return unknown, ahead


def _file_plan(
    manifest: dict[str, Any], directory: Path, *, force: bool
) -> list[tuple[Path, Path, str]]:
    """(source in the backup, target, SHA-256) of every file to restore; refuses an area
    this code does not know, and a target that exists with other content unless forced."""
    areas = file_areas()
    plan = []
    for entry in manifest["files"]:
        path = _safe_relative(str(entry["path"]))
        if path.parts[0] != FILES:
            continue
        if len(path.parts) < 3 or path.parts[1] not in areas:
            raise BackupError(
                _("The backup holds files of an unknown kind: %(file)s.") % {"file": path}
            )
        target = areas[path.parts[1]].joinpath(*path.parts[2:])
        digest = str(entry["sha256"])
        if target.exists() and not force and sha256_file(target) != digest:
            raise BackupError(
                _("%(path)s already exists with other content: give --force to overwrite it.")
                % {"path": target}
            )
        plan.append((directory / path, target, digest))
    return plan


def _restore_postgresql(dump: Path) -> None:
    env = _pg_env()
    pg_restore, psql = _program("pg_restore"), _program("psql")
    # What the target has (a database fresh from `migrate`, or any with --force) goes.
    with connection.cursor() as cursor:
        cursor.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")
        sequences = [n for (n,) in cursor.fetchall()]
        drop = "".join(
            f"DROP {kind} IF EXISTS {', '.join(map(connection.ops.quote_name, names))} CASCADE;"
            for kind, names in (("TABLE", tables(cursor, "postgresql")), ("SEQUENCE", sequences))
            if names
        )
    connection.close()
    # One transaction for the drops and the whole load: a failure leaves the target as it was.
    script = subprocess.Popen(  # noqa: S603 (fixed programs, no shell)
        [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(dump)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert script.stdout is not None
    load = subprocess.run(  # noqa: S603
        [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction"]
        + (["-c", drop] if drop else [])
        + ["-f", "-"],
        env=env,
        stdin=script.stdout,
        capture_output=True,
        check=False,
    )
    script.stdout.close()
    script_err = script.stderr.read() if script.stderr else b""
    if script.wait() != 0:
        raise _failed("pg_restore", script_err)
    if load.returncode != 0:
        raise _failed("psql", load.stderr)


def _restore_sqlite(copy: Path) -> None:
    target = str(connection.settings_dict["NAME"])
    connection.close()
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(sqlite3.connect(f"{copy.absolute().as_uri()}?mode=ro", uri=True)) as source,
        closing(sqlite3.connect(target)) as dest,
    ):
        # Every page is replaced: written through a WAL the copy took four times as long
        # (the demo county: 33 s instead of 9 s). fupin's connections turn WAL on again.
        dest.execute("PRAGMA journal_mode=DELETE")
        source.backup(dest)


def _restore_files(plan: Iterable[tuple[Path, Path, str]]) -> int:
    count = 0
    for source, target, digest in plan:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.restoring-{uuid.uuid4().hex[:8]}")
        try:
            _size, copied = _copy_hashed(source, temporary)
            if copied != digest:
                raise BackupError(
                    _("The backup is damaged: %(file)s does not match its SHA-256 sum.")
                    % {"file": source}
                )
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
        count += 1
    return count


def _differences(manifest: dict[str, Any], state: DatabaseState) -> list[str]:
    problems = []
    expected: dict[str, int] = manifest["tables"]
    for table in sorted(set(expected) | set(state.tables)):
        found, wanted = state.tables.get(table), expected.get(table)
        if found != wanted:
            problems.append(
                _("table %(table)s has %(found)s rows, the backup %(expected)s")
                % {"table": table, "found": found, "expected": wanted}
            )
    if state.migrations != manifest["migrations"]:
        apps_differing = sorted(
            app
            for app in set(state.migrations) | set(manifest["migrations"])
            if state.migrations.get(app) != manifest["migrations"].get(app)
        )
        problems.append(
            _("the migrations of %(apps)s differ") % {"apps": ", ".join(apps_differing)}
        )
    return problems


def restore(directory: Path, *, force: bool = False) -> RestoreResult:
    """Restore the backup in `directory` into the database of DATABASES["default"] and
    the file areas of these settings. Every check comes before the first write."""
    started = time.monotonic()
    manifest = verify(directory)
    vendor = _vendor()
    if manifest["vendor"] != vendor:
        raise BackupError(
            _(
                "This backup is of a %(backup)s database and the target database is "
                "%(target)s: restore it into a %(backup)s database."
            )
            % {"backup": manifest["vendor"], "target": vendor}
        )
    unknown, ahead = _migration_gaps(manifest)
    if unknown and not force:
        raise BackupError(
            _(
                "The backup was made by fupin %(version)s, with migrations this version "
                "does not have (%(names)s): restore it with that version, or give --force."
            )
            % {"version": manifest["fupin_version"], "names": ", ".join(unknown)}
        )
    found = fupin_data()
    if found and not force:
        raise BackupError(
            _(
                "The target database already holds fupin data (%(found)s). Restore into an "
                "empty database, or give --force to replace everything in it."
            )
            % {"found": ", ".join(f"{name}: {n:,}" for name, n in found.items())}
        )
    plan = _file_plan(manifest, directory, force=force)
    database = directory / str(manifest["database"])
    if vendor == "postgresql":
        _restore_postgresql(database)
    else:
        _restore_sqlite(database)
    files = _restore_files(plan)
    connection.close()
    with connection.cursor() as cursor:
        state = read_state(cursor, vendor)
    problems = _differences(manifest, state)
    if problems:
        raise BackupError(
            _("After the restore the database differs from the backup: %(problems)s.")
            % {"problems": "; ".join(problems)}
        )
    return RestoreResult(
        vendor=vendor,
        state=state,
        files=files,
        seconds=time.monotonic() - started,
        code_migrations_ahead=ahead,
    )
