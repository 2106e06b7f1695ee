"""Headless Chromium: a team's page and the attendance by township as the township
station, in Chinese, with screenshots in var/screenshots/ for people to look at."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from django.urls import reverse

from fupin.teams import services

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


def test_township_reads_a_team_and_the_attendance(page, live_server, users, team):
    today = dt.date.today()
    member = team.memberships.get(cadre__name="队员甲").cadre
    for back in range(1, 4):
        day = today - dt.timedelta(days=back)
        services.checkin_record(actor=users["township"], team=team, cadre=member, date=day)
    services.diary_add(actor=users["township"], team=team, date=today, text="走访脱贫户五户")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", "township")
    page.fill("input[name=password]", "pw-township")
    # Wait for the sign-in's own navigation: "networkidle" alone can return before
    # it starts, and the next page would then be asked for without the session.
    with page.expect_navigation():
        page.click("[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(live_server.url + reverse("teams:team", args=[team.pk]))
    assert "驻村工作队" in page.locator("h1").inner_text()
    assert "第一书记" in page.content() and "走访脱贫户五户" in page.content()
    page.screenshot(path=str(SHOTS / "teams-team.png"), full_page=True)
    page.goto(live_server.url + reverse("teams:attendance"))
    assert page.locator("h1").inner_text().startswith("乡镇考勤")
    assert "出勤率" in page.content()
    page.screenshot(path=str(SHOTS / "teams-attendance.png"), full_page=True)
