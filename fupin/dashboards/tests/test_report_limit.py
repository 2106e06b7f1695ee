"""Report jobs per user are limited (issue 14): at most FUPIN_JOBS_PER_USER (2) running
or queued; a third is refused with a message and records nothing. Lost jobs (running
longer than JOB_STALE_AFTER) and other users' jobs do not count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from fupin.core import jobs
from fupin.dashboards import reports
from fupin.dashboards.models import ReportRun, ReportStatus

from .conftest import COUNTY

pytestmark = pytest.mark.django_db


def _running(user, n, *, started=None):
    for _ in range(n):
        ReportRun.objects.create(
            user=user,
            user_name=user.username,
            area_code=COUNTY,
            kind="xlsx",
            year=timezone.localdate().year,
            as_of=timezone.localdate(),
            status=ReportStatus.RUNNING,
            started_at=started or timezone.now(),
        )


def _start(client, language="en"):
    return client.post(
        reverse("dashboards:report_start", args=[COUNTY]),
        {"kind": "xlsx", "year": timezone.localdate().year},
        HTTP_ACCEPT_LANGUAGE=language,
        follow=True,
    )


def test_a_third_running_report_is_refused_with_a_message(login, registry, users):
    client = login("county")
    _running(users["county"], 2)
    response = _start(client)
    assert response.status_code == 200
    assert "You already have 2 reports being prepared" in response.content.decode()
    assert ReportRun.objects.count() == 2  # nothing recorded


def test_the_refusal_is_in_chinese_by_default(login, registry, users):
    client = login("county")
    _running(users["county"], 2)
    response = _start(client, language="zh-hans")
    assert "份报表正在生成" in response.content.decode()


def test_one_running_report_leaves_room_for_a_second(login, registry, users):
    client = login("county")
    _running(users["county"], 1)
    _start(client)
    assert ReportRun.objects.count() == 2
    assert ReportRun.objects.latest("id").status == ReportStatus.FINISHED


def test_finished_lost_and_other_users_reports_do_not_count(login, registry, users):
    county, township = users["county"], users["township"]
    _running(township, 2)
    _running(county, 1, started=timezone.now() - jobs.JOB_STALE_AFTER - dt.timedelta(minutes=1))
    _running(county, 1)
    ReportRun.objects.filter(user=county).exclude(started_at__lt=jobs.stale_before()).update(
        status=ReportStatus.FINISHED
    )
    _running(county, 1)
    run = reports.start_report(
        actor=county, area_code=COUNTY, kind="xlsx", year=timezone.localdate().year, language="en"
    )
    assert run.status == ReportStatus.FINISHED


def test_the_limit_is_a_setting_and_the_command_line_is_not_limited(registry, users, settings):
    settings.FUPIN_JOBS_PER_USER = 1
    _running(users["county"], 1)
    with translation.override("en"), pytest.raises(jobs.TooManyJobs) as refused:
        reports.start_report(
            actor=users["county"],
            area_code=COUNTY,
            kind="xlsx",
            year=timezone.localdate().year,
            language="en",
        )
    assert refused.value.status == 429
    assert "1 report being prepared" in str(refused.value.message)
    run = reports.start_report(
        actor=None, area_code=COUNTY, kind="xlsx", year=timezone.localdate().year, language="en"
    )
    assert run.status == ReportStatus.FINISHED
