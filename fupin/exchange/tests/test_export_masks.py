"""Exports and import reports (issue 14): a role that may not reveal gets ID numbers with
their last four characters and birth years only, and cannot read a report of full rows;
a role that may reveal gets full values, each export or report download one logged read
(SensitiveRead) with the number of values."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from conftest import HOUSEHOLD_DATA, VILLAGE, make_id
from fupin.core.models import SensitiveRead
from fupin.exchange.models import ExchangeRun
from fupin.exchange.tests.test_pages import (
    BAD_ID,
    GOOD_ID,
    HOUSEHOLD,
    MEMBER,
    _exchange_settings,  # noqa: F401 (autouse)
    csv_zip,
    finished_run,
    upload,
)

pytestmark = pytest.mark.django_db

HEAD_ID = make_id()
FIRST14 = HEAD_ID[:14]
PHONE = HOUSEHOLD_DATA["phone"]
ACCOUNT = HOUSEHOLD_DATA["bank_account"]
# The household's phone and bank account, the head's ID number and birth date.
FULL_VALUES = 4


@pytest.fixture
def login(client, users):
    def _login(name):
        client.force_login(users[name])
        return client

    return _login


def _text_of(response, fmt: str) -> str:
    data = b"".join(response.streaming_content)
    if fmt == "csv":
        archive = zipfile.ZipFile(io.BytesIO(data))
        return "\n".join(archive.read(n).decode("utf-8-sig") for n in archive.namelist())
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    cells = []
    for ws in book.worksheets:
        for row in ws.iter_rows(values_only=True):
            cells.extend(str(v) for v in row if v is not None)
    return "\n".join(cells)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_department_export_is_masked_and_cannot_rebuild_a_number(login, household, fmt):
    response = login("department").post(
        reverse("exchange:export"), {"area": VILLAGE, "format": fmt}
    )
    assert response.status_code == 200
    text = _text_of(response, fmt)
    assert HEAD_ID not in text and FIRST14 not in text
    assert "1980-01-01" not in text and "19800101" not in text
    assert PHONE not in text and ACCOUNT not in text
    assert "*" * 14 + HEAD_ID[-4:] in text
    assert "1980" in text  # the birth year
    assert not SensitiveRead.objects.exists()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_village_export_has_full_values_and_is_one_logged_read(login, household, users, fmt):
    response = login("village").post(reverse("exchange:export"), {"area": VILLAGE, "format": fmt})
    assert response.status_code == 200
    text = _text_of(response, fmt)
    assert HEAD_ID in text and "1980-01-01" in text and PHONE in text
    run = ExchangeRun.objects.get(direction=ExchangeRun.Direction.EXPORT)
    read = SensitiveRead.objects.get()
    assert (read.user, read.object_type, read.object_id) == (
        users["village"],
        "exchange.export",
        str(run.pk),
    )
    assert read.count == FULL_VALUES and read.area_code == VILLAGE and read.channel == "web"


def test_export_command_logs_the_read(household, users, tmp_path):
    out = tmp_path / "book.xlsx"
    call_command(
        "export_registry", area=VILLAGE, out=str(out), user="village", stdout=io.StringIO()
    )
    read = SensitiveRead.objects.get()
    assert read.channel == "command" and read.count == FULL_VALUES
    call_command(
        "export_registry",
        area=VILLAGE,
        out=str(tmp_path / "m.xlsx"),
        user="department",
        stdout=io.StringIO(),
    )
    assert SensitiveRead.objects.count() == 1  # a masked export reveals nothing


def test_empty_template_is_not_a_read(login, household):
    response = login("village").post(
        reverse("exchange:export"), {"area": VILLAGE, "format": "xlsx", "template": "on"}
    )
    assert response.status_code == 200
    assert not SensitiveRead.objects.exists()


def test_report_of_full_rows_refused_without_reveal_even_to_its_own_user(login, users, settings):
    client = login("village")
    members = [MEMBER, dict(MEMBER, id_number=BAD_ID, name="李桂花", relation="配偶")]
    run = finished_run(
        client, upload(client, csv_zip([dict(HOUSEHOLD, household_size="2")], members), "b.zip")
    )
    url = reverse("exchange:run_report", args=[run.pk])
    # The run's page masks the rejected value for everyone.
    assert BAD_ID not in client.get(reverse("exchange:run_detail", args=[run.pk])).content.decode()
    # Its own user, had the role no right to reveal, may not read the full rows.
    run.user = users["department"]
    run.save(update_fields=["user"])
    assert login("department").get(url).status_code == 403
    assert not SensitiveRead.objects.exists()
    response = login("village").get(url)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    cells = {
        str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
    }
    assert BAD_ID in cells  # the report keeps the full rows
    read = SensitiveRead.objects.get()
    assert read.object_type == "exchange.report" and read.object_id == str(run.pk)
    expected = run.summary.get("errors_total", 0) + run.summary.get("warnings_total", 0)
    assert read.count == max(expected, 1) and read.count >= 1


def test_run_page_shows_no_birth_date_to_a_role_without_reveal(login, users):
    # GOOD_ID of the import tests says 1970-03-05; the row says another day.
    client = login("village")
    row = dict(MEMBER, birth_date="1970-04-05")
    run = finished_run(client, upload(client, csv_zip([HOUSEHOLD], [row]), "d.zip"))
    page = client.get(reverse("exchange:run_detail", args=[run.pk])).content.decode()
    assert "1970-03-05" in page  # a reveal role reads the reason in full
    page = login("department").get(reverse("exchange:run_detail", args=[run.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "1970-03-05" not in body and "1970-04-05" not in body
    assert GOOD_ID not in body and GOOD_ID[:14] not in body
