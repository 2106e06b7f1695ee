"""Anyone may object during the notice period, through the notice's public page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fupin.cases import services
from fupin.cases.models import CaseKind, Notice, Objection, ObjectionStatus
from fupin.cases.tests.helpers import TODAY, make_household, post_notice, walk_to_notice
from fupin.core.models import ChangeRecord
from fupin.policy.models import PolicySet
from fupin.tips.tests.captcha import solved, wrong


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


def url_of(notice) -> str:
    return f"/cases/notices/public/{notice.slug}/"


def test_anyone_can_object_without_logging_in_and_it_blocks_the_case(client, notice):
    url = url_of(notice)
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "盘石生" in text and notice.phone in text
    case = notice.cases.order_by("id").first()
    sent = client.post(url, {"cases": [str(case.pk)], "text": "他家在县城有商品房", **solved(page)})
    assert sent.status_code == 200
    obj = Objection.objects.get()
    assert obj.status == ObjectionStatus.OPEN and obj.recorded_by is None
    assert list(obj.cases.all()) == [case]
    assert services.blocked_case_ids(notice) == {case.pk}
    rec = ChangeRecord.objects.get(object_type="cases.objection", object_id=str(obj.pk))
    assert rec.user_name == "public" and rec.user_id is None


def test_a_wrong_answer_is_refused(client, notice):
    url = url_of(notice)
    page = client.get(url)
    case = notice.cases.first()
    r = client.post(url, {"cases": [str(case.pk)], "text": "x", **wrong(page)})
    assert r.status_code == 422 and "captcha_0" in r.content.decode()  # a new challenge
    assert not Objection.objects.exists()


def test_after_the_period_nothing_is_received(client, notice):
    Notice.objects.filter(pk=notice.pk).update(ends_on=timezone.localdate() - dt.timedelta(days=1))
    url = url_of(notice)
    page = client.get(url)
    assert page.status_code == 200 and "captcha_0" not in page.content.decode()
    case = notice.cases.first()
    client.post(url, {"cases": [str(case.pk)], "text": "x", "captcha_0": "k", "captcha_1": "x"})
    assert not Objection.objects.exists()


def test_too_many_submissions_from_one_address(client, notice, settings):
    settings.TIPS_RATE_LIMIT = 2
    url = url_of(notice)
    case = notice.cases.first()
    statuses = []
    for _ in range(3):
        page = client.get(url)
        r = client.post(url, {"cases": [str(case.pk)], "text": "y", **solved(page)})
        statuses.append(r.status_code)
    assert statuses == [200, 200, 429]
    assert Objection.objects.count() == 2


def test_the_public_page_is_reached_by_its_slug_not_its_id(client, notice):
    assert len(notice.slug) >= 20
    assert client.get(f"/cases/notices/{notice.pk}/public/").status_code == 404
    assert client.get(url_of(notice)).status_code == 200
    assert client.get("/cases/notices/public/" + "A" * 22 + "/").status_code == 404
    other = Notice.objects.create(
        village=notice.village,
        posted_on=notice.posted_on,
        days=7,
        ends_on=notice.ends_on,
        phone="0746-1234567",
    )
    assert other.slug != notice.slug and other.slug.isascii()


def test_the_staff_page_and_the_poster_give_the_slug_address(client, users, notice):
    from io import BytesIO

    from pypdf import PdfReader

    client.force_login(users["township"])
    detail = client.get(f"/cases/notices/{notice.pk}/").content.decode()
    assert url_of(notice) in detail
    assert f"/cases/notices/{notice.pk}/public/" not in detail
    pdf = client.get(f"/cases/notices/{notice.pk}/poster.pdf")
    assert pdf.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages)
    assert notice.slug in text.replace("\n", "")


def test_the_page_is_gone_after_the_period_and_the_countys_grace_days(client, users, notice):
    today = timezone.localdate()
    # the national default: 30 days after the period
    Notice.objects.filter(pk=notice.pk).update(ends_on=today - dt.timedelta(days=30))
    assert client.get(url_of(notice)).status_code == 200
    Notice.objects.filter(pk=notice.pk).update(ends_on=today - dt.timedelta(days=31))
    assert client.get(url_of(notice)).status_code == 404
    # the county sets 3 days
    base = PolicySet.objects.filter(region__isnull=True).order_by("-year").first()
    PolicySet.objects.create(
        region_id="431129000000",
        year=(today - dt.timedelta(days=5)).year,
        effective_from=today - dt.timedelta(days=400),
        income_line=base.income_line,
        notice_grace_days=3,
    )
    Notice.objects.filter(pk=notice.pk).update(ends_on=today - dt.timedelta(days=3))
    assert client.get(url_of(notice)).status_code == 200
    Notice.objects.filter(pk=notice.pk).update(ends_on=today - dt.timedelta(days=4))
    assert client.get(url_of(notice)).status_code == 404


def test_views_are_rate_limited_found_or_not(client, notice, settings, database_cache):
    """In the database cache, as deployed: every server process sees the same count."""
    from django.db import connection

    settings.PUBLIC_NOTICE_RATE_LIMIT = 3
    assert client.get(url_of(notice)).status_code == 200
    assert client.get("/cases/notices/public/guess1/").status_code == 404
    assert client.get("/cases/notices/public/guess2/").status_code == 404
    assert client.get(url_of(notice)).status_code == 429
    assert client.get(url_of(notice), REMOTE_ADDR="10.0.0.7").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM fupin_cache")
        assert cursor.fetchone()[0] == 2  # one count per address, in the shared table
