"""The test database, shared with a subprocess (a `fupin serve`, a second cache client).

Use with `pytest.mark.django_db(transaction=True)`, so that what the test writes is
committed and seen by the other process. On PostgreSQL the subprocess opens the test
database itself. On SQLite the test database lives in this process's memory: it is
copied (SQLite's online backup) into a file, and this process's connection is pointed at
the same file until the block ends, so both processes read and write one database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection


def _postgres_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "postgres", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@contextmanager
def shared_database(directory: Path) -> Iterator[str]:
    """Yield a DATABASE_URL for a subprocess that opens this test's database."""
    if connection.vendor == "postgresql":
        yield _postgres_url()
        return
    path = directory / "shared.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    saved_name, saved_connection = connection.settings_dict["NAME"], connection.connection
    connection.connection = None
    connection.settings_dict["NAME"] = str(path)
    try:
        yield f"sqlite:///{path}"
    finally:
        connection.close()  # the file's connection (an in-memory one is never closed)
        connection.settings_dict["NAME"] = saved_name
        connection.connection = saved_connection
