"""Headless Chromium: the yearly assessment ranking of paired cadres as the county
office, in Chinese, with a screenshot in var/screenshots/."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.urls import reverse

from fupin.scoring import services
from fupin.scoring.tests.test_assessment import make_scheme, world  # noqa: F401 (fixture)

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
        context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
        yield context.new_page()
        browser.close()


def test_county_office_reads_the_cadre_ranking(page, live_server, users, world):  # noqa: F811
    scheme = make_scheme(users)
    services.assessment_compute(actor=users["county"], scheme=scheme)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", "county")
    page.fill("input[name=password]", "pw-county")
    # Wait for the sign-in's own navigation: "networkidle" alone can return before
    # it starts, and the next page would then be asked for without the session.
    with page.expect_navigation():
        page.click("[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(live_server.url + reverse("scoring:assessment", args=[scheme.pk]))
    table = page.locator("table.assessment").inner_text()
    assert table.index("勤走访") < table.index("少走访")
    assert "优秀" in table and "不称职" in table
    page.screenshot(path=str(SHOTS / "scoring-cadre-assessment.png"), full_page=True)
