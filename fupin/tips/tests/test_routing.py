"""A tip never reaches the accused (issue 14): it is routed to the office above its
subject, the users of the village it is about neither list, read nor act on it, and the
reporter's identity is shown only to the assigned verifier."""

import pytest
from django.urls import reverse

from conftest import VILLAGE, _user
from fupin.accounts.roles import Role
from fupin.core.errors import NotAllowed, OutsideArea
from fupin.core.models import ChangeRecord, SensitiveRead
from fupin.tips import selectors, services
from fupin.tips.models import Channel, Status, SubjectKind, Tip

pytestmark = pytest.mark.django_db

TOWNSHIP = "431129100000"
NAME, PHONE = "举报人王五", "13912345678"


def _cadre_tip(actor, **over) -> Tip:
    data = {
        "actor": actor,
        "channel": Channel.HOTLINE,
        "subject_kind": SubjectKind.CADRE,
        "area_code": VILLAGE,
        "subject": "大坪村支书",
        "content": "村支书把低保给了亲戚",
        "reporter_name": NAME,
        "reporter_phone": PHONE,
    }
    data.update(over)
    return services.tip_record(**data)[0]


def _identity_absent(body: str) -> None:
    assert NAME not in body
    assert PHONE not in body and PHONE[-4:] not in body


@pytest.fixture
def colleague(users):
    """A second user of the same township station, not the verifier."""
    return _user("township2", Role.TOWNSHIP_STATION, TOWNSHIP)


def test_a_tip_about_a_village_goes_to_its_township_and_one_about_a_township_to_the_county(
    users, tree
):
    about_village = _cadre_tip(users["county"])
    about_township = _cadre_tip(users["county"], area_code=TOWNSHIP, subject="镇长")
    public, _code = services.tip_submit_public(area_code=VILLAGE, content="反映村干部")
    assert about_village.routed_to_id == TOWNSHIP and public.routed_to_id == TOWNSHIP
    assert about_township.routed_to_id == "431129000000"
    township = [t.pk for t in selectors.tip_queryset(users["township"])]
    assert about_village.pk in township and about_township.pk not in township
    with pytest.raises(OutsideArea):  # the township does not read a tip about itself
        selectors.tip_read(user=users["township"], pk=about_township.pk)
    assert selectors.tip_read(user=users["county"], pk=about_township.pk) == about_township


def test_the_accused_village_neither_lists_reads_nor_acts(client, users, household):
    tip = _cadre_tip(users["township"], household=household, subject_kind=SubjectKind.HOUSEHOLD)
    village = users["village"]
    client.force_login(village)
    detail = reverse("tips:detail", args=[tip.pk])
    assert client.get(detail).status_code == 404
    body = client.get(reverse("tips:list")).content.decode()
    assert detail not in body and "村支书把低保给了亲戚" not in body
    _identity_absent(body)
    page = client.get(reverse("household_detail", args=[household.pk]))
    assert page.status_code == 200
    assert detail not in page.content.decode()
    _identity_absent(page.content.decode())
    # No action through the page ...
    for data in (
        {"action": "assign", "verifier": village.pk},
        {"action": "start"},
        {"action": "conclude", "outcome": "not_substantiated", "findings": "不属实"},
        {"action": "reply", "reply": "不属实"},
    ):
        assert client.post(detail, data).status_code == 404
    assert client.post(reverse("tips:reveal_phone", args=[tip.pk])).status_code == 404
    # ... nor through the services, even once the tip is assigned and concluded.
    records = ChangeRecord.objects.count()
    with pytest.raises(OutsideArea):
        services.tip_assign(actor=village, tip=tip, verifier=village)
    services.tip_assign(actor=users["township"], tip=tip, verifier=users["township"])
    records = ChangeRecord.objects.count()
    with pytest.raises(OutsideArea):
        services.tip_start_verification(actor=village, tip=tip)
    with pytest.raises(OutsideArea):
        services.tip_conclude(actor=village, tip=tip, outcome="partly", findings="x")
    Tip.objects.filter(pk=tip.pk).update(status=Status.CONCLUDED)
    tip.refresh_from_db()
    with pytest.raises(OutsideArea):
        services.tip_reply(actor=village, tip=tip, reply="x")
    # Refusals leave the database unchanged.
    tip.refresh_from_db()
    assert tip.status == Status.CONCLUDED and tip.verifier == users["township"]
    assert tip.findings == "" and tip.reply == ""
    assert ChangeRecord.objects.count() == records
    assert not SensitiveRead.objects.exists()


def test_village_staff_may_record_a_tip_that_then_leaves_their_sight(client, users, tree):
    client.force_login(users["village"])
    resp = client.post(
        reverse("tips:create"),
        {
            "channel": Channel.VISIT,
            "subject_kind": SubjectKind.CADRE,
            "area": VILLAGE,
            "subject": "村会计",
            "content": "村会计虚报项目资金",
            "reporter_name": NAME,
            "reporter_phone": PHONE,
        },
    )
    tip = Tip.objects.get()
    assert tip.routed_to_id == TOWNSHIP
    assert resp.status_code == 302 and resp["Location"] == reverse("tips:list")
    listing = client.get(resp["Location"])
    assert listing.status_code == 200
    listing = listing.content.decode()
    assert "tracking-code" in listing  # the code to hand to the reporter, once
    assert reverse("tips:detail", args=[tip.pk]) not in listing
    assert "村会计虚报项目资金" not in listing
    assert client.get(reverse("tips:detail", args=[tip.pk])).status_code == 404


def test_only_the_assigned_verifier_sees_the_reporter(client, users, colleague, tree):
    tip = _cadre_tip(users["county"])
    detail = reverse("tips:detail", args=[tip.pk])
    reveal = reverse("tips:reveal_phone", args=[tip.pk])
    # Before anyone is assigned: no one sees who reported, not even the county.
    for who in ("township", "county", "inspector"):
        client.force_login(users[who])
        body = client.get(detail).content.decode()
        assert "村支书把低保给了亲戚" in body
        _identity_absent(body)
    services.tip_assign(actor=users["township"], tip=tip, verifier=users["township"])
    # The assigned verifier: the name, the masked phone, and the logged reveal.
    client.force_login(users["township"])
    body = client.get(detail).content.decode()
    assert NAME in body and "139****5678" in body and PHONE not in body
    assert PHONE in client.post(reveal).content.decode()
    assert SensitiveRead.objects.filter(user=users["township"], object_type="tips.tip").count() == 1
    # Another user of the same township, the county above, the inspector: not the verifier.
    for user in (colleague, users["county"], users["inspector"]):
        client.force_login(user)
        body = client.get(detail).content.decode()
        assert client.get(detail).status_code == 200
        _identity_absent(body)
        assert client.post(reveal).status_code == 403
        assert not selectors.may_see_reporter(user, tip)
    # A user of another township does not even find the tip.
    other = _user("far_township", Role.TOWNSHIP_STATION, "431129103000")
    client.force_login(other)
    assert client.get(detail).status_code == 404
    assert SensitiveRead.objects.count() == 1
    # A new verifier takes over the identity; the old one loses it.
    services.tip_assign(actor=users["township"], tip=tip, verifier=colleague)
    client.force_login(users["township"])
    _identity_absent(client.get(detail).content.decode())
    client.force_login(colleague)
    assert NAME in client.get(detail).content.decode()


def test_only_the_assigned_verifier_verifies(users, colleague, tree):
    tip = _cadre_tip(users["county"])
    services.tip_assign(actor=users["township"], tip=tip, verifier=users["township"])
    for user in (colleague, users["county"]):
        with pytest.raises(NotAllowed):
            services.tip_start_verification(actor=user, tip=tip)
        with pytest.raises(NotAllowed):
            services.tip_conclude(actor=user, tip=tip, outcome="partly", findings="x")
    tip.refresh_from_db()
    assert tip.status == Status.ASSIGNED
    services.tip_conclude(actor=users["township"], tip=tip, outcome="partly", findings="属实")
    services.tip_reply(actor=colleague, tip=tip, reply="已核实")  # the office answers
    assert Tip.objects.get(pk=tip.pk).status == Status.REPLIED


def test_verifiers_are_of_the_office_the_tip_goes_to(users, colleague, tree):
    tip = _cadre_tip(users["county"])
    by_county = {u.username for u in services.verifier_candidates(actor=users["county"], tip=tip)}
    assert by_county == {"township", "township2", "county"}
    by_township = {
        u.username for u in services.verifier_candidates(actor=users["township"], tip=tip)
    }
    assert by_township == {"township", "township2"}


def test_the_change_records_keep_no_reporter_identity(users, tree):
    tip = _cadre_tip(users["township"])
    services.tip_assign(actor=users["township"], tip=tip, verifier=users["township"])
    records = list(ChangeRecord.objects.filter(object_type="tips.tip", object_id=str(tip.pk)))
    assert len(records) == 2
    for r in records:
        assert r.area_code == TOWNSHIP
        assert NAME not in str(r.post_data) and PHONE not in str(r.post_data)
        assert NAME not in str(r.changes) and PHONE not in str(r.changes)


def test_tracking_reveals_nothing_of_other_tips(client, users, tree):
    mine, code = services.tip_submit_public(
        area_code=VILLAGE, content="我的举报", reporter_name="甲", reporter_phone="13900000001"
    )
    other, _other_code = services.tip_submit_public(
        area_code=VILLAGE, content="别人的举报", reporter_name="乙", reporter_phone="13900000002"
    )
    for tip, text in ((mine, "给甲的答复"), (other, "给乙的答复")):
        services.tip_assign(actor=users["township"], tip=tip, verifier=users["township"])
        services.tip_conclude(actor=users["township"], tip=tip, outcome="partly", findings="内部")
        services.tip_reply(actor=users["township"], tip=tip, reply=text)
    body = client.post(reverse("tips:track"), {"code": code}).content.decode()
    assert "给甲的答复" in body
    for secret in ("给乙的答复", "别人的举报", "我的举报", "内部", "乙", "13900000002", "township"):
        assert secret not in body, secret
    assert f"/tips/{other.pk}/" not in body and f"/tips/{mine.pk}/" not in body
    # A code that is not one: nothing of any tip.
    body = client.post(reverse("tips:track"), {"code": "ABCDEFGHJKMN"}).content.decode()
    assert "给甲的答复" not in body and "给乙的答复" not in body
