"""Import and export pages: export downloads, uploads run as background jobs (inline
here: FUPIN_IMPORT_SYNC), progress by token, run pages and reports, all in scope."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from conftest import NEIGHBOUR, VILLAGE, make_id
from fupin.core.models import Job
from fupin.exchange import jobs
from fupin.exchange import layout as L
from fupin.exchange.export import export_registry
from fupin.exchange.models import ExchangeRun
from fupin.registry.models import Household, Member

pytestmark = pytest.mark.django_db

NUMBER = VILLAGE + "0901"
GOOD_ID = make_id(birth="19700305", seq="211")
BAD_ID = GOOD_ID[:-1] + ("0" if GOOD_ID[-1] != "0" else "1")  # wrong check character

HOUSEHOLD = {
    "household_number": NUMBER,
    "village_code": VILLAGE,
    "group_name": "三组",
    "address": "大坪村三组5号",
    "household_size": "1",
    "category": "一般贫困户",
    "standard": "国家标准",
    "main_cause": "因病",
    "status": "待识别",
    "housing_safe": "是",
    "water_safe": "是",
}
MEMBER = {
    "household_number": NUMBER,
    "id_number": GOOD_ID,
    "name": "赵大山",
    "ethnicity": "瑶族",
    "relation": "户主",
    "education": "初中",
    "health": "健康",
    "labour": "普通劳动力",
}


@pytest.fixture(autouse=True)
def _exchange_settings(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.FUPIN_IMPORT_SYNC = True
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def login(client, users):
    def _login(name):
        client.force_login(users[name])
        return client

    return _login


def csv_zip(households: list[dict], members: list[dict]) -> bytes:
    """The households and members sheets as two CSV files (Chinese headers) in a zip."""
    out = io.BytesIO()
    with translation.override("zh-hans"), zipfile.ZipFile(out, "w") as archive:
        for sheet, rows in ((L.HOUSEHOLDS, households), (L.MEMBERS, members)):
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow([str(c.header) for c in sheet.columns])
            for row in rows:
                writer.writerow([row.get(c.code, "") for c in sheet.columns])
            archive.writestr(f"dapingcun.{sheet.key}.csv", text.getvalue().encode("utf-8-sig"))
    return out.getvalue()


def upload(client, content: bytes, name: str, **data):
    fields = {"mode": ExchangeRun.Mode.UPSERT, **data}
    fields["file"] = SimpleUploadedFile(name, content)
    return client.post(reverse("exchange:import"), fields)


def run_of(response) -> str:
    """The progress page an upload led to."""
    assert response.status_code == 302, response.content[:2000]
    progress = response["Location"]
    assert progress.startswith("/exchange/progress/")
    return progress


def finished_run(client, response) -> ExchangeRun:
    """The run an upload led to: upload → progress page → run page."""
    progress = run_of(response)
    page = client.get(progress)
    assert page.status_code == 302
    run_url = page["Location"]
    assert run_url.startswith("/exchange/runs/")
    return ExchangeRun.objects.get(pk=int(run_url.rstrip("/").rsplit("/", 1)[1]))


# ------------------------------------------------------------------ the page


def test_page_renders_for_village_staff_with_both_forms(login, household):
    response = login("village").get(reverse("exchange:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'action="/exchange/export/"' in html
    assert 'action="/exchange/import/"' in html
    assert f'value="{VILLAGE}"' in html  # the user's own village is the area to export
    assert NEIGHBOUR not in html
    assert reverse("exchange:index") in login("village").get(reverse("home")).content.decode()


def test_department_user_sees_export_only_and_cannot_import(login, household):
    client = login("department")
    html = client.get(reverse("exchange:index")).content.decode()
    assert 'action="/exchange/export/"' in html
    assert 'action="/exchange/import/"' not in html
    response = upload(client, csv_zip([HOUSEHOLD], [MEMBER]), "book.zip")
    assert response.status_code == 403
    assert not ExchangeRun.objects.filter(direction=ExchangeRun.Direction.IMPORT).exists()
    assert not Household.objects.filter(number=NUMBER).exists()


def test_page_needs_login(client, users):
    response = client.get(reverse("exchange:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# ------------------------------------------------------------------ export


def test_export_downloads_xlsx_with_the_households_number(login, household, neighbour_household):
    response = login("village").post(
        reverse("exchange:export"), {"area": VILLAGE, "format": "xlsx"}
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert ".xlsx" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    with translation.override("zh-hans"):
        sheet = book[str(L.HOUSEHOLDS.title)]
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert numbers == [household.number]
    run = ExchangeRun.objects.get(direction=ExchangeRun.Direction.EXPORT)
    assert run.area_code == VILLAGE and run.summary["rows"]["households"] == 1


def test_export_csv_is_a_zip_of_three_files(login, household):
    response = login("village").post(reverse("exchange:export"), {"area": VILLAGE, "format": "csv"})
    assert response.status_code == 200
    assert ".zip" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = sorted(archive.namelist())
    assert [n.rsplit(".", 2)[1] for n in names] == ["households", "incomes", "members"]
    households = next(n for n in names if ".households." in n)
    assert household.number in archive.read(households).decode("utf-8-sig")


def test_empty_template_has_no_rows(login, household):
    response = login("village").post(
        reverse("exchange:export"), {"area": VILLAGE, "format": "xlsx", "template": "on"}
    )
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    with translation.override("zh-hans"):
        sheet = book[str(L.HOUSEHOLDS.title)]
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == []


def test_export_of_a_neighbours_village_is_not_found(login, household, neighbour_household):
    response = login("village").post(
        reverse("exchange:export"), {"area": NEIGHBOUR, "format": "xlsx"}
    )
    assert response.status_code == 404
    assert not ExchangeRun.objects.exists()


def test_export_needs_post(login, household):
    assert login("village").get(reverse("exchange:export")).status_code == 405


# ------------------------------------------------------------------ import


def test_upload_of_a_valid_file_creates_the_run_and_shows_its_counts(login, users):
    client = login("village")
    response = upload(client, csv_zip([HOUSEHOLD], [MEMBER]), "大坪村.zip")
    run = finished_run(client, response)
    assert run.status == ExchangeRun.Status.DONE
    assert run.file_name == "大坪村.zip" and run.user == users["village"]
    assert run.area_code == VILLAGE
    assert len(run.file_sha256) == 64
    assert run.summary["households"]["created"] == 1
    assert run.summary["members"]["created"] == 1
    assert run.summary["errors"] == []
    assert Member.objects.get(id_number=GOOD_ID).household.number == NUMBER

    page = client.get(reverse("exchange:run_detail", args=[run.pk]))
    assert page.status_code == 200
    rows = {s.title: s for s in page.context["sheets"]}
    with translation.override("zh-hans"):
        assert rows[str(L.HOUSEHOLDS.title)].created == 1
        assert rows[str(L.MEMBERS.title)].read == 1
    html = page.content.decode()
    assert run.file_sha256 in html and "大坪村.zip" in html
    # The uploaded file is not kept; the report is.
    assert not any((jobs.exchange_dir("uploads")).iterdir())
    assert Path(run.report_path).is_file()


def test_upload_asking_for_a_status_creates_a_candidate_and_reports_the_cell(login, users):
    client = login("village")
    asked = dict(HOUSEHOLD, status="未脱贫", status_year="2016")
    run = finished_run(client, upload(client, csv_zip([asked], [MEMBER]), "b.zip"))
    assert run.status == ExchangeRun.Status.DONE
    assert run.summary["households"]["created"] == 1
    h = Household.objects.get(number=NUMBER)
    assert h.status == "candidate"
    with translation.override("zh-hans"):
        status_header = str(L.HOUSEHOLDS.column("status").header)
    cells = {e[2]: e[4] for e in run.summary["errors"]}
    assert status_header in cells and "纳入" in cells[status_header]
    page = client.get(reverse("exchange:run_detail", args=[run.pk]))
    assert status_header in page.content.decode()


def test_history_page_of_an_imported_household_shows_the_imported_values(login, users):
    client = login("village")
    run = finished_run(client, upload(client, csv_zip([HOUSEHOLD], [MEMBER]), "a.zip"))
    assert run.summary["members"]["created"] == 1
    member = Member.objects.get(id_number=GOOD_ID)
    page = client.get(reverse("household_history", args=[member.household_id]))
    assert page.status_code == 200
    created = {r.object_type: r for r in page.context["records"] if r.action == "create"}
    # The import keeps each creation's state once; the page still lists its values.
    member_lines = {ch.label: ch.new for ch in created["registry.member"].field_changes}
    assert member.name in member_lines.values()
    assert "a.zip" in created["registry.member"].reason
    html = page.content.decode()
    assert member.name in html and member.household.address in html


def test_round_trip_of_an_exported_xlsx_changes_nothing(login, users, household, tmp_path):
    path = tmp_path / "export.xlsx"
    export_registry(actor=users["village"], area_code=VILLAGE, path=path)
    client = login("village")
    run = finished_run(client, upload(client, path.read_bytes(), "export.xlsx"))
    assert run.status == ExchangeRun.Status.DONE
    assert run.summary["households"] == {
        "read": 1,
        "created": 0,
        "updated": 0,
        "unchanged": 1,
        "rejected": 0,
    }


def test_a_bad_row_shows_its_row_and_reason_and_the_report_downloads(login, users):
    client = login("village")
    members = [MEMBER, dict(MEMBER, id_number=BAD_ID, name="李桂花", relation="配偶")]
    run = finished_run(
        client, upload(client, csv_zip([dict(HOUSEHOLD, household_size="2")], members), "b.zip")
    )
    assert run.summary["members"]["rejected"] >= 1
    errors = run.summary["errors"]
    bad = [e for e in errors if e[1] == 3 and "members" in e[0]]
    assert bad, errors
    sheet, row, column, value, reason = bad[0]
    assert sheet == "b.members.csv"  # the uploaded name, not the stored one
    with translation.override("zh-hans"):
        assert column == str(L.MEMBERS.column("id_number").header)
    assert reason
    assert value != BAD_ID and value.endswith(BAD_ID[-4:])  # masked on the page

    html = client.get(reverse("exchange:run_detail", args=[run.pk])).content.decode()
    assert f'<td class="num">{row}</td>' in html
    assert reason in html
    assert BAD_ID not in html
    assert reverse("exchange:run_report", args=[run.pk]) in html

    report = client.get(reverse("exchange:run_report", args=[run.pk]))
    assert report.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content)), read_only=True)
    with translation.override("zh-hans"):
        from django.utils.translation import gettext

        rejected = book[gettext("Rejected rows")]
    rows = list(rejected.iter_rows(min_row=2, values_only=True))
    assert any(r[1] == 3 and r[3] == BAD_ID for r in rows)  # the report keeps the value


def test_all_or_nothing_and_dry_run_write_nothing(login, users):
    client = login("village")
    members = [MEMBER, dict(MEMBER, id_number=BAD_ID, name="李桂花", relation="配偶")]
    content = csv_zip([dict(HOUSEHOLD, household_size="2")], members)
    run = finished_run(
        client, upload(client, content, "a.zip", mode=ExchangeRun.Mode.ALL_OR_NOTHING)
    )
    assert run.status == ExchangeRun.Status.REFUSED
    run = finished_run(
        client, upload(client, csv_zip([HOUSEHOLD], [MEMBER]), "d.zip", dry_run="on")
    )
    assert run.status == ExchangeRun.Status.CHECKED and run.dry_run
    assert not Household.objects.filter(number=NUMBER).exists()


def test_unreadable_upload_is_refused_by_the_form(login, users):
    client = login("village")
    response = upload(client, b"not a workbook", "notes.txt")
    assert response.status_code == 422
    assert response.context["import_form"].errors["file"]
    response = upload(client, b"PK-not-a-zip", "book.zip")
    assert response.status_code == 422
    assert not ExchangeRun.objects.exists()


def test_another_user_cannot_see_the_progress_of_someone_elses_token(login, users, client):
    client = login("village")
    progress = run_of(upload(client, csv_zip([HOUSEHOLD], [MEMBER]), "p.zip"))
    token = progress.rstrip("/").rsplit("/", 1)[1]
    data = client.get(reverse("exchange:progress_json", args=[token])).json()
    run = ExchangeRun.objects.get(direction=ExchangeRun.Direction.IMPORT)
    assert data["url"] == reverse("exchange:run_detail", args=[run.pk])
    assert data["fraction"] == 1.0 and data["failed"] is False

    other = login("township")
    assert other.get(reverse("exchange:progress", args=[token])).status_code == 404
    assert other.get(reverse("exchange:progress_json", args=[token])).status_code == 404
    unknown = "0" * 32
    assert other.get(reverse("exchange:progress_json", args=[unknown])).status_code == 404


def test_progress_page_shows_the_bar_while_the_import_runs(login, users):
    token = "a" * 32
    Job.objects.create(
        key=jobs.job_key(token), user=users["village"], phase="validate", fraction=0.3
    )
    page = login("village").get(reverse("exchange:progress", args=[token]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<progress" in html and "exchange/progress.js" in html
    assert reverse("exchange:progress_json", args=[token]) in html
    data = login("village").get(reverse("exchange:progress_json", args=[token])).json()
    assert data["url"] is None and data["fraction"] == 0.3 and data["label"]


# ------------------------------------------------------------------ runs in scope


def test_run_page_outside_the_area_is_not_found(login, users, household):
    neighbour = login("neighbour")
    content = csv_zip(
        [dict(HOUSEHOLD, household_number=NEIGHBOUR + "0901", village_code=NEIGHBOUR)],
        [dict(MEMBER, household_number=NEIGHBOUR + "0901")],
    )
    run = finished_run(neighbour, upload(neighbour, content, "n.zip"))
    assert run.area_code == NEIGHBOUR and run.report_path

    village = login("village")
    assert village.get(reverse("exchange:run_detail", args=[run.pk])).status_code == 404
    assert village.get(reverse("exchange:run_report", args=[run.pk])).status_code == 404
    assert run.pk not in [r.run.pk for r in village.get(reverse("exchange:index")).context["runs"]]
    # The township above both villages sees it.
    township = login("township")
    assert township.get(reverse("exchange:run_detail", args=[run.pk])).status_code == 200
    assert run.pk in [r.run.pk for r in township.get(reverse("exchange:index")).context["runs"]]


def test_recent_runs_show_an_imports_totals_and_an_exports_rows(login, household):
    client = login("village")
    imported = finished_run(client, upload(client, csv_zip([HOUSEHOLD], [MEMBER]), "book.zip"))
    client.post(reverse("exchange:export"), {"area": VILLAGE, "format": "xlsx"})
    exported = ExchangeRun.objects.get(direction=ExchangeRun.Direction.EXPORT)
    page = client.get(reverse("exchange:index"), HTTP_ACCEPT_LANGUAGE="en")
    rows = {r.run.pk: r for r in page.context["runs"]}
    total = jobs.sheet_rows(imported)[-1]
    assert rows[imported.pk].total == total and (total.read, total.created) == (2, 2)
    households = Household.objects.filter(village_id=VILLAGE).count()
    members = Member.objects.filter(household__village_id=VILLAGE).count()
    assert rows[exported.pk].exported == households + members
    numbers = re.findall(r'<td class="num">([^<]*)</td>', page.content.decode())
    # Newest first: the export (its rows only), then the import (its totals only).
    assert numbers == [*"—" * 5, str(households + members), "2", "2", "0", "0", "0", "—"]


def test_report_needs_a_role_that_may_see_full_values(login, users):
    village = login("village")
    run = finished_run(village, upload(village, csv_zip([HOUSEHOLD], [MEMBER]), "r.zip"))
    department = login("department")
    page = department.get(reverse("exchange:run_detail", args=[run.pk]))
    assert page.status_code == 200
    assert reverse("exchange:run_report", args=[run.pk]) not in page.content.decode()
    assert department.get(reverse("exchange:run_report", args=[run.pk])).status_code == 403


# ------------------------------------------------------------------ the queue


@pytest.mark.django_db(transaction=True)
def test_without_sync_setting_the_import_waits_in_the_queue_for_the_worker(client, users, settings):
    settings.FUPIN_IMPORT_SYNC = False
    client.force_login(users["village"])
    progress = run_of(upload(client, csv_zip([HOUSEHOLD], [MEMBER]), "t.zip"))
    token = progress.rstrip("/").rsplit("/", 1)[1]
    data = client.get(reverse("exchange:progress_json", args=[token])).json()
    assert data["phase"] == "queued" and data["url"] is None
    assert not ExchangeRun.objects.exists()
    call_command("worker", "--batch", "--no-schedule")
    data = client.get(reverse("exchange:progress_json", args=[token])).json()
    assert data["url"], data
    run = ExchangeRun.objects.get(direction=ExchangeRun.Direction.IMPORT)
    assert run.status == ExchangeRun.Status.DONE
    assert Household.objects.filter(number=NUMBER).exists()
