"""Headless Chromium, in Chinese: a household's file page and its village's completeness
page as village staff, with screenshots in var/screenshots/ for people to look at."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from conftest import VILLAGE
from fupin.dossier import services
from fupin.registry import services as registry

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt: chromium)"),
]
SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


@pytest.fixture
def page(live_server):
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
        yield context.new_page()
        browser.close()


def test_village_staff_reads_a_file_and_the_village(page, live_server, users, household):
    SHOTS.mkdir(parents=True, exist_ok=True)
    registry.attachment_add(
        actor=users["village"],
        household=household,
        kind="signed_scan",
        title="申请书",
        upload=ContentFile(b"%PDF-1.4\n%%EOF\n", name="a.pdf"),
    )
    services.statement_sign(
        actor=users["village"], household=household, surveyed_on=dt.date(2024, 3, 1)
    )
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", "village")
    page.fill("input[name=password]", "pw-village")
    # Wait for the sign-in's own navigation: "networkidle" alone can return before
    # it starts, and the next page would then be asked for without the session.
    with page.expect_navigation():
        page.click("[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(live_server.url + reverse("dossier:household", args=[household.pk]))
    html = page.content()
    assert "档案清单" in html and "申请书" in html and "缺失" in html
    assert "谁调查谁签字" in html
    page.screenshot(path=str(SHOTS / "dossier-household.png"), full_page=True)
    page.goto(live_server.url + reverse("dossier:area", args=[VILLAGE]))
    html = page.content()
    assert household.number in html and "打印全村档案" in html
    page.screenshot(path=str(SHOTS / "dossier-village.png"), full_page=True)
