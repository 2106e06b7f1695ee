"""The pages and API of the posts and jobs ledgers: scoped to the user's area, ID
numbers masked, keyset paging, the household page's panels and actions, the forms of
the services (four eyes on the page too), the pending proposals decided together, the
workbook download for the roles that may export."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from fupin.employment import selectors, services
from fupin.employment.models import Holding, HoldingStatus, Placement
from fupin.employment.tests.authority_invokers import person, post

START = dt.date(2024, 3, 1)


@pytest.fixture
def ranger(users):
    return post(users)


@pytest.fixture
def holding(users, household, ranger):
    h = services.holding_propose(
        actor=users["village"], post=ranger, member=household.members.get(), start_on=START
    )
    return services.holding_decide(actor=users["township"], holding=h, approve=True, today=START)


@pytest.fixture
def placement(users, household):
    member = household.members.get()
    return services.placement_record(
        actor=users["village"],
        household=household,
        member=member,
        data={
            "kind": "migrant",
            "employer": "东莞电子厂",
            "place": "广东省东莞市",
            "place_scope": "out_province",
            "start_on": dt.date(2024, 2, 20),
            "monthly_income": Decimal("4500"),
        },
    )


def test_pages_are_scoped_and_mask_the_id(client, users, holding, placement):
    idn = holding.member.id_number
    client.force_login(users["village"])
    for url in (
        reverse("employment:holding", args=[holding.pk]),
        reverse("employment:placement", args=[placement.pk]),
        reverse("employment:post", args=[holding.post_id]),
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert idn not in page.content.decode()
    assert idn[-4:] in client.get(reverse("employment:holding", args=[holding.pk])).content.decode()
    assert holding.post.code in client.get(reverse("employment:posts")).content.decode()
    assert "东莞电子厂" in client.get(reverse("employment:placements")).content.decode()
    client.force_login(users["neighbour"])
    assert client.get(reverse("employment:holding", args=[holding.pk])).status_code == 404
    assert client.get(reverse("employment:post", args=[holding.post_id])).status_code == 404
    assert client.get(reverse("employment:placement", args=[placement.pk])).status_code == 404
    assert holding.post.code not in client.get(reverse("employment:posts")).content.decode()
    assert "东莞电子厂" not in client.get(reverse("employment:placements")).content.decode()


def test_lists_page_by_keyset(client, users, household, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    codes = [post(users).code for _ in range(5)]
    client.force_login(users["village"])
    first = client.get(reverse("employment:posts")).content.decode()
    assert codes[4] in first and codes[3] in first and codes[2] not in first
    page = selectors.post_page(
        user=users["village"],
        filters=selectors.PostFilters(),
        today=START,
    )[0]
    older = client.get(reverse("employment:posts"), {"older": page.older}).content.decode()
    assert codes[2] in older and codes[1] in older and codes[4] not in older
    assert 'rel="prev"' in older and 'rel="prev"' not in first
    newer = client.get(reverse("employment:posts"), {"newer": codes_pk(codes[2])}).content
    assert codes[4] in newer.decode() and codes[3] in newer.decode()


def codes_pk(code):
    from fupin.employment.models import Post

    return Post.objects.get(code=code).pk


def test_vacant_filter(client, users, holding):
    empty = post(users)
    client.force_login(users["village"])
    html = client.get(reverse("employment:posts"), {"vacant": "on"}).content.decode()
    assert empty.code in html and holding.post.code not in html


def test_propose_on_the_page_then_appoint_with_four_eyes(client, users, household, ranger):
    url = reverse("employment:propose", args=[household.pk])
    client.force_login(users["township"])
    page = client.get(url)
    assert page.status_code == 200 and ranger.code in page.content.decode()
    member = household.members.get()
    response = client.post(url, {"member": member.pk, "post": ranger.pk, "start_on": "2024-03-01"})
    holding = Holding.objects.get()
    assert response.status_code == 302 and holding.proposed_by_id == users["township"].pk
    detail = reverse("employment:holding", args=[holding.pk])
    # The proposer sees no decision form and is refused if it posts one.
    assert 'value="decide"' not in client.get(detail).content.decode()
    assert client.post(detail, {"action": "decide", "approve": "yes"}).status_code == 403
    client.force_login(users["county"])
    assert 'value="decide"' in client.get(detail).content.decode()
    assert client.post(detail, {"action": "decide", "approve": "yes"}).status_code == 302
    holding.refresh_from_db()
    assert holding.status == HoldingStatus.APPROVED


def test_a_refused_proposal_answers_422_with_the_reason(client, users, household, ranger):
    client.force_login(users["village"])
    url = reverse("employment:propose", args=[household.pk])
    member = household.members.get()
    response = client.post(url, {"member": member.pk, "post": ranger.pk, "start_on": "2022-01-01"})
    assert response.status_code == 422
    assert "未设立" in response.content.decode()  # the post opened in 2023
    assert not Holding.objects.exists()


def test_pending_proposals_decided_together(client, users, ranger):
    a = services.holding_propose(
        actor=users["village"], post=ranger, member=person(users), start_on=START
    )
    b = services.holding_propose(
        actor=users["village"], post=post(users), member=person(users), start_on=START
    )
    client.force_login(users["village"])  # may not decide: sees none
    assert str(a.member.name) not in client.get(reverse("employment:pending")).content.decode()
    client.force_login(users["township"])
    html = client.get(reverse("employment:pending")).content.decode()
    assert a.member.name in html and b.member.name in html
    response = client.post(
        reverse("employment:pending"), {"holdings": [a.pk, b.pk], "approve": "yes"}
    )
    assert response.status_code == 302
    assert set(Holding.objects.values_list("status", flat=True)) == {HoldingStatus.APPROVED}
    assert set(Holding.objects.values_list("decided_by", flat=True)) == {users["township"].pk}


def test_pay_and_end_on_the_holding_page(client, users, holding):
    client.force_login(users["village"])
    url = reverse("employment:holding", args=[holding.pk])
    form = {"action": "pay", "month": "2024-03-01", "amount": "833.33", "paid_on": "2024-04-05"}
    assert client.post(url, form).status_code == 302
    again = client.post(url, form)
    assert again.status_code == 422 and "已有发放记录" in again.content.decode()
    assert (
        client.post(
            url, {"action": "end", "end_on": "2024-03-01", "end_reason": "moved"}
        ).status_code
        == 422
    )
    assert (
        client.post(
            url, {"action": "end", "end_on": "2024-05-01", "end_reason": "moved"}
        ).status_code
        == 302
    )
    holding.refresh_from_db()
    assert holding.end_on == dt.date(2024, 5, 1)


def test_new_job_and_subsidy_on_the_pages(client, users, household):
    client.force_login(users["village"])
    url = reverse("employment:placement_new", args=[household.pk])
    member = household.members.get()
    data = {
        "member": member.pk,
        "kind": "migrant",
        "employer": "义乌物流",
        "place": "浙江义乌",
        "place_scope": "out_province",
        "start_on": "2024-02-01",
        "monthly_income": "5000",
    }
    assert client.post(url, data).status_code == 302
    job = Placement.objects.get()
    detail = reverse("employment:placement", args=[job.pk])
    form = {"action": "subsidy", "paid_on": "2024-02-20", "amount": "500"}
    assert client.post(detail, form).status_code == 302
    assert client.post(detail, {**form, "paid_on": "2024-09-01"}).status_code == 422


def test_household_page_shows_the_panels_and_actions(client, users, household, holding, placement):
    client.force_login(users["village"])
    html = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert holding.post.code in html and "东莞电子厂" in html
    assert reverse("employment:propose", args=[household.pk]) in html
    assert reverse("employment:placement_new", args=[household.pk]) in html
    client.force_login(users["department"])
    html = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert reverse("employment:propose", args=[household.pk]) not in html


@pytest.mark.parametrize("name", ["employment:export_posts", "employment:export_jobs"])
def test_the_export_needs_the_area_export_capability(client, users, holding, name):
    client.force_login(users["cadre"])
    assert client.get(reverse(name)).status_code == 403
    client.force_login(users["village"])
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"
    # Closed last: closing a streamed response ends the request (and its connection).
    response.close()


def test_api_scoped_and_masked(client, users, holding, placement):
    client.force_login(users["village"])
    body = client.get("/api/v1/post-holdings").json()
    assert [i["id"] for i in body["items"]] == [holding.pk]
    assert (
        body["items"][0]["holder_id_number"].startswith("*")
        or "*" in body["items"][0]["holder_id_number"]
    )
    assert holding.member.id_number not in str(body)
    jobs = client.get("/api/v1/placements").json()
    assert [i["employer"] for i in jobs["items"]] == ["东莞电子厂"]
    posts = client.get("/api/v1/posts", {"area": "431129100000"}).json()
    assert [i["code"] for i in posts["items"]] == [holding.post.code]
    client.force_login(users["neighbour"])
    assert client.get("/api/v1/post-holdings").json()["items"] == []
    assert client.get("/api/v1/posts").json()["items"] == []
    assert client.get("/api/v1/placements").json()["items"] == []


def test_main_navigation_links_to_the_posts(client, users):
    client.force_login(users["village"])
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("employment:posts")}"' in html
    assert f'href="{reverse("relocation:list")}"' in html
