"""Today's figures: computed again after a change at most once a minute per area, by one
process at a time, and the page says when they were computed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from fupin.dashboards import selectors as dashboards
from fupin.dashboards.tests.conftest import COUNTY, _add
from fupin.registry import choices as c

pytestmark = pytest.mark.django_db


def people(nodes):
    return nodes[0].values["registered_people"]


def add_poor_household(users, seq):
    _add(users["county"], "431129100201", c.HouseholdStatus.POOR, seq, people=2)


def never(*args, **kwargs):
    raise AssertionError("figures were computed again")


def test_a_change_is_shown_at_once_when_the_kept_figures_are_older_than_the_minimum(
    registry, settings
):
    settings.FUPIN_FIGURES_MIN_AGE = 0
    before, _ = dashboards.todays_figures_at(COUNTY, depth=1)
    add_poor_household(registry, "91")
    after, _ = dashboards.todays_figures_at(COUNTY, depth=1)
    assert people(after) == people(before) + 2


def test_within_the_minimum_age_the_kept_figures_are_served_with_their_time(
    registry, settings, monkeypatch
):
    settings.FUPIN_FIGURES_MIN_AGE = 3600
    before, at = dashboards.todays_figures_at(COUNTY, depth=1)
    add_poor_household(registry, "92")
    monkeypatch.setattr(dashboards, "figures", never)
    kept, kept_at = dashboards.todays_figures_at(COUNTY, depth=1)
    assert people(kept) == people(before) and kept_at == at


def test_once_the_minimum_age_has_passed_they_are_computed_again(registry, settings):
    settings.FUPIN_FIGURES_MIN_AGE = 60
    before, at = dashboards.todays_figures_at(COUNTY, depth=1)
    add_poor_household(registry, "93")
    key = f"fupin:dashboards:figures:{COUNTY}:1:{timezone.localdate()}"
    kept = cache.get(key)
    cache.set(key, {**kept, "at": at - dt.timedelta(seconds=61)})
    after, after_at = dashboards.todays_figures_at(COUNTY, depth=1)
    assert people(after) == people(before) + 2 and after_at > at
    assert cache.get(f"{key}:lock") is None  # the computing process let go


def test_while_another_process_computes_them_the_kept_figures_are_served(
    registry, settings, monkeypatch
):
    settings.FUPIN_FIGURES_MIN_AGE = 0
    before, at = dashboards.todays_figures_at(COUNTY, depth=1)
    add_poor_household(registry, "94")
    key = f"fupin:dashboards:figures:{COUNTY}:1:{timezone.localdate()}"
    assert cache.add(f"{key}:lock", 1, 60)  # another process is at work
    monkeypatch.setattr(dashboards, "figures", never)
    kept, kept_at = dashboards.todays_figures_at(COUNTY, depth=1)
    assert people(kept) == people(before) and kept_at == at


def test_the_page_shows_when_the_figures_were_computed(login, registry, settings):
    settings.FUPIN_FIGURES_MIN_AGE = 3600
    _, at = dashboards.todays_figures_at(COUNTY, depth=2)
    page = login("county").get(f"/dashboard/{COUNTY}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    shown = timezone.localtime(at).strftime("%Y-%m-%d %H:%M")
    assert f"Figures as of {shown}" in page.content.decode()


def test_stale_figures_are_computed_in_the_background_and_served_kept_until_then(
    registry, settings, monkeypatch
):
    """The request that finds the figures stale enqueues their computation for `fupin
    worker` and is served the kept ones (no request waits seconds for a prefecture's
    figures); the next request after the worker's run is served the new ones."""
    settings.FUPIN_FIGURES_MIN_AGE = 0
    before, at = dashboards.todays_figures_at(COUNTY, depth=1)
    add_poor_household(registry, "95")
    settings.FUPIN_DASHBOARD_SYNC = False
    queued = []
    monkeypatch.setattr(
        dashboards.jobs, "enqueue", lambda task, **kwargs: queued.append((task, kwargs))
    )
    kept, kept_at = dashboards.todays_figures_at(COUNTY, depth=1)
    assert people(kept) == people(before) and kept_at == at
    assert [t for t, _ in queued] == [dashboards.refresh_figures_task]
    key = f"fupin:dashboards:figures:{COUNTY}:1:{timezone.localdate()}"
    assert cache.get(f"{key}:lock") is not None  # no second request enqueues it again
    dashboards.todays_figures_at(COUNTY, depth=1)
    assert len(queued) == 1
    task, kwargs = queued[0]
    kw = {k: v for k, v in kwargs.items() if k not in ("job", "sync")}
    task.call(**kw)  # what the worker does
    assert cache.get(f"{key}:lock") is None
    after, after_at = dashboards.todays_figures_at(COUNTY, depth=1)
    assert people(after) == people(before) + 2 and after_at > at
    assert len(queued) == 1
