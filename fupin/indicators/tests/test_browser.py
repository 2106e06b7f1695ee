"""Headless Chromium: the county's indicator page and a village's exit checklist as the
county office, with screenshots in var/screenshots/ for people to look at."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.urls import reverse

from conftest import VILLAGE

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
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
        yield context.new_page()
        browser.close()


def test_county_office_reads_indicators(page, live_server, crafted):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", "county")
    page.fill("input[name=password]", "pw-county")
    # Wait for the sign-in's own navigation: "networkidle" alone can return before
    # it starts, and the next page would then be asked for without the session.
    with page.expect_navigation():
        page.click("[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(live_server.url + reverse("indicators:index") + "?as_of=2023-06-30")
    assert page.locator("h1").inner_text().startswith("指标")
    incidence = page.locator("abbr", has_text="贫困发生率").first
    assert "未脱贫人口" in incidence.get_attribute("title")  # the definition on hover
    page.screenshot(path=str(SHOTS / "indicators-county.png"), full_page=True)
    page.click("text=沱江镇")
    page.wait_for_load_state("networkidle")
    assert "大坪村" in page.content()
    page.goto(live_server.url + reverse("indicators:village_readiness", args=[VILLAGE]))
    assert "宽带" in page.content()
    page.screenshot(path=str(SHOTS / "indicators-village-readiness.png"), full_page=True)
