"""Headless Chromium: the county office edits a policy's exclusion clauses, the village
records an attestation and reads the household's decision, in Chinese; screenshots in
var/screenshots/ for people to look at."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from django.urls import reverse

from fupin.policy import seeds
from fupin.policy.selectors import current_policy
from fupin.policy.tests.test_policy import assess, covered, income

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


def _login(page, live_server, username):
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username)
    # Wait for the sign-in's own navigation: "networkidle" alone can return before
    # it starts, and the next page would then be asked for without the session.
    with page.expect_navigation():
        page.click("[type=submit]")
    page.wait_for_load_state("networkidle")


def test_clauses_attestation_and_the_household_decision(page, live_server, users, household):
    SHOTS.mkdir(parents=True, exist_ok=True)
    year = dt.date.today().year
    policy = seeds.apply_example(
        actor=users["county"], name="jianghua", region="431129000000", year=year
    )
    income(users, household, year, "2500")
    assess(users, household, year)
    covered(household)

    _login(page, live_server, "county")
    page.goto(live_server.url + reverse("policy:new_version", args=[policy.pk]))
    assert page.locator("input[name=clauses-6-code]").input_value() == "JH07"
    page.screenshot(path=str(SHOTS / "policy-clauses.png"), full_page=True)
    page.goto(live_server.url + reverse("policy:detail", args=[policy.pk]))
    assert "村级民主评议认定" in page.content() and "未核实" in page.content()
    page.screenshot(path=str(SHOTS / "policy-detail.png"), full_page=True)

    _login(page, live_server, "village")
    page.goto(live_server.url + reverse("policy:attest", args=[household.pk]))
    page.select_option("select[name=clause_code]", "JH05")
    page.check("input[name=verdict][value=clear]")
    page.fill("input[name=attested_on]", f"{year}-01-02")
    page.fill("textarea[name=note]", "村民代表大会评议")
    page.click("button.primary")
    page.wait_for_load_state("networkidle")
    assert "评议认定已录入" in page.content()
    page.screenshot(path=str(SHOTS / "policy-attestations.png"), full_page=True)
    page.goto(live_server.url + reverse("household_detail", args=[household.pk]))
    text = page.content()
    assert "无法认定" in text  # JH06 has no attestation yet
    assert current_policy(household.village_id).pk == policy.pk
    page.locator(".household-policy").screenshot(path=str(SHOTS / "policy-household.png"))
