"""`fupin serve [--host H] [--port P] [--workers N] [--threads T] [--allow-debug]`: the
production server, gunicorn running fupin's WSGI application (docs/deploy.md).

- Workers and threads come from the CPU count (`default_workers`, DEFAULT_THREADS) unless
  given. The application is loaded once in the master before the workers fork (preload),
  so a worker starts fast and shares the loaded code.
- SIGHUP: gunicorn starts new workers and stops the old ones gracefully (no request is
  dropped). The preloaded code is not read again: after an upgrade, restart the service.
- SIGTERM: the workers finish the requests under way (up to GRACEFUL_SECONDS), then the
  server exits with status 0.
- Logs on standard output, one JSON object per line (fupin.core.logs): the app's records,
  gunicorn's own, and one access line per request with its method, path, status, duration
  and the request id of its X-Request-Id header.
- Static files are served by WhiteNoise from STATIC_ROOT: the server refuses to start until
  `fupin collectstatic` has copied them there, and with DEBUG on unless --allow-debug.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils.translation import gettext as _
from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]
from gunicorn.glogging import Logger  # type: ignore[import-untyped]

from fupin.core.logs import JsonFormatter, access_fields

DEFAULT_THREADS = 4
# A request may run this long before its worker is replaced (a first dashboard of a large
# area computes its figures: seconds, not minutes).
TIMEOUT_SECONDS = 120
# On SIGTERM or SIGHUP, requests under way get this long to finish.
GRACEFUL_SECONDS = 30
# Files collectstatic leaves out (its default --ignore patterns).
STATIC_IGNORE = ["CVS", ".*", "*~"]


def cpu_count() -> int:
    """The CPUs this process may run on (a container or taskset may allow fewer than the
    machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_workers(cpus: int) -> int:
    """One worker process per CPU plus one, so a CPU stays busy while a worker waits on
    the database. With DEFAULT_THREADS threads each, 2 CPUs give 3 × 4 = 12 requests at
    once; every thread may hold a database connection (PostgreSQL's max_connections)."""
    return cpus + 1


def missing_static_files() -> tuple[int, list[str]]:
    """(how many static files the finders know, the ones not in STATIC_ROOT): what
    `fupin collectstatic` has yet to copy."""
    root = Path(settings.STATIC_ROOT)
    expected: set[str] = set()
    for finder in finders.get_finders():
        for path, storage in finder.list(STATIC_IGNORE):
            prefix = getattr(storage, "prefix", None)
            expected.add(f"{prefix}/{path}" if prefix else path)
    return len(expected), sorted(name for name in expected if not (root / name).is_file())


class JsonLogger(Logger):  # type: ignore[misc]  # gunicorn has no type hints
    """gunicorn's logger with every line as JSON on standard output (error log included),
    and the access log as structured fields (fupin.core.logs.access_fields)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())
                if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stderr:
                    handler.setStream(sys.stdout)

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.access_log_enabled:
            return
        headers = {str(k).lower(): str(v) for k, v in resp.headers}
        status = resp.status_code or int(str(resp.status).split(None, 1)[0])
        duration: dt.timedelta = request_time
        fields = access_fields(
            method=environ.get("REQUEST_METHOD", ""),
            path=environ.get("PATH_INFO", ""),
            query=environ.get("QUERY_STRING", ""),
            status=status,
            duration_ms=duration.total_seconds() * 1000,
            size=getattr(resp, "sent", None),
            remote_addr=environ.get("REMOTE_ADDR", ""),
            forwarded_for=environ.get("HTTP_X_FORWARDED_FOR", ""),
            request_id=headers.get("x-request-id"),
        )
        self.access_log.info(
            "%s %s %s", fields["method"], fields["path"], fields["status"], extra=fields
        )


class Server(BaseApplication):  # type: ignore[misc]  # gunicorn has no type hints
    """gunicorn with its settings given here (no configuration file)."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIHandler:
        # What fupin.wsgi.application is, without its django.setup() (done by the
        # command already; running it again would configure the logs afresh).
        application = WSGIHandler()
        # Loaded in the master before the workers fork: no worker may inherit its
        # database connections.
        connections.close_all()
        return application


class Command(BaseCommand):
    help = (
        "Run fupin under gunicorn, the production server. Workers default to the CPU "
        "count + 1, each with 4 threads. SIGHUP replaces the workers gracefully, SIGTERM "
        "stops after the requests under way. Logs are JSON lines on standard output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        cpus = cpu_count()
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on")
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(cpus),
            help=f"worker processes (default: CPUs + 1 = {default_workers(cpus)})",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=DEFAULT_THREADS,
            help=f"threads per worker (default {DEFAULT_THREADS})",
        )
        parser.add_argument(
            "--allow-debug",
            action="store_true",
            help="start even with DEBUG on (FUPIN_DEBUG=1): never in production",
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        workers: int,
        threads: int,
        allow_debug: bool,
        **options: Any,
    ) -> None:
        if settings.DEBUG and not allow_debug:
            raise CommandError(
                _(
                    "DEBUG is on (FUPIN_DEBUG=1), and its error pages show personal data. "
                    "In production unset FUPIN_DEBUG and set FUPIN_SECRET_KEY; on a test "
                    "machine pass --allow-debug."
                )
            )
        if workers < 1 or threads < 1:
            raise CommandError(_("--workers and --threads must be at least 1."))
        known, missing = missing_static_files()
        if missing:
            raise CommandError(
                _(
                    "%(missing)d of %(known)d static files are not in %(root)s (e.g. "
                    "%(example)s): run `fupin collectstatic --no-input` first, and again "
                    "after every upgrade."
                )
                % {
                    "missing": len(missing),
                    "known": known,
                    "root": settings.STATIC_ROOT,
                    "example": missing[0],
                }
            )
        # The app's own records go to standard output too, next to the access log.
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stderr:
                handler.setStream(sys.stdout)
        connections.close_all()
        Server(
            {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread" if threads > 1 else "sync",
                "preload_app": True,
                "timeout": TIMEOUT_SECONDS,
                "graceful_timeout": GRACEFUL_SECONDS,
                "accesslog": "-",
                "errorlog": "-",
                "loglevel": "info",
                "logger_class": JsonLogger,
                "proc_name": "fupin",
                # No gunicornc control socket (in the home directory, shared by every
                # server of the account): the signals above are the interface.
                "control_socket_disable": True,
                # Proxy headers (X-Forwarded-Proto) only from the proxies the settings
                # trust (FUPIN_TRUSTED_PROXIES), as Django itself reads them.
                "forwarded_allow_ips": ",".join(getattr(settings, "TRUSTED_PROXIES", [])),
            }
        ).run()
