"""Who objected to a public notice (issue 14): the objector's name and phone are shown
only to the township or county users who may resolve the objection (authority
"objection.resolve"), once resolved to the one who did; never to the village staff, on
the notice page or on the household's case trail."""

import pytest
from django.urls import reverse

from fupin.cases import selectors, services
from fupin.cases.procedures import CaseKind
from fupin.cases.tests.helpers import TODAY, make_household, post_notice, walk_to_notice

pytestmark = pytest.mark.django_db

NAME, PHONE = "异议人张三", "13700004321"


@pytest.fixture
def objected(users):
    h = make_household(users, "盘石生", "341")
    case = services.case_open(actor=users["village"], household=h, kind=CaseKind.EXIT)
    case = walk_to_notice(users, case)
    notice = post_notice(users, [case])
    objection = services.objection_add(
        actor=users["village"],
        notice=notice,
        cases=[case],
        text="该户收入未达标",
        received_on=TODAY,
        reporter=NAME,
        reporter_phone=PHONE,
    )
    return h, notice, objection


def _pages(client, user, h, notice) -> list[str]:
    client.force_login(user)
    out = []
    for url in (
        reverse("cases:notice_detail", args=[notice.pk]),
        reverse("household_detail", args=[h.pk]),
    ):
        resp = client.get(url)
        assert resp.status_code == 200, url
        body = resp.content.decode()
        assert "该户收入未达标" in body, url  # the objection itself is shown
        out.append(body)
    return out


def _hidden(body: str) -> None:
    assert NAME not in body and PHONE not in body and "4321" not in body


def test_village_staff_do_not_see_who_objected(client, users, objected):
    h, notice, _objection = objected
    for body in _pages(client, users["village"], h, notice):
        _hidden(body)
        assert "objector-hidden" in body  # that someone was named, not who


def test_the_township_and_county_who_may_resolve_see_the_objector(client, users, objected):
    h, notice, _objection = objected
    for who in ("township", "county"):
        for body in _pages(client, users[who], h, notice):
            assert NAME in body and "137****4321" in body and PHONE not in body


def test_once_resolved_only_the_resolver_sees_the_objector(client, users, objected):
    h, notice, objection = objected
    services.objection_resolve(
        actor=users["township"], objection=objection, upheld=False, resolution="经核实不属实"
    )
    for body in _pages(client, users["township"], h, notice):
        assert NAME in body
    for who in ("county", "village"):
        for body in _pages(client, users[who], h, notice):
            _hidden(body)


def test_the_selector_decides(users, objected):
    _h, notice, objection = objected
    village = notice.village_id
    assert selectors.may_see_objector(users["township"], objection, village)
    assert not selectors.may_see_objector(users["village"], objection, village)
    assert not selectors.may_see_objector(users["neighbour"], objection, village)
    assert not selectors.may_see_objector(users["department"], objection, village)
    shown = selectors.notice_objections(user=users["village"], notice=notice)
    assert [o.show_objector for o in shown] == [False]
    assert [o.objector_given for o in shown] == [True]
