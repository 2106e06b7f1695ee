"""Reports: an Excel workbook of the standard tables and a PDF summary with charts, made
by a background job whose progress reaches the end; downloads scoped and recorded."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from conftest import VILLAGE
from fupin.core.models import Job
from fupin.dashboards import reports
from fupin.dashboards.excel import LEVEL_SHEETS
from fupin.dashboards.models import ReportDownload, ReportRun, ReportStatus
from fupin.geo.models import Level
from fupin.indicators.definitions import DEFINITIONS
from fupin.indicators.selectors import figures

from .conftest import COUNTY, TOWNSHIP

pytestmark = pytest.mark.django_db


def _make(client, code, kind, language="zh-hans"):
    year = timezone.localdate().year
    response = client.post(
        reverse("dashboards:report_start", args=[code]),
        {"kind": kind, "year": year},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 302, response.content
    run = ReportRun.objects.latest("id")
    assert response["Location"] == reverse("dashboards:report", args=[run.pk])
    return run


def _download(client, run) -> bytes:
    response = client.get(reverse("dashboards:report_download", args=[run.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_excel_report_has_the_standard_tables(login, registry):
    client = login("county")
    run = _make(client, COUNTY, "xlsx", language="en")
    assert run.status == ReportStatus.FINISHED, run.message
    book = openpyxl.load_workbook(io.BytesIO(_download(client, run)))
    assert book.sheetnames == ["Summary", "By township", "By village", "Trend"]
    node, *_rest = figures(COUNTY, depth=1)
    summary = {row[0]: row[2] for row in book["Summary"].iter_rows(values_only=True) if row[0]}
    assert "江华瑶族自治县" in book["Summary"]["A1"].value
    for code in ("registered_people", "poor_people", "exited_households", "poverty_incidence"):
        assert summary[code] == pytest.approx(node.values[code]), code
    assert summary["registered_people"] == 7
    # One row per township with every figure, and the county's total at the bottom.
    rows = list(book["By township"].iter_rows(values_only=True))
    codes = list(DEFINITIONS)
    col = 2 + codes.index("registered_people")
    by_code = {r[0]: r for r in rows[1:] if r[0]}
    for child in figures(COUNTY, depth=1)[1:]:
        assert by_code[child.code][col] == child.values["registered_people"]
    assert rows[-1][col] == 7
    villages = list(book["By village"].iter_rows(values_only=True))
    assert {r[1] for r in villages[1:-1]} == {VILLAGE, "431129100202", "431129103201"}


def test_each_level_of_children_has_its_own_sheet_name():
    """A province's workbook lists its prefectures on a sheet named for them (it said
    "By county", as a prefecture's did)."""
    for language, prefecture in (("en", "By prefecture"), ("zh-hans", "分市州")):
        with translation.override(language):
            names = {level: str(name()) for level, name in LEVEL_SHEETS.items()}
        assert names[Level.PREFECTURE] == prefecture
        assert len(set(names.values())) == len(names), names


def test_pdf_report_names_the_area_and_its_figures(login, registry):
    client = login("township")
    run = _make(client, TOWNSHIP, "pdf")
    assert run.status == ReportStatus.FINISHED, run.message
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(_download(client, run))).pages)
    assert "沱江镇" in text
    node = figures(TOWNSHIP, depth=0)[0]
    assert f"{node.values['poverty_incidence']:.2f}" in text
    assert "大坪村" in text and "清塘村" in text


def test_report_progress_reaches_finished_and_downloads_are_recorded(login, registry, users):
    client = login("county")
    run = _make(client, COUNTY, "xlsx")
    state = client.get(reverse("dashboards:report_progress", args=[run.pk])).json()
    assert state["phase"] == "finished" and state["fraction"] == 1.0 and not state["failed"]
    assert state["url"] == reverse("dashboards:report_download", args=[run.pk])
    # The job's row ends finished, and belongs to who asked.
    job = Job.objects.get(key=reports.job_key(run.pk))
    assert job.phase == "finished" and job.finished_at and job.user_id == users["county"].pk
    assert client.get(reverse("dashboards:report", args=[run.pk])).status_code == 200
    _download(client, run)
    _download(client, run)
    log = ReportDownload.objects.filter(run=run)
    assert log.count() == 2 and {d.user_name for d in log} == {"county"}


def test_reports_are_scoped(login, registry):
    run = _make(login("county"), COUNTY, "xlsx")
    for user in ("village", "township", "other_county"):
        client = login(user)
        for name in (
            "dashboards:report",
            "dashboards:report_download",
            "dashboards:report_progress",
        ):
            assert client.get(reverse(name, args=[run.pk])).status_code == 404
        listing = client.get(reverse("dashboards:report_list")).content.decode()
        assert reverse("dashboards:report", args=[run.pk]) not in listing
    assert not ReportDownload.objects.exists()


def test_a_failed_report_says_so(login, registry, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("fupin.dashboards.excel.write_workbook", broken)
    client = login("county")
    run = _make(client, COUNTY, "xlsx")
    assert run.status == ReportStatus.FAILED and "disk full" in run.message
    assert client.get(reverse("dashboards:report_progress", args=[run.pk])).json()["failed"]
    assert client.get(reverse("dashboards:report_download", args=[run.pk])).status_code == 404


def test_a_bad_year_is_refused_with_a_message(login, registry):
    client = login("county")
    response = client.post(
        reverse("dashboards:report_start", args=[COUNTY]),
        {"kind": "xlsx", "year": 1990},
        follow=True,
    )
    assert response.status_code == 200
    assert not ReportRun.objects.exists()
    assert (
        "2026" in response.content.decode()
        or str(timezone.localdate().year) in response.content.decode()
    )


@pytest.mark.django_db(transaction=True)
def test_a_report_waits_in_the_queue_and_the_worker_runs_it_to_the_end(client, registry, settings):
    """The real path: the request returns at once with the report queued; `fupin worker`
    writes the file and its progress; the progress JSON reaches "finished"."""
    settings.FUPIN_REPORT_SYNC = False
    client.force_login(registry["county"])
    run = _make(client, COUNTY, "pdf")
    url = reverse("dashboards:report_progress", args=[run.pk])
    state = client.get(url).json()
    assert state["phase"] == "queued" and not state["failed"]
    call_command("worker", "--batch", "--no-schedule")
    state = client.get(url).json()
    assert state["phase"] == "finished", state
    assert _download(client, run)[:5] == b"%PDF-"


def test_wiping_the_demo_forgets_reports_and_kept_years(login, registry, settings):
    from fupin.dashboards import demo
    from fupin.dashboards.models import YearFigures

    run = _make(login("county"), COUNTY, "xlsx")
    YearFigures.objects.create(area_code=COUNTY, as_of="2024-12-31", values={"x": 1})
    demo.wipe_demo()
    assert not ReportRun.objects.exists() and not YearFigures.objects.exists()
    assert not (settings.VAR_DIR / "reports" / f"{run.pk}.xlsx").exists()
    demo.build_demo(seed=1, log=None)


def test_the_command_writes_a_report(registry, tmp_path):
    from django.core.management import CommandError, call_command

    out = tmp_path / "county.xlsx"
    year = timezone.localdate().year
    call_command("area_report", "--area", "431129", "--year", str(year), "--out", str(out))
    book = openpyxl.load_workbook(out)
    assert "江华瑶族自治县" in book.worksheets[0]["A1"].value
    assert ReportRun.objects.get().user_name == "system"
    with pytest.raises(CommandError):
        call_command(
            "area_report",
            "--area",
            "431128",
            "--year",
            str(year),
            "--out",
            str(out),
            "--user",
            "county",
        )
    with pytest.raises(CommandError):
        call_command("area_report", "--area", "431129", "--year", "1990", "--out", str(out))
