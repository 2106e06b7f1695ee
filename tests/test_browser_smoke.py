"""Headless Chromium: log in as village staff, look at the household list and a household
page, and keep screenshots (in var/screenshots/) for people to look at."""

import os
import shutil
from pathlib import Path

import pytest
from django.urls import reverse

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt: chromium)"),
]
SHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


@pytest.fixture
def page(live_server):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # happen before and after it drives the browser.
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
        page = context.new_page()
        # What the Content-Security-Policy blocks is reported on the console: none of it.
        blocked: list[str] = []
        page.on(
            "console",
            lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
        )
        yield page
        browser.close()
        assert not blocked, blocked


def _login(page, live_server, username, password):
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    # Wait for the sign-in's own navigation: "networkidle" alone can return before
    # it starts, and the next page would then be asked for without the session.
    with page.expect_navigation():
        page.click("[type=submit]")
    page.wait_for_load_state("networkidle")


def test_village_staff_sees_list_and_household(
    page, live_server, household, neighbour_household, users
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    _login(page, live_server, "village", "pw-village")
    assert "/login" not in page.url

    page.goto(live_server.url + "/households/")
    html = page.content()
    assert household.number in html
    assert neighbour_household.number not in html
    head = household.members.get()
    assert head.id_number not in html  # masked
    assert head.name in html
    page.screenshot(path=str(SHOTS / "household_list.png"), full_page=True)

    page.goto(live_server.url + f"/households/{household.pk}/")
    html = page.content()
    assert household.number in html and head.name in html
    assert head.id_number not in html
    assert "6217001234567890123" not in html
    page.screenshot(path=str(SHOTS / "household_page.png"), full_page=True)

    response = page.goto(live_server.url + f"/households/{neighbour_household.pk}/")
    assert response.status == 404
