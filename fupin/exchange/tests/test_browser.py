"""Headless Chromium: the import and export page and a run page as village staff, with
screenshots in var/screenshots/ for people to look at."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from django.urls import reverse

from conftest import VILLAGE
from fupin.exchange.export import export_registry

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt: chromium)"),
]
SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


@pytest.fixture
def page(live_server, settings, tmp_path):
    from playwright.sync_api import sync_playwright

    settings.VAR_DIR = tmp_path / "var"
    # No `fupin worker` runs beside the live server: the import runs in the request, and
    # the progress page (its bar drawn from a job set by hand below) sends the browser on.
    settings.FUPIN_IMPORT_SYNC = True
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
        yield context.new_page()
        browser.close()


def test_village_staff_exports_and_imports(page, live_server, household, users, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    export_registry(actor=users["village"], area_code=VILLAGE, path=tmp_path / "v.xlsx")
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", "village")
    page.fill("input[name=password]", "pw-village")
    # Wait for the sign-in's own navigation: "networkidle" alone can return before
    # it starts, and the next page would then be asked for without the session.
    with page.expect_navigation():
        page.click("[type=submit]")
    page.wait_for_load_state("networkidle")

    page.goto(live_server.url + reverse("exchange:index"))
    assert page.locator("form[action='/exchange/export/']").count() == 1
    assert page.locator("form[action='/exchange/import/']").count() == 1
    page.screenshot(path=str(SHOTS / "exchange.png"), full_page=True)

    # Upload the exported workbook with one member's ID number broken.
    import openpyxl

    book = openpyxl.load_workbook(tmp_path / "v.xlsx")
    members = book.worksheets[1]
    members.cell(row=2, column=2).value = "43112919800101123"
    out = io.BytesIO()
    book.save(out)
    page.set_input_files(
        "input[name=file]",
        files=[
            {
                "name": "大坪村.xlsx",
                "mimeType": "application/octet-stream",
                "buffer": out.getvalue(),
            }
        ],
    )
    page.click("form[action='/exchange/import/'] button[type=submit]")
    page.wait_for_url("**/exchange/runs/*/")
    assert "大坪村.xlsx" in page.content()
    page.screenshot(path=str(SHOTS / "exchange_run.png"), full_page=True)

    # The progress page of an import that is checking its rows (state set by hand).
    from fupin.core.models import Job
    from fupin.exchange import jobs

    token = "b" * 32
    Job.objects.create(
        key=jobs.job_key(token), user=users["village"], phase="validate", fraction=0.3
    )
    page.goto(live_server.url + reverse("exchange:progress", args=[token]))
    assert page.locator("progress").get_attribute("value") == "0.300"
    page.screenshot(path=str(SHOTS / "exchange_progress.png"), full_page=True)
