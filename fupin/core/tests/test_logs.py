"""Structured logs (fupin.core.logs): JSON lines with the request id, no personal data."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.db import IntegrityError, connection

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


PHONE = "13807461234"
LANDLINE = "0731-84561234"
BANK_ACCOUNT = "6222021234567890123"  # 19 digits


@pytest.mark.parametrize(
    ("secret", "shown"),
    [
        (ID_NUMBER, f"{'*' * 14}{ID_NUMBER[-4:]}"),
        (PHONE, "138****1234"),
        (f"+86 {PHONE}", "+86********1234"),
        (LANDLINE, "073******1234"),
        (BANK_ACCOUNT, "6222***********0123"),
        ("6222 0212 3456 7890", "6222***********7890"),
    ],
)
def test_personal_numbers_are_masked_in_messages_and_tracebacks(lines, secret, shown):
    log = logging.getLogger("fupin.test")
    log.warning("rejected %s.", secret)
    try:
        raise ValueError(f"bad row ({secret})")
    except ValueError:
        log.exception("import failed")
    first, second = records(lines)
    assert first["message"] == f"rejected {shown}."
    assert f"ValueError: bad row ({shown})" in second["exception"]
    assert secret not in lines.getvalue()


def test_dates_times_uuids_row_ids_and_division_codes_are_kept(lines):
    message = (
        "run 2026-12-07 08:11:10.123+08:00 (20261207) request 1f0c3a52-1234-4abc-9def-"
        "123456789012 task 0123456789abcdef0123456789abcdef row 4211 village 431129101201 "
        "county 431129 at 1733556000000"
    )
    logging.getLogger("fupin.test").warning(message)
    [line] = records(lines)
    assert line["message"] == message


def test_postgres_detail_lines_hide_the_row_values(lines):
    # The text of psycopg's IntegrityError: the values may be a name as well as a number.
    error = (
        'duplicate key value violates unique constraint "registry_person_phone_key"\n'
        f"DETAIL:  Key (phone)=({PHONE}) already exists.\n"
        'null value in column "sex" violates not-null constraint\n'
        f"DETAIL:  Failing row contains (7, 张三, {ID_NUMBER}, null, (a)).\n"
        'insert or update on table "x" violates foreign key constraint "y"\n'
        'DETAIL:  Key (household_id)=(12) is not present in table "registry_household".'
    )
    try:
        raise RuntimeError(error)
    except RuntimeError:
        logging.getLogger("fupin.test").exception("save failed: %s", error)
    [line] = records(lines)
    for text in (line["message"], line["exception"]):
        assert "DETAIL:  Key (phone)=(*) already exists." in text
        assert "DETAIL:  Failing row contains (*)." in text
        assert 'Key (household_id)=(*) is not present in table "registry_household".' in text
        assert "张三" not in text and PHONE not in text and ID_NUMBER[:14] not in text


@pytest.mark.django_db(transaction=True)
def test_a_real_integrity_error_reaches_the_log_without_the_value(lines):
    """Whichever database runs the tests: its own IntegrityError text, logged."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE logmask_t (phone varchar(20) UNIQUE)")
        try:
            cursor.execute("INSERT INTO logmask_t VALUES (%s)", [PHONE])
            try:
                cursor.execute("INSERT INTO logmask_t VALUES (%s)", [PHONE])
            except IntegrityError:
                logging.getLogger("fupin.test").exception("save failed")
        finally:
            cursor.execute("DROP TABLE logmask_t")
    [line] = records(lines)
    assert "IntegrityError" in line["exception"]
    if connection.vendor == "postgresql":  # SQLite's message names the column only
        assert "DETAIL:  Key (phone)=(*) already exists." in line["exception"]
    assert PHONE not in lines.getvalue()


def test_gunicorns_invalid_request_line_keeps_no_query_value(lines):
    logging.getLogger("gunicorn.error").warning(
        "Invalid request from ip=10.0.0.9: Invalid HTTP request line: "
        "'GET /households/?q=%E5%BC%A0%E4%B8%89&page=2&%E6%9D%8E HTTP/1.1'"
    )
    [line] = records(lines)
    assert "'GET /households/?q=*&page=2&*=* HTTP/1.1'" in line["message"]
    assert "%E5" not in line["message"] and "%E6" not in line["message"]
