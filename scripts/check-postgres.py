"""Fail loudly, with a clear message, when the PostgreSQL server for the tests is absent."""

import sys
from urllib.parse import urlparse

import psycopg

url = urlparse(sys.argv[1])
try:
    with psycopg.connect(
        host=url.hostname,
        port=url.port or 5432,
        user=url.username or "postgres",
        dbname="postgres",
        connect_timeout=5,
    ) as conn:
        conn.execute("select 1")
except Exception as exc:
    print(f"PostgreSQL is not answering at {sys.argv[1]}: {exc}", file=sys.stderr)
    print(
        "The PostgreSQL half of `make test` cannot run; start the server "
        "(pg_ctlcluster 15 main start) and try again.",
        file=sys.stderr,
    )
    sys.exit(1)
