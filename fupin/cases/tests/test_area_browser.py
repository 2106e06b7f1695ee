"""Headless Chromium: a poor village's exit case page (贫困村退出) in Chinese, as the
township station that verified it, with its recorded checklist and the notice form; the
township's exit list. Screenshots in var/screenshots/."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from django.urls import reverse

from conftest import VILLAGE
from fupin.cases.area import services
from fupin.cases.procedures import AreaKind
from fupin.geo.models import VillageProfile

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


def test_township_reads_the_village_exit_case(page, live_server, users):
    SHOTS.mkdir(parents=True, exist_ok=True)
    VillageProfile.objects.update_or_create(
        village_id=VILLAGE,
        defaults={
            "is_poor_village": True,
            "rural_population": 1200,
            "collective_income": 80000,
            "has_hardened_road": True,
            "has_safe_water": True,
            "has_power": True,
            "has_clinic": True,
            "has_cultural_room": True,
        },
    )
    today = dt.date.today()
    case = services.area_case_open(
        actor=users["village"], area_code=VILLAGE, kind=AreaKind.VILLAGE_EXIT, today=today
    )
    case = services.area_step_do(
        actor=users["village"], case=case, step="application", evidence="村两委申请", today=today
    )
    services.area_step_do(
        actor=users["township"], case=case, step="verification", decision="approve", today=today
    )
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", "township")
    page.fill("input[name=password]", "pw-township")
    # Wait for the sign-in's own navigation: "networkidle" alone can return before
    # it starts, and the next page would then be asked for without the session.
    with page.expect_navigation():
        page.click("[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(live_server.url + reverse("cases:area_case", args=[case.pk]))
    assert "贫困村退出" in page.locator("h1").inner_text()
    body = page.content()
    assert "乡镇核查" in body and "宽带" in body and "发布公示" in body
    page.screenshot(path=str(SHOTS / "cases-village-exit-case.png"), full_page=True)
    page.goto(live_server.url + reverse("cases:area_villages") + "?township=431129100000")
    assert "大坪村" in page.content()
    page.screenshot(path=str(SHOTS / "cases-village-exits.png"), full_page=True)
