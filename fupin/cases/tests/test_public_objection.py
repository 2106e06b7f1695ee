"""Anyone may object during the notice period, through the notice's public page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fupin.cases import services
from fupin.cases.models import CaseKind, Notice, Objection, ObjectionStatus
from fupin.cases.tests.helpers import TODAY, make_household, post_notice, walk_to_notice
from fupin.core.models import ChangeRecord
from fupin.tips import abuse


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()


def open_case(users, h, kind):
    return services.case_open(actor=users["village"], household=h, kind=kind, today=TODAY)


@pytest.fixture
def notice(users):
    a = make_household(users, "盘石生", "101")
    b = make_household(users, "李秀英", "102")
    ca = walk_to_notice(users, open_case(users, a, CaseKind.EXIT))
    cb = walk_to_notice(users, open_case(users, b, CaseKind.EXIT))
    notice = post_notice(users, [ca, cb])
    # Move the period around today, since the page uses the real date.
    today = timezone.localdate()
    Notice.objects.filter(pk=notice.pk).update(
        posted_on=today - dt.timedelta(days=1), ends_on=today + dt.timedelta(days=5)
    )
    notice.refresh_from_db()
    return notice


def answer(client) -> int:
    return client.session[abuse.SESSION_KEY]


def test_anyone_can_object_without_logging_in_and_it_blocks_the_case(client, notice):
    url = f"/cases/notices/{notice.pk}/public/"
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "盘石生" in text and notice.phone in text
    case = notice.cases.order_by("id").first()
    sent = client.post(
        url, {"cases": [str(case.pk)], "text": "他家在县城有商品房", "captcha": answer(client)}
    )
    assert sent.status_code == 200
    obj = Objection.objects.get()
    assert obj.status == ObjectionStatus.OPEN and obj.recorded_by is None
    assert list(obj.cases.all()) == [case]
    assert services.blocked_case_ids(notice) == {case.pk}
    rec = ChangeRecord.objects.get(object_type="cases.objection", object_id=str(obj.pk))
    assert rec.user_name == "public" and rec.user_id is None


def test_a_wrong_answer_is_refused(client, notice):
    url = f"/cases/notices/{notice.pk}/public/"
    client.get(url)
    case = notice.cases.first()
    client.post(url, {"cases": [str(case.pk)], "text": "x", "captcha": answer(client) + 1})
    assert not Objection.objects.exists()


def test_after_the_period_nothing_is_received(client, notice):
    Notice.objects.filter(pk=notice.pk).update(ends_on=timezone.localdate() - dt.timedelta(days=1))
    url = f"/cases/notices/{notice.pk}/public/"
    client.get(url)
    case = notice.cases.first()
    client.post(url, {"cases": [str(case.pk)], "text": "x", "captcha": answer(client)})
    assert not Objection.objects.exists()


def test_too_many_submissions_from_one_address(client, notice, settings):
    settings.TIPS_RATE_LIMIT = 2
    url = f"/cases/notices/{notice.pk}/public/"
    case = notice.cases.first()
    statuses = []
    for _ in range(3):
        client.get(url)
        r = client.post(url, {"cases": [str(case.pk)], "text": "y", "captcha": answer(client)})
        statuses.append(r.status_code)
    assert statuses == [200, 200, 429]
    assert Objection.objects.count() == 2
