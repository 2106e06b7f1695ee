"""`fupin serve`: a real gunicorn process on the test database (fupin.core.tests.shared_db).

One run goes through a server's life: refused before collectstatic, then started after it;
a signed-in page and a static file served, each with one JSON access line (the page's with
the request id of its X-Request-Id header); SIGHUP replaces the worker while requests keep
being answered; SIGTERM ends the server with status 0. Waits poll with a deadline: no
sleep is an assertion."""

from __future__ import annotations

import http.cookiejar
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fupin.core.management.commands.serve import default_workers, missing_static_files
from fupin.core.tests.shared_db import shared_database

ROOT = Path(__file__).resolve().parents[3]
STATIC_FILE = "/static/web/app.js"
PASSWORD = "serve-Test-password-7"  # a test account
START_SECONDS = 90  # loading Django and forking the workers on a busy 2-core machine
STOP_SECONDS = 60  # GRACEFUL_SECONDS (30) and the interpreter's exit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(database_url: str, var_dir: Path) -> dict[str, str]:
    """Production settings: DEBUG off, a secret key, the DB cache, its own var/."""
    env = dict(os.environ, DATABASE_URL=database_url, FUPIN_VAR_DIR=str(var_dir))
    for name in ("FUPIN_DEBUG", "FUPIN_TEST_DB_NAME", "REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env["FUPIN_SECRET_KEY"] = "serve-test-secret-key-" + "x" * 40
    env["FUPIN_ALLOWED_HOSTS"] = "127.0.0.1"
    return env


class Server:
    """A `fupin serve` process whose standard output is read line by line in a thread."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "fupin.cli", "serve", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def records(self) -> list[dict[str, Any]]:
        """Every JSON line so far (a line that is not JSON fails the test)."""
        while True:
            try:
                self.seen.append(self.lines.get_nowait())
            except queue.Empty:
                break
        return [json.loads(line) for line in self.seen if line.strip()]

    def wait_for(
        self, found: Callable[[dict[str, Any]], bool], seconds: float = 30
    ) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for record in self.records():
                if found(record):
                    return record
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no such log line; the server wrote: {self.seen[-20:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=STOP_SECONDS)


@pytest.fixture
def start_server(tmp_path) -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def start(args: list[str], env: dict[str, str]) -> Server:
        servers.append(Server(args, env))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


class Browser:
    """urllib with cookies; answers of any status are returned, never raised."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def open(self, path: str, data: dict[str, str] | None = None) -> tuple[int, Any, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=30) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()

    def wait_until_up(self, server: Server) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert server.proc.poll() is None, server.records()
            try:
                self.open("/login/")
                return
            except OSError:  # not listening yet
                time.sleep(0.2)
        raise AssertionError("the server did not answer in time")


def start_listening(
    start: Callable[..., Server], args: list[str], env: dict[str, str], attempts: int = 5
) -> tuple[Server, int]:
    """`fupin serve` on a free port, and the port. A port is free when picked, not always
    when gunicorn binds it: if another process took it in between, gunicorn cannot bind
    and exits, and another port is tried. The caller talks to the port only once this
    server has said that it listens there, so never to another process on that port."""
    for _ in range(attempts):
        port = free_port()
        server = start([*args, "--port", str(port)], env)
        listening = f"Listening at: http://127.0.0.1:{port} "
        try:
            server.wait_for(lambda r, text=listening: text in r.get("message", ""), START_SECONDS)
        except AssertionError:
            if server.proc.poll() is None:  # running, but not listening: a real failure
                raise
            continue  # it could not bind: the port was taken
        return server, port
    raise AssertionError(f"no free port in {attempts} attempts")


def access_line(server: Server, request_id: str) -> dict[str, Any]:
    return server.wait_for(
        lambda r: r.get("logger") == "gunicorn.access" and r.get("request_id") == request_id
    )


@pytest.mark.django_db(transaction=True)
def test_serve_runs_the_app_replaces_workers_on_hup_and_stops_on_term(
    users, settings, tmp_path, start_server
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    user = users["county"]
    user.set_password(PASSWORD)
    user.save()
    var_dir = tmp_path / "var"
    with shared_database(tmp_path) as database_url:
        env = server_env(database_url, var_dir)
        args = ["--workers", "1", "--threads", "2"]

        # Before collectstatic: refused, with the command to run.
        refused = subprocess.run(
            [sys.executable, "-m", "fupin.cli", "serve", *args, "--port", str(free_port())],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=START_SECONDS,
        )
        assert refused.returncode == 1 and "fupin collectstatic" in refused.stderr

        subprocess.run(
            [sys.executable, "-m", "fupin.cli", "collectstatic", "--no-input", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=120,
        )
        server, port = start_listening(start_server, args, env)
        browser = Browser(f"http://127.0.0.1:{port}")
        browser.wait_until_up(server)

        # A signed-in page: the session and the user come from the test database.
        status, _headers, page = browser.open("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert status == 200 and token
        status, headers, page = browser.open(
            "/login/?next=/",
            {"csrfmiddlewaretoken": token.group(1), "username": "county", "password": PASSWORD},
        )
        assert status == 200, page  # redirected to the home page, signed in
        assert "county" in page
        request_id = headers["X-Request-Id"]
        line = access_line(server, request_id)
        assert (line["method"], line["path"], line["status"]) == ("GET", "/", 200)
        assert line["duration_ms"] >= 0 and line["level"] == "INFO"

        # A search's text never reaches the log; paging does.
        status, headers, _ = browser.open("/households/?q=431129198001011234&page=1")
        line = access_line(server, headers["X-Request-Id"])
        assert line["query"] == "q=*&page=1"
        assert "431129198001011234" not in "".join(server.seen)

        # A static file, from STATIC_ROOT (WhiteNoise).
        status, headers, body = browser.open(STATIC_FILE)
        assert status == 200 and body == (var_dir / "static/web/app.js").read_text()
        server.wait_for(lambda r: r.get("path") == STATIC_FILE and r.get("status") == 200)

        # SIGHUP: a new worker takes over; every request meanwhile is answered.
        old_worker = line["process"]
        server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + START_SECONDS
        new_worker = old_worker
        while new_worker == old_worker:
            assert time.monotonic() < deadline, "no new worker after SIGHUP"
            status, headers, _ = browser.open("/login/")
            assert status in (200, 302)
            new_worker = access_line(server, headers["X-Request-Id"])["process"]
        assert new_worker != server.proc.pid  # a worker, not the master

        # SIGTERM: a graceful stop, status 0.
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=STOP_SECONDS) == 0
        assert server.wait_for(lambda r: r.get("message") == "Shutting down: Master")


def test_the_default_workers_follow_the_cpu_count():
    assert [default_workers(n) for n in (1, 2, 8)] == [2, 3, 9]


def test_serve_refuses_debug_unless_allowed(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="--allow-debug"):
        call_command("serve")


def test_serve_refuses_uncollected_static_files(settings, tmp_path):
    settings.STATIC_ROOT = str(tmp_path / "empty")
    known, missing = missing_static_files()
    assert known > 0 and len(missing) == known
    with pytest.raises(CommandError, match="collectstatic"):
        call_command("serve", "--port", str(free_port()))


def test_a_partly_collected_static_root_is_refused_too(settings, tmp_path):
    root = tmp_path / "full"
    settings.STATIC_ROOT = str(root)
    call_command("collectstatic", "--no-input", verbosity=0)
    known, missing = missing_static_files()
    assert missing == [], missing[:3]
    settings.STATIC_ROOT = str(tmp_path / "partial")
    (tmp_path / "partial/web").mkdir(parents=True)
    (tmp_path / "partial/web/app.js").write_bytes((root / "web/app.js").read_bytes())
    known, missing = missing_static_files()
    assert "web/app.js" not in missing and len(missing) == known - 1
    with pytest.raises(CommandError, match="collectstatic"):
        call_command("serve", "--port", str(free_port()))
