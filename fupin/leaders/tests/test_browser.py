"""Headless Chromium: the overdue list of leaders' visits and a contact point's page as
the county office, in Chinese, with screenshots in var/screenshots/."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from django.urls import reverse

from fupin.assistance import services as assistance
from fupin.leaders import services

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


def test_county_office_reads_the_overdue_list(page, live_server, users):
    leader = assistance.cadre_create(
        actor=users["admin"],
        data={
            "name": "李县长",
            "unit": "江华瑶族自治县人民政府",
            "rank": "county",
            "post": "副县长",
            "home_area_id": "431129000000",
        },
    )
    link = services.link_create(
        actor=users["county"],
        leader=leader,
        area_code="431129100000",
        start_date=dt.date(2025, 1, 1),
    )
    services.report_record(
        actor=users["county"],
        link=link,
        date=dt.date(2025, 2, 10),
        place="沱江镇政府",
        content="召开脱贫攻坚调度会",
        problems_found="产业项目资金拨付慢",
        problems_solved="督促拨付",
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", "county")
    page.fill("input[name=password]", "pw-county")
    # Wait for the sign-in's own navigation: "networkidle" alone can return before
    # it starts, and the next page would then be asked for without the session.
    with page.expect_navigation():
        page.click("[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(live_server.url + reverse("leaders:overdue"))
    assert page.locator("h1").inner_text().startswith("领导走访未达标清单")
    assert "李县长" in page.locator("table.overdue").inner_text()
    page.screenshot(path=str(SHOTS / "leaders-overdue.png"), full_page=True)
    page.click("table.overdue a")
    page.wait_for_load_state("networkidle")
    assert "召开脱贫攻坚调度会" in page.content()
    page.screenshot(path=str(SHOTS / "leaders-link.png"), full_page=True)
