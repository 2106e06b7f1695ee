"""The public pages: report without login, captcha, rate limit, tracking."""

import re

import pytest
from django.urls import reverse

from conftest import VILLAGE
from fupin.core.models import ChangeRecord
from fupin.tips import services
from fupin.tips.models import Channel, Status, SubjectKind, Tip
from fupin.tips.tests.captcha import solved, wrong

pytestmark = pytest.mark.django_db


def _captcha(client, **extra) -> dict[str, str]:
    resp = client.get(reverse("tips:report"), **extra)
    assert resp.status_code == 200
    return solved(resp)


def _post(client, answer=None, **over):
    answer = _captcha(client) if answer is None else answer
    data = {
        "area": VILLAGE,
        "household_number": "",
        "subject": "村干部优亲厚友",
        "content": "某户家有小轿车却被评为贫困户。",
        "reporter_name": "",
        "reporter_phone": "",
        **answer,
    }
    data.update(over)
    return client.post(reverse("tips:report"), data, follow=True)


def _code(resp) -> str:
    m = re.search(
        r'class="tracking-code mono"><strong>([A-Z0-9]{12})</strong>', resp.content.decode()
    )
    assert m, resp.content.decode()[:2000]
    return m.group(1)


def test_report_page_renders_for_anonymous_in_chinese(client, tree):
    resp = client.get(reverse("tips:report"))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "举报" in body
    assert "大坪村" in body


def test_public_submission_creates_a_tip_with_a_tracking_code(client, tree):
    resp = _post(client)
    assert resp.status_code == 200
    code = _code(resp)
    tip = Tip.objects.get()
    assert tip.channel == Channel.WEB
    assert tip.area_id == VILLAGE
    assert tip.status == Status.RECEIVED
    assert tip.created_by is None
    assert tip.tracking_hash != code and code not in tip.tracking_hash
    assert ChangeRecord.objects.filter(object_type="tips.tip", object_id=str(tip.pk)).count() == 1
    # shown once: a second visit to the done page does not show it again
    again = client.get(reverse("tips:report_done"), follow=True)
    assert code not in again.content.decode()


def test_household_number_links_the_household_and_unknown_number_looks_the_same(client, household):
    ok = _post(client, area="431129103201", household_number=household.number)
    unknown = _post(client, household_number="431129999999999")
    tips = list(Tip.objects.order_by("id"))
    assert tips[0].household == household and tips[0].area_id == household.village_id
    assert tips[0].subject_kind == SubjectKind.HOUSEHOLD
    assert tips[1].household is None and "431129999999999" in tips[1].subject
    # the reporter sees the same kind of page either way
    strip = lambda r: re.sub(r"[A-Z0-9]{12}", "", r.content.decode())  # noqa: E731
    strip_tokens = lambda t: re.sub(r'value="[^"]*"', "", t)  # noqa: E731
    assert strip_tokens(strip(ok)) == strip_tokens(strip(unknown))


def test_the_captcha_is_an_image_drawn_here(client, tree):
    page = client.get(reverse("tips:report"))
    body = page.content.decode()
    assert "plus" not in body and "加上" not in body  # no sum printed in the page
    key = solved(page)["captcha_0"]
    image = client.get(reverse("captcha-image", args=[key]))
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png" and image.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_wrong_captcha_is_refused(client, tree):
    page = client.get(reverse("tips:report"))
    resp = client.post(reverse("tips:report"), {"area": VILLAGE, "content": "内容", **wrong(page)})
    assert resp.status_code == 422
    assert not Tip.objects.exists()
    assert "与图片中的字符不符" in resp.content.decode()
    # a missing answer is refused too
    page = client.get(reverse("tips:report"))
    key = solved(page)["captcha_0"]
    resp = client.post(
        reverse("tips:report"), {"area": VILLAGE, "content": "内容", "captcha_0": key}
    )
    assert resp.status_code == 422
    assert not Tip.objects.exists()


def test_captcha_cannot_be_reused(client, tree):
    answer = _captcha(client)
    data = {"area": VILLAGE, "content": "内容", **answer}
    assert client.post(reverse("tips:report"), data).status_code == 302
    replay = client.post(reverse("tips:report"), data)  # the same answer again
    assert replay.status_code == 422
    assert Tip.objects.count() == 1


def test_rate_limit_returns_429_after_the_limit(client, tree, settings):
    settings.TIPS_RATE_LIMIT = 3
    for _ in range(3):
        assert _post(client).status_code == 200
    resp = _post(client)
    assert resp.status_code == 429
    assert Tip.objects.count() == 3
    # another client address is not affected
    answer = _captcha(client)
    resp = client.post(
        reverse("tips:report"),
        {"area": VILLAGE, "content": "内容", **answer},
        REMOTE_ADDR="10.0.0.9",
    )
    assert resp.status_code == 302


def test_tracking_shows_status_and_reply_but_not_internal_findings(client, users, tree):
    tip, code = services.tip_submit_public(area_code=VILLAGE, content="反映问题")
    resp = client.post(reverse("tips:track"), {"code": code.lower()})
    body = resp.content.decode()
    assert "已受理" in body
    county = users["county"]
    township = users["township"]
    services.tip_assign(actor=county, tip=tip, verifier=township)
    services.tip_start_verification(actor=township, tip=tip)  # the assigned verifier
    services.tip_conclude(
        actor=township, tip=tip, outcome="partly", findings="内部核查：李某某签字，车辆属实"
    )
    mid = client.post(reverse("tips:track"), {"code": code}).content.decode()
    assert "已办结" in mid and "内部核查" not in mid
    services.tip_reply(actor=county, tip=tip, reply="经核实，部分属实，已整改。")
    body = client.post(reverse("tips:track"), {"code": code}).content.decode()
    assert "已答复" in body
    assert "经核实，部分属实，已整改。" in body
    assert "内部核查" not in body
    assert township.username not in body
    assert "乡镇" in body  # "the township office", never the verifier


def test_tracking_unknown_code(client, tree):
    resp = client.post(reverse("tips:track"), {"code": "ABCDEFGHJKMN"})
    assert resp.status_code == 200
    assert "没有" in resp.content.decode()


def test_tracking_is_rate_limited(client, tree, settings):
    settings.TIPS_TRACK_RATE_LIMIT = 2
    for _ in range(2):
        assert client.post(reverse("tips:track"), {"code": "X"}).status_code == 200
    assert client.post(reverse("tips:track"), {"code": "X"}).status_code == 429


def test_english_is_complete(client, tree):
    client.cookies["django_language"] = "en"
    body = client.get(reverse("tips:report"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Report a problem" in body
