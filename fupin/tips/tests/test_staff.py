"""Staff pages: record, assign, verify, reply; scope and roles; household page; overdue."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import NEIGHBOUR, VILLAGE
from fupin.core.errors import NotAllowed, OutsideArea, ValidationFailed
from fupin.core.history import history_of
from fupin.tips import selectors, services
from fupin.tips.models import Channel, Status, SubjectKind, Tip

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


def _tip(actor, **over):
    data = {
        "actor": actor,
        "channel": Channel.HOTLINE,
        "subject_kind": SubjectKind.OTHER,
        "area_code": VILLAGE,
        "content": "反映低保评定不公",
    }
    data.update(over)
    return services.tip_record(**data)[0]


def test_staff_records_a_tip_from_the_hotline(client, users, household):
    _login(client, users["township"])
    resp = client.post(
        reverse("tips:create"),
        {
            "channel": Channel.HOTLINE,
            "subject_kind": SubjectKind.HOUSEHOLD,
            "household_number": household.number,
            "content": "该户有子女在县城买房。",
            "reporter_name": "王五",
            "reporter_phone": "13912345678",
        },
    )
    assert resp.status_code == 302, resp.content.decode()[-3000:]
    tip = Tip.objects.get()
    assert tip.area_id == household.village_id and tip.household == household
    assert tip.routed_to_id == "431129100000"  # the township above the village
    assert tip.created_by == users["township"]
    assert tip.deadline == timezone.localdate(tip.received_at) + dt.timedelta(days=15)
    detail = client.get(resp["Location"]).content.decode()
    assert "tracking-code" in detail  # shown once to the staff member to pass on
    # no verifier yet: the reporter is shown to no one
    assert "王五" not in detail and "5678" not in detail
    assert "tracking-code" not in client.get(resp["Location"]).content.decode()
    services.tip_assign(actor=users["township"], tip=tip, verifier=users["township"])
    detail = client.get(resp["Location"]).content.decode()
    assert "王五" in detail
    assert "139****5678" in detail and "13912345678" not in detail  # masked by default


def test_deadline_is_configurable(users, tree, settings):
    settings.TIPS_DEADLINE_DAYS = 30
    tip = _tip(users["village"], received_at=timezone.make_aware(dt.datetime(2024, 3, 1, 9)))
    assert tip.deadline == dt.date(2024, 3, 31)


def test_workflow_assign_verify_reply_is_recorded_in_history(client, users, tree):
    tip = _tip(users["village"])
    _login(client, users["township"])
    url = reverse("tips:detail", args=[tip.pk])
    page = client.get(url).content.decode()
    assert f'value="{users["township"].pk}"' in page  # the township may verify
    assert f'value="{users["village"].pk}"' not in page  # never the village it is about
    assert f'value="{users["neighbour"].pk}"' not in page
    r = client.post(
        url, {"action": "assign", "verifier": users["township"].pk, "reason": "乡镇核查"}
    )
    assert r.status_code == 302
    assert client.post(url, {"action": "start"}).status_code == 302
    r = client.post(
        url, {"action": "conclude", "outcome": "substantiated", "findings": "入户核实，情况属实"}
    )
    assert r.status_code == 302
    r = client.post(url, {"action": "reply", "reply": "已核实并整改", "replied_on": "2024-05-02"})
    assert r.status_code == 302
    tip.refresh_from_db()
    assert tip.status == Status.REPLIED
    assert tip.verifier == users["township"]
    assert tip.outcome == "substantiated" and tip.replied_on == dt.date(2024, 5, 2)
    statuses = [r.post_data["status"] for r in reversed(list(history_of(tip)))]
    assert statuses == ["received", "assigned", "verifying", "concluded", "replied"]
    assigned = next(r for r in history_of(tip) if r.post_data["status"] == "assigned")
    assert assigned.user == users["township"] and assigned.reason == "乡镇核查"
    assert assigned.changes["verifier_id"] == [None, users["township"].pk]
    # the change records carry the township's area, not the village's
    assert {r.area_code for r in history_of(tip)} == {"431129100000"}


def test_steps_cannot_be_skipped(users, tree):
    tip = _tip(users["village"])
    with pytest.raises(ValidationFailed):
        services.tip_reply(actor=users["township"], tip=tip, reply="x")
    services.tip_assign(actor=users["township"], tip=tip, verifier=users["township"])
    with pytest.raises(ValidationFailed):
        services.tip_reply(actor=users["township"], tip=tip, reply="x")
    for verifier in ("neighbour", "village"):  # village staff never verify
        with pytest.raises(ValidationFailed):
            services.tip_assign(actor=users["county"], tip=tip, verifier=users[verifier])


def test_village_user_cannot_see_a_neighbour_village_tip(client, users, tree):
    tip = _tip(users["neighbour"], area_code=NEIGHBOUR)
    _login(client, users["village"])
    assert client.get(reverse("tips:detail", args=[tip.pk])).status_code == 404
    assert "反映低保评定不公" not in client.get(reverse("tips:list")).content.decode()
    with pytest.raises(OutsideArea):
        services.tip_conclude(actor=users["village"], tip=tip, outcome="partly", findings="x")
    with pytest.raises(OutsideArea):  # cannot file a tip outside the own area
        _tip(users["village"], area_code=NEIGHBOUR)


def test_starting_a_verification_twice_says_why_instead_of_failing(client, users, tree):
    tip = _tip(users["village"])
    _login(client, users["township"])
    url = reverse("tips:detail", args=[tip.pk])
    client.post(url, {"action": "assign", "verifier": users["township"].pk})
    assert client.post(url, {"action": "start"}).status_code == 302
    r = client.post(url, {"action": "start"})  # a second click: the tip is verifying already
    assert r.status_code == 422
    tip.refresh_from_db()
    assert tip.status == Status.VERIFYING
    shown = [str(m) for m in r.context["messages"]]
    assert shown and all(m for m in shown)


def test_department_user_gets_403_and_inspector_reads_only(client, users, tree):
    tip = _tip(users["village"])
    _login(client, users["department"])
    assert client.get(reverse("tips:list")).status_code == 403
    assert client.get(reverse("tips:detail", args=[tip.pk])).status_code == 403
    _login(client, users["cadre"])
    assert client.get(reverse("tips:list")).status_code == 403
    _login(client, users["inspector"])
    assert client.get(reverse("tips:list")).status_code == 200
    page = client.get(reverse("tips:detail", args=[tip.pk])).content.decode()
    assert 'name="action"' not in page
    r = client.post(reverse("tips:detail", args=[tip.pk]), {"action": "start"})
    assert r.status_code == 403
    assert client.get(reverse("tips:create")).status_code == 403
    with pytest.raises(NotAllowed):
        services.tip_assign(actor=users["inspector"], tip=tip, verifier=users["township"])


def test_household_page_shows_its_tips_to_those_who_may_read(client, users, household):
    _tip(users["township"], subject_kind=SubjectKind.HOUSEHOLD, household=household)
    url = reverse("household_detail", args=[household.pk])
    _login(client, users["township"])
    assert "反映低保评定不公" in client.get(url).content.decode()
    _login(client, users["village"])  # the village the tip is about: the page, not the tip
    resp = client.get(url)
    assert resp.status_code == 200 and "反映低保评定不公" not in resp.content.decode()
    _login(client, users["cadre"])  # paired cadres never read tips
    assert "反映低保评定不公" not in client.get(url).content.decode()


def test_anonymous_reporter_stays_anonymous(client, users, household):
    tip, _code = services.tip_submit_public(
        area_code=VILLAGE, household_number=household.number, content="匿名反映"
    )
    assert tip.is_anonymous
    for user in ("township", "county", "inspector"):
        _login(client, users[user])
        for url in (
            reverse("tips:detail", args=[tip.pk]),
            reverse("tips:list"),
            reverse("household_detail", args=[household.pk]),
        ):
            body = client.get(url).content.decode()
            assert "匿名反映" in body or url == reverse("tips:list")
    body = client.get(reverse("tips:detail", args=[tip.pk])).content.decode()
    assert "匿名" in body
    named = _tip(users["village"], reporter_name="赵六")
    _login(client, users["township"])
    services.tip_assign(actor=users["township"], tip=named, verifier=users["township"])
    assert "赵六" in client.get(reverse("tips:detail", args=[named.pk])).content.decode()
    assert "赵六" not in client.get(reverse("tips:detail", args=[tip.pk])).content.decode()


def test_overdue_list(client, users, tree):
    old = _tip(users["village"], received_at=timezone.now() - dt.timedelta(days=40))
    fresh = _tip(users["village"], content="新近举报")
    done = _tip(users["village"], received_at=timezone.now() - dt.timedelta(days=40))
    Tip.objects.filter(pk=done.pk).update(status=Status.REPLIED)
    rows, _more = selectors.tip_list(
        user=users["county"], filters=selectors.TipFilters(overdue=True)
    )
    assert [t.pk for t in rows] == [old.pk]
    _login(client, users["county"])
    body = client.get(reverse("tips:list") + "?overdue=on").content.decode()
    assert reverse("tips:detail", args=[old.pk]) in body
    assert reverse("tips:detail", args=[fresh.pk]) not in body
    assert reverse("tips:detail", args=[done.pk]) not in body
    assert selectors.overdue_count(users["county"]) == 1


def test_phone_reveal_is_logged(client, users, tree):
    from fupin.core.models import SensitiveRead

    tip = _tip(users["village"], reporter_phone="13912345678")
    _login(client, users["county"])  # not the verifier: no reveal, nothing logged
    assert client.post(reverse("tips:reveal_phone", args=[tip.pk])).status_code == 403
    assert not SensitiveRead.objects.exists()
    services.tip_assign(actor=users["county"], tip=tip, verifier=users["county"])
    r = client.post(reverse("tips:reveal_phone", args=[tip.pk]))
    assert "13912345678" in r.content.decode()
    assert SensitiveRead.objects.filter(object_type="tips.tip", user=users["county"]).exists()
