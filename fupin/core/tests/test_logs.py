"""Structured logs (fupin.core.logs): JSON lines with the request id, no personal data."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from conftest import make_id
from fupin.core.logs import JsonFormatter, access_fields, safe_query

ID_NUMBER = make_id()


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """What the root logger writes, formatted as settings.LOGGING formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def records(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_the_settings_format_the_app_logs_as_json():
    formatters = [h.formatter for h in logging.getLogger().handlers]
    assert any(isinstance(f, JsonFormatter) for f in formatters)


@pytest.mark.django_db
def test_a_record_logged_during_a_request_carries_its_request_id(client, lines):
    response = client.get(f"/no-such-page/?q={ID_NUMBER}")
    assert response.status_code == 404
    [line] = [r for r in records(lines) if r["logger"] == "django.request"]
    assert line["request_id"] == response["X-Request-Id"]
    assert line["level"] == "WARNING" and line["status_code"] == 404
    assert "/no-such-page/" in line["message"]
    # Django's record carries the request, whose text holds the query: never written.
    assert ID_NUMBER not in lines.getvalue() and "request" not in line


def test_outside_a_request_the_request_id_is_null(lines):
    logging.getLogger("fupin.test").warning("nightly run done")
    [line] = records(lines)
    assert line["request_id"] is None and line["message"] == "nightly run done"
    assert line["time"].endswith("+08:00")  # local time with its offset


def test_id_numbers_are_masked_in_messages_and_tracebacks(lines):
    log = logging.getLogger("fupin.test")
    log.warning("rejected %s", ID_NUMBER)
    try:
        raise ValueError(f"bad row {ID_NUMBER}")
    except ValueError:
        log.exception("import failed")
    first, second = records(lines)
    assert first["message"] == f"rejected {'*' * 14}{ID_NUMBER[-4:]}"
    assert "ValueError: bad row" in second["exception"]
    assert ID_NUMBER not in lines.getvalue()


def test_json_extras_are_kept_objects_are_not(lines):
    logging.getLogger("fupin.test").warning(
        "x", extra={"rows": 3, "county": "431129", "frame": object()}
    )
    [line] = records(lines)
    assert (line["rows"], line["county"]) == (3, "431129") and "frame" not in line


def test_a_query_keeps_the_values_of_known_parameters_only():
    assert safe_query(f"q={ID_NUMBER}&page=2&status=poor") == "q=*&page=2&status=poor"
    assert safe_query("name=%E5%BC%A0%E4%B8%89&year=2024") == "name=*&year=2024"
    assert safe_query("") == ""


def test_an_access_line_masks_an_id_number_in_its_path():
    fields = access_fields(
        method="GET",
        path=f"/api/v1/people/{ID_NUMBER}/",
        query=f"q={ID_NUMBER}",
        status=404,
        duration_ms=12.345,
        size=10,
        remote_addr="127.0.0.1",
        forwarded_for="",
        request_id=None,
    )
    assert ID_NUMBER not in json.dumps(fields)
    assert fields["duration_ms"] == 12.3 and fields["query"] == "q=*"
