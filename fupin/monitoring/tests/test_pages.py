"""Monitoring pages: the public self-report form (captcha, rate limit), scope of the
warning pages (404 outside the area, departments see only their warnings), actions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_id, pair_cadre
from fupin.cases.tests.helpers import make_household
from fupin.monitoring import services
from fupin.monitoring.models import (
    Channel,
    Department,
    RiskLevel,
    RiskType,
    RiskWarning,
    WarningStatus,
)
from fupin.registry.choices import HouseholdStatus
from fupin.tips.tests.captcha import solved, wrong

pytestmark = pytest.mark.django_db


def _captcha(client) -> dict[str, str]:
    page = client.get(reverse("monitoring:report"))
    assert page.status_code == 200
    return solved(page)


def _post(client, h, answer=None, id_number=None, **over):
    answer = _captcha(client) if answer is None else answer
    data = {
        "household_number": h.number,
        "id_number": id_number or make_id(seq="301"),
        "cause": RiskType.ILLNESS,
        "evidence": "孩子住院，花了三万元。",
        **answer,
    }
    data.update(over)
    return client.post(reverse("monitoring:report"), data)


def _warn(users, h, cause=RiskType.ILLNESS, actor="village"):
    return services.warning_create(
        actor=users[actor],
        household=h,
        channel=Channel.VISIT,
        cause=cause,
        evidence="走访发现",
        proposed_level=RiskLevel.GENERAL,
    )


def test_public_self_report_routes_a_warning(client, users):
    h = make_household(users, "甲", "301", status=HouseholdStatus.EXITED)
    resp = _post(client, h)
    assert resp.status_code == 302
    w = RiskWarning.objects.get()
    assert w.public and w.channel == Channel.SELF_REPORT
    assert w.department == Department.HEALTH_INSURANCE
    assert w.deadline == timezone.localdate() + dt.timedelta(days=10)
    done = client.get(resp.url)
    assert done.status_code == 200


def test_public_form_refuses_a_wrong_captcha(client, users):
    h = make_household(users, "甲", "302", status=HouseholdStatus.EXITED)
    page = client.get(reverse("monitoring:report"))
    resp = _post(client, h, answer=wrong(page), id_number=make_id(seq="302"))
    assert resp.status_code == 422 and not RiskWarning.objects.exists()
    assert "captcha_0" in resp.content.decode()  # asked again, with a new picture
    assert _post(client, h, id_number=make_id(seq="302")).status_code == 302
    assert RiskWarning.objects.count() == 1


def _answer_of(client, h, id_number, cause=RiskType.ILLNESS) -> tuple[int, str, str, str]:
    """Status, redirect, body of the POST and body of the page it leads to, with the
    CSRF token and the captcha's key taken out (they differ on every page)."""
    csrf = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">')
    resp = _post(client, h, id_number=id_number, cause=cause)
    done = client.get(resp["Location"]) if resp.status_code == 302 else resp
    return (
        resp.status_code,
        resp.get("Location", ""),
        csrf.sub("", resp.content.decode()),
        csrf.sub("", done.content.decode()),
    )


def test_public_form_answers_the_same_whether_or_not_the_household_exists(client, users):
    h = make_household(users, "甲", "306", status=HouseholdStatus.EXITED)
    other = make_household(users, "乙", "307", status=HouseholdStatus.EXITED)
    real = _answer_of(client, h, make_id(seq="306"))
    assert RiskWarning.objects.filter(household=h).count() == 1
    # an ID number of another household, an unknown ID, an unknown household number
    wrong_member = _answer_of(client, h, make_id(seq="307"))
    unknown_id = _answer_of(client, h, make_id(seq="999"))
    repeated = _answer_of(client, h, make_id(seq="306"))  # an open warning for the cause
    h.number = "431129999999999"  # not saved: a number that names no household
    no_household = _answer_of(client, h, make_id(seq="306"))
    assert real[0] == 302 and "医保" in real[3]
    assert wrong_member == real
    assert unknown_id == real
    assert repeated == real
    assert no_household == real
    assert RiskWarning.objects.count() == 1  # the others were dropped
    assert not RiskWarning.objects.filter(household=other).exists()


def test_public_form_rate_limit(client, users, settings, database_cache):
    settings.TIPS_RATE_LIMIT = 2
    h = make_household(users, "甲", "303", status=HouseholdStatus.EXITED)
    for cause in (RiskType.ILLNESS, RiskType.HOUSING):
        assert _post(client, h, id_number=make_id(seq="303"), cause=cause).status_code == 302
    resp = _post(client, h, id_number=make_id(seq="303"), cause=RiskType.WATER)
    assert resp.status_code == 429
    assert RiskWarning.objects.count() == 2


def test_village_user_cannot_see_neighbours_warning(client, users, neighbour_household):
    w = _warn(users, neighbour_household, actor="neighbour")
    client.force_login(users["village"])
    assert client.get(reverse("monitoring:warning_detail", args=[w.pk])).status_code == 404
    client.force_login(users["neighbour"])
    assert client.get(reverse("monitoring:warning_detail", args=[w.pk])).status_code == 200


def test_department_sees_only_its_warnings(client, users):
    h = make_household(users, "甲", "304", status=HouseholdStatus.EXITED)
    ill = _warn(users, h, RiskType.ILLNESS)
    school = _warn(users, h, RiskType.SCHOOLING)
    dep = users["department"]
    dep.unit = "医保局"
    dep.save()
    client.force_login(dep)
    listing = client.get(reverse("monitoring:warning_list")).content.decode()
    assert reverse("monitoring:warning_detail", args=[ill.pk]) in listing
    assert reverse("monitoring:warning_detail", args=[school.pk]) not in listing
    assert client.get(reverse("monitoring:warning_detail", args=[school.pk])).status_code == 404
    resp = client.post(
        reverse("monitoring:warning_detail", args=[ill.pk]),
        {"action": "measure", "description": "大病保险", "taken_on": "2024-05-01"},
    )
    assert resp.status_code == 302
    assert ill.measures.count() == 1


def test_staff_form_and_pages_render(client, users):
    h = make_household(users, "甲", "305", status=HouseholdStatus.EXITED)
    pair_cadre(h, users["cadre"])  # a cadre reports on its paired households
    client.force_login(users["cadre"])
    resp = client.post(
        reverse("monitoring:warning_create"),
        {
            "household_number": h.number,
            "channel": Channel.VISIT,
            "cause": RiskType.ACCIDENT,
            "proposed_level": RiskLevel.SERIOUS,
            "evidence": "户主车祸",
        },
    )
    assert resp.status_code == 302
    w = RiskWarning.objects.get()
    assert w.department == Department.EMERGENCY and w.created_by == users["cadre"]
    RiskWarning.objects.filter(pk=w.pk).update(deadline=dt.date(2000, 1, 1))
    client.force_login(users["county"])
    for name in ("monitoring:objects", "monitoring:warning_list", "monitoring:attention", "home"):
        page = client.get(reverse(name))
        assert page.status_code == 200, name
    assert "户主车祸" not in client.get(reverse("monitoring:objects")).content.decode()
    assert (
        reverse("monitoring:warning_detail", args=[w.pk])
        in client.get(reverse("home")).content.decode()
    )
    detail = client.get(reverse("household_detail", args=[h.pk])).content.decode()
    assert reverse("monitoring:warning_detail", args=[w.pk]) in detail
    resp = client.post(
        reverse("monitoring:warning_detail", args=[w.pk]),
        {"action": "escalate", "esc-reason": "逾期"},
    )
    assert resp.status_code == 302
    w.refresh_from_db()
    assert w.status == WarningStatus.ESCALATED and w.level == RiskLevel.MAJOR


def test_eliminate_refused_shows_the_reason(client, users):
    h = make_household(users, "甲", "306", wages="500", status=HouseholdStatus.EXITED)
    w = _warn(users, h)
    client.force_login(users["township"])
    resp = client.post(
        reverse("monitoring:warning_detail", args=[w.pk]),
        {"action": "eliminate", "elim-reason": "已好转"},
    )
    assert resp.status_code == 422
    w.refresh_from_db()
    assert w.is_open


def test_put_under_monitoring_page(client, users):
    h = make_household(users, "甲", "307", status=HouseholdStatus.EXITED)
    client.force_login(users["village"])
    resp = client.post(
        reverse("monitoring:object_open", args=[h.pk]),
        {
            "monitoring_type": "unstable_exited",
            "risk_level": RiskLevel.SERIOUS,
            "risk_types": [RiskType.ILLNESS],
            "reason": "排查发现",
        },
    )
    assert resp.status_code == 302
    assert h.monitoring_objects.get().case.kind == "monitoring"
    client.force_login(users["neighbour"])
    assert client.get(reverse("monitoring:object_open", args=[h.pk])).status_code == 404


def test_case_page_of_a_monitoring_case_and_department_home(client, users):
    h = make_household(users, "甲", "308", status=HouseholdStatus.EXITED)
    obj = services.monitoring_open(
        actor=users["village"],
        household=h,
        monitoring_type="edge",
        risk_level=RiskLevel.LOW,
        risk_types=[RiskType.WATER],
    )
    client.force_login(users["village"])
    page = client.get(reverse("cases:case_detail", args=[obj.case_id]))
    assert page.status_code == 200
    w = _warn(users, h, RiskType.WATER)
    RiskWarning.objects.filter(pk=w.pk).update(deadline=dt.date(2000, 1, 1))
    dep = users["department"]
    dep.unit = "water"
    dep.save()
    client.force_login(dep)
    home = client.get(reverse("home")).content.decode()
    assert reverse("monitoring:warning_detail", args=[w.pk]) in home
    dep.unit = "教育局"
    dep.save()
    home = client.get(reverse("home")).content.decode()
    assert reverse("monitoring:warning_detail", args=[w.pk]) not in home


def test_risk_level_page(client, users):
    h = make_household(users, "甲", "309", status=HouseholdStatus.EXITED)
    obj = services.monitoring_open(
        actor=users["village"],
        household=h,
        monitoring_type="edge",
        risk_level=RiskLevel.LOW,
        risk_types=[RiskType.HOUSING],
    )
    url = reverse("monitoring:object_level", args=[obj.pk])
    client.force_login(users["township"])
    assert client.get(reverse("monitoring:objects")).status_code == 200
    resp = client.post(url, {"level": RiskLevel.SERIOUS, "reason": "房屋受损"})
    assert resp.status_code == 302
    obj.refresh_from_db()
    assert obj.risk_level == RiskLevel.SERIOUS and obj.previous_level == RiskLevel.LOW
    pair_cadre(obj.household, users["cadre"])  # paired, yet its role may not set levels
    client.force_login(users["cadre"])
    assert client.post(url, {"level": RiskLevel.MAJOR, "reason": "x"}).status_code == 403
    client.force_login(users["neighbour"])
    assert client.get(url).status_code == 404
