"""`fupin backup` and `fupin restore` (fupin/core/backup.py, docs/backup.md).

The round trip: a small registry with history, a household attachment, a locked
indicator snapshot and an import and a dashboard report file is backed up from the test
database by the command, and restored by the command run as a separate process into a
fresh empty database (a temporary SQLite file, or a uniquely named PostgreSQL database
created and dropped here) with its own file directories. The restored system has the
same households, members, change records, attachments and snapshots (their rows as
`dumpdata` writes them, the snapshot's SHA-256 included), its snapshot passes `fupin
snapshot verify`, and every file is the same byte for byte.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import FileField
from django.utils import timezone

from fupin.core import backup
from fupin.core.models import ChangeRecord
from fupin.core.tests.test_evidence import png_bytes
from fupin.dashboards.reports import reports_dir
from fupin.exchange.jobs import exchange_dir
from fupin.indicators import services as indicators
from fupin.indicators import snapshots
from fupin.registry import services
from fupin.registry.models import Household, Member

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[3]
COMPARED = [
    "registry.household",
    "registry.member",
    "registry.attachment",
    "core.changerecord",
    "indicators.snapshot",
]


@pytest.fixture
def var(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


@pytest.fixture
def world(users, household, neighbour_household, var):
    """A registry with history, an attachment, a snapshot and an import and report file."""
    attachment = services.attachment_add(
        actor=users["village"],
        household=household,
        kind="photo",
        title="房屋照片",
        upload=SimpleUploadedFile("house.png", png_bytes(), content_type="image/png"),
    )
    snapshot = indicators.snapshot_create(
        actor=users["county"], area_code="431129000000", as_of=timezone.localdate()
    )
    (exchange_dir("reports") / "1.xlsx").write_bytes(b"an import report\x00\xff")
    (reports_dir() / "7.pdf").write_bytes(b"%PDF-1.4 a dashboard report")
    return {"attachment": attachment, "snapshot": snapshot}


def back_up(tmp_path: Path, name: str = "backup") -> Path:
    out = tmp_path / name
    call_command("backup", out=str(out), language="en", stdout=io.StringIO())
    return out


def area_files() -> dict[str, bytes]:
    """Every file of every area, by area/relative path."""
    found = {}
    for area, root in backup.file_areas().items():
        for path in Path(root).rglob("*"):
            if path.is_file():
                found[f"{area}/{path.relative_to(root).as_posix()}"] = path.read_bytes()
    return found


def dumped() -> list[dict]:
    out = io.StringIO()
    call_command("dumpdata", *COMPARED, format="json", stdout=out)
    return json.loads(out.getvalue())


# ------------------------------------------------------------------ an empty target


class Target:
    """A fresh, empty database and file directories for `fupin … ` run as a process."""

    def __init__(self, tmp_path: Path) -> None:
        self.var = tmp_path / "target-var"
        self.var.mkdir()
        s = connection.settings_dict
        if connection.vendor == "postgresql":
            self.name = f"test_fupin_restore_{uuid.uuid4().hex[:12]}"
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{self.name}"')
            auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
            self.url = f"postgres://{auth}@{s['HOST']}:{s['PORT']}/{self.name}"
        else:
            self.name = str(self.var / "fupin.sqlite3")
            self.url = f"sqlite:///{self.name}"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "FUPIN_VAR_DIR": str(self.var),
            "FUPIN_DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "fupin.settings",
        }
        return subprocess.run(
            [sys.executable, "-m", "fupin.cli", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    def drop(self) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    [self.name],
                )
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}"')


@pytest.fixture
def target(tmp_path):
    t = Target(tmp_path)
    yield t
    t.drop()


# ------------------------------------------------------------------ the round trip


def test_a_restored_system_has_the_same_households_history_snapshots_and_files(
    world, tmp_path, target
):
    before_rows, before_files = dumped(), area_files()
    assert {"media", "snapshots", "exchange", "reports"} <= {k.split("/")[0] for k in before_files}
    out = back_up(tmp_path)

    # A file already in the target with other content stops the restore before it writes.
    media_name = world["attachment"].file.name
    clash = target.var / "media" / media_name
    clash.parent.mkdir(parents=True)
    clash.write_bytes(b"someone else's file")
    refused = target.run("restore", str(out), "--language", "en")
    assert refused.returncode == 1
    assert f"{clash} already exists with other content" in refused.stderr
    clash.unlink()
    empty = target.run("restore", str(out), "--verify-only", "--language", "en")
    assert empty.returncode == 0, empty.stderr

    done = target.run("restore", str(out), "--language", "en")
    assert done.returncode == 0, done.stderr
    assert "every table's row count and every app's migrations match" in done.stdout

    # The same rows: households, members, attachments, change records, snapshots.
    restored = target.run("dumpdata", *COMPARED, "--format", "json")
    assert restored.returncode == 0, restored.stderr
    rows = json.loads(restored.stdout)
    assert rows == before_rows
    kinds = {r["model"] for r in rows}
    assert kinds == set(COMPARED)
    snapshot_rows = [r for r in rows if r["model"] == "indicators.snapshot"]
    assert snapshot_rows[0]["fields"]["manifest_sha256"] == world["snapshot"].manifest_sha256

    # The restored snapshot's files match the hashes its restored row keeps.
    verified = target.run("snapshot", "--lang", "en", "verify", str(world["snapshot"].pk))
    assert verified.returncode == 0, verified.stderr
    assert "every file matches its hash" in verified.stdout

    # Every private file byte for byte, in the target's own directories.
    restored_files = {
        p.relative_to(target.var).as_posix(): p.read_bytes()
        for p in target.var.rglob("*")
        if p.is_file() and not p.name.startswith("fupin.sqlite3")
    }
    assert restored_files == before_files

    # Now the target holds fupin data: a second restore is refused, and leaves it as it is.
    again = target.run("restore", str(out), "--language", "en")
    assert again.returncode == 1
    assert "already holds fupin data" in again.stderr
    assert json.loads(target.run("dumpdata", *COMPARED).stdout) == before_rows
    # --force replaces it with the backup (here: the same data).
    forced = target.run("restore", str(out), "--force", "--language", "en")
    assert forced.returncode == 0, forced.stderr
    assert json.loads(target.run("dumpdata", *COMPARED).stdout) == before_rows


# ------------------------------------------------------------------ what a backup holds


def test_the_manifest_and_sums_describe_the_backup(world, tmp_path):
    out = back_up(tmp_path)
    assert out.stat().st_mode & 0o777 == 0o700  # personal data: fupin's account only
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["vendor"] == connection.vendor
    assert manifest["tables"][Household._meta.db_table] == Household.objects.count() == 2
    assert manifest["tables"][Member._meta.db_table] == Member.objects.count() == 2
    assert manifest["tables"][ChangeRecord._meta.db_table] == ChangeRecord.objects.count()
    applied = MigrationRecorder(connection).applied_migrations()
    assert {(a, n) for a, names in manifest["migrations"].items() for n in names} == set(applied)
    listed = {f["path"]: f for f in manifest["files"]}
    expected = {f"files/{k}": v for k, v in area_files().items()}
    assert {p: listed[p]["size"] for p in expected} == {p: len(v) for p, v in expected.items()}
    for path, content in expected.items():
        assert listed[path]["sha256"] == hashlib.sha256(content).hexdigest()
        assert (out / path).read_bytes() == content
    assert set(listed) == {*expected, manifest["database"]}
    # SHA256SUMS is what `sha256sum -c` reads: every file, the manifest included.
    sums = dict(
        reversed(line.split("  ", 1)) for line in (out / "SHA256SUMS").read_text().splitlines()
    )
    assert set(sums) == {*listed, "manifest.json"}
    for name, digest in sums.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest


def test_each_app_keeps_its_files_in_an_area_of_the_backup(var):
    areas = backup.file_areas()
    assert snapshots.root() == areas["snapshots"]
    assert exchange_dir("uploads").parent == exchange_dir("reports").parent == areas["exchange"]
    assert reports_dir() == areas["reports"]
    assert Path(default_storage.location) == areas["media"]
    file_fields = [
        f"{model._meta.label}.{f.name}"
        for model in apps.get_models()
        for f in model._meta.get_fields()
        if isinstance(f, FileField) and f.storage is not default_storage
    ]
    assert file_fields == []


def test_an_existing_directory_is_refused_and_a_failed_backup_leaves_nothing(
    world, tmp_path, monkeypatch
):
    (tmp_path / "taken").mkdir()
    with pytest.raises(CommandError, match="already exists"):
        back_up(tmp_path, "taken")
    copied = []
    real_copy = backup._copy_hashed

    def copy_then_fail(source, target):
        copied.append(source)
        if len(copied) == 3:
            raise OSError("disk full")
        return real_copy(source, target)

    monkeypatch.setattr(backup, "_copy_hashed", copy_then_fail)
    with pytest.raises(OSError, match="disk full"):
        back_up(tmp_path, "half")
    assert len(copied) == 3
    assert sorted(p.name for p in tmp_path.iterdir() if "half" in p.name) == []


# ------------------------------------------------------------------ refusals


def test_a_corrupted_file_is_refused_naming_it(world, tmp_path):
    out = back_up(tmp_path)
    name = f"files/media/{world['attachment'].file.name}"
    damaged = out / name
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"\x00")
    with pytest.raises(CommandError, match=re.escape(f"{name} does not match its SHA-256 sum")):
        call_command("restore", str(out), "--verify-only", language="en")
    with pytest.raises(CommandError, match=re.escape(f"{name} does not match its SHA-256 sum")):
        call_command("restore", str(out), language="en")
    (out / "SHA256SUMS").unlink()
    with pytest.raises(CommandError, match="is not a fupin backup"):
        call_command("restore", str(out), language="en")


def test_a_missing_database_file_is_refused(world, tmp_path):
    out = back_up(tmp_path)
    database = json.loads((out / "manifest.json").read_text())["database"]
    (out / database).unlink()
    with pytest.raises(CommandError, match=re.escape(f"{database} is missing")):
        call_command("restore", str(out), language="en")


def test_restoring_into_a_database_with_fupin_data_is_refused(world, tmp_path):
    out = back_up(tmp_path)
    households = Household.objects.count()
    call_command("restore", str(out), "--verify-only", language="en", stdout=io.StringIO())
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(out), language="en")
    message = str(refused.value)
    assert "The target database already holds fupin data" in message
    # The conftest's nine users and eleven divisions.
    assert "users: 9, divisions: 11, change records: " in message and "--force" in message
    assert Household.objects.count() == households


def rewrite_manifest(out: Path, **changes: object) -> None:
    """Change the manifest of a backup and its line in SHA256SUMS (a backup made
    elsewhere, whose sums hold)."""
    manifest_path = out / "manifest.json"
    manifest_path.write_text(json.dumps(json.loads(manifest_path.read_text()) | changes))
    sums = (out / "SHA256SUMS").read_text().splitlines()
    assert sums[0].endswith("  manifest.json")
    sums[0] = f"{hashlib.sha256(manifest_path.read_bytes()).hexdigest()}  manifest.json"
    (out / "SHA256SUMS").write_text("\n".join(sums) + "\n")


def test_a_backup_of_another_database_vendor_is_refused(world, tmp_path):
    out = back_up(tmp_path)
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    rewrite_manifest(out, vendor=other)
    with pytest.raises(CommandError, match=f"This backup is of a {other} database"):
        call_command("restore", str(out), language="en")
    assert Household.objects.count() == 2


def test_a_backup_with_migrations_this_code_lacks_is_refused(world, tmp_path):
    out = back_up(tmp_path)
    migrations = json.loads((out / "manifest.json").read_text())["migrations"]
    migrations["registry"].append("9999_from_the_future")
    rewrite_manifest(out, migrations=migrations, fupin_version="9.0")
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(out), language="en")
    assert "made by fupin 9.0, with migrations this version does not have" in str(refused.value)
    assert "(registry.9999_from_the_future)" in str(refused.value)


def test_a_path_outside_the_backup_is_refused(world, tmp_path):
    """A backup is data from outside: a listed path may not climb out of its directory
    (nor, when restored, out of the file areas)."""
    out = back_up(tmp_path)
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"not in the backup")
    digest = hashlib.sha256(outside.read_bytes()).hexdigest()
    with (out / "SHA256SUMS").open("a") as sums:
        sums.write(f"{digest}  files/media/../../../outside.txt\n")
    with pytest.raises(CommandError, match=re.escape("outside.txt is not a path inside it")):
        call_command("restore", str(out), "--verify-only", language="en")


def test_a_file_removed_while_the_backup_runs_is_left_out(world, tmp_path, monkeypatch):
    # On a live system an import's upload is removed when the import ends, and a report
    # may be replaced: a file listed but gone before it is copied is not in the backup
    # (its row, if any, was removed with it), and the night's backup still completes.
    listed = backup._area_files
    gone = exchange_dir("reports") / "1.xlsx"

    def files_then_one_removed(root):
        for path, rel in listed(root):
            if path == gone:
                path.unlink()
            yield path, rel

    monkeypatch.setattr(backup, "_area_files", files_then_one_removed)
    out = back_up(tmp_path)
    manifest = backup.verify(out)
    paths = {e["path"] for e in manifest["files"]}
    assert "files/exchange/reports/1.xlsx" not in paths
    assert "files/reports/7.pdf" in paths
    assert not (out / "files/exchange/reports/1.xlsx").exists()


def test_signed_in_sessions_and_the_cache_are_not_in_the_backup(
    world, users, client, tmp_path, database_cache
):
    # A session key is the cookie that signs its holder in: a copy of the backup must not
    # hand out every live sign-in. The cache (the deployed one, in the database) is
    # recomputed. Both tables stay, empty.
    client.force_login(users["county"])
    key = client.session.session_key
    database_cache.set("backup-probe", "cached-7f3a9c")
    out = back_up(tmp_path)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["tables"]["django_session"] == 0
    assert manifest["tables"]["fupin_cache"] == 0
    dump = out / manifest["database"]
    if connection.vendor == "postgresql":
        content = subprocess.run(
            [backup._program("pg_restore"), "--data-only", "--file=-", str(dump)],
            capture_output=True,
            check=True,
        ).stdout
        assert b"COPY public.registry_household" in content  # the data is there
    else:
        content = dump.read_bytes()
    assert key.encode() not in content
    # The running system keeps its sessions.
    assert Session.objects.filter(session_key=key).exists()
