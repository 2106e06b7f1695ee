"""Headless Chromium: the county dashboard in Chinese and in English. The charts and the
map must draw (canvases with pixels on them), every request must go to our own server,
and screenshots land in var/screenshots/ for people to look at."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from fupin.dashboards.finders import ECHARTS_STATIC, MISSING

from .conftest import COUNTY

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt: chromium)"),
]
SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
CHARTS = ["#dash-map", "#dash-trend", "#dash-breakdown-monitoring", "#dash-breakdown-cause"]

# Count the non-blank pixels of every canvas inside a container.
INKED = """(selector) => {
  const canvases = document.querySelectorAll(selector + ' canvas');
  let inked = 0;
  for (const c of canvases) {
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < data.length; i += 4 * 16) { if (data[i] > 0) { inked++; } }
  }
  return inked;
}"""


@pytest.fixture
def browser(live_server):
    from playwright.sync_api import sync_playwright

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
        yield browser
        browser.close()


@pytest.mark.parametrize(
    ("locale", "language", "title"), [("zh-CN", "zh", "示意图"), ("en-US", "en", "Schematic")]
)
def test_county_dashboard_draws_its_charts_and_map(
    browser, live_server, registry, locale, language, title
):
    assert finders.find(ECHARTS_STATIC), MISSING
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale=locale, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # Anything the Content-Security-Policy blocks is reported on the console.
    page.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", "county")
    page.fill("input[name=password]", "pw-county")
    # Wait for the sign-in's own navigation: "networkidle" alone can return before
    # it starts, and the next page would then be asked for without the session.
    with page.expect_navigation():
        page.click("[type=submit]")
    page.wait_for_load_state("networkidle")

    page.goto(live_server.url + reverse("dashboards:area", args=[COUNTY]))
    page.wait_for_selector("#dash-map[data-ready='1'] canvas", timeout=20000)
    page.wait_for_selector("#dash-trend[data-ready='1'] canvas", timeout=20000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(800)  # let the charts' entry animation finish before the pixels are read
    for selector in CHARTS:
        assert page.locator(f"{selector} canvas").count() >= 1, selector
        assert page.evaluate(INKED, selector) > 50, f"{selector} is blank"
    assert page.locator("#dash-schematic").is_visible()
    assert title in page.locator("#dash-schematic").inner_text()
    assert page.locator(".kpi").count() >= 6
    assert not errors, errors
    outside = [u for u in requests if not u.startswith(live_server.url)]
    assert not outside, outside
    page.screenshot(path=str(SHOTS / f"dashboard_county_{language}.png"), full_page=True)
    # The map of every village of the county, coloured by visit compliance.
    page.click(".level-switch button[data-level='village']")
    page.click(".metric-switch button[data-metric='visit_compliance']")
    page.wait_for_timeout(800)
    assert page.evaluate(INKED, "#dash-map") > 50
    assert not errors, errors
    page.locator("#dash-map").screenshot(path=str(SHOTS / f"dashboard_villages_{language}.png"))
    context.close()
