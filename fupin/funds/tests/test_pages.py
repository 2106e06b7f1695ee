"""Funds pages: index scoped to the area with committed/disbursed/balance, allocation
create for fund managers only, allocation page and adjustment."""

from decimal import Decimal

import pytest
from django.urls import reverse

from fupin.funds.models import Allocation, FundSource
from fupin.projects.tests.helpers import COUNTY, propose, walk

pytestmark = pytest.mark.django_db


def test_index_shows_balances_in_scope(client, users, allocation):
    project = walk(propose(users["village"]), users, "approved", allocation=allocation)
    assert project.budget_lines.get().amount == Decimal("600000.00")
    client.force_login(users["county"])
    body = client.get(reverse("funds:index")).content.decode()
    assert "中央财政专项扶贫资金" in body
    assert "1,000,000.00" in body and "600,000.00" in body and "400,000.00" in body
    en = client.get(reverse("funds:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Committed (yuan)" in en and "Balance (yuan)" in en
    client.force_login(users["other_county"])
    other = client.get(reverse("funds:index")).content.decode()
    assert "1,000,000.00" not in other and "600,000.00" not in other
    url = reverse("funds:allocation", args=[allocation.pk])
    assert client.get(url).status_code == 404
    client.force_login(users["county"])
    page = client.get(url).content.decode()
    assert project.name in page and "湘财农指〔2018〕1号" in page


def test_only_fund_managers_add_allocations(client, users, source):
    client.force_login(users["township"])
    assert client.get(reverse("funds:allocation_new")).status_code == 403
    assert client.get(reverse("funds:source_new")).status_code == 403
    client.force_login(users["county"])
    assert client.get(reverse("funds:allocation_new")).status_code == 200
    resp = client.post(
        reverse("funds:allocation_new"),
        {
            "source": source.pk,
            "area": COUNTY,
            "year": 2019,
            "amount": "2500000.00",
            "allowed_uses": ["industry", "road"],
            "document": "永财农〔2019〕12号",
        },
    )
    a = Allocation.objects.get(year=2019)
    assert resp.status_code == 302 and a.amount == Decimal("2500000.00")
    assert a.allowed_uses == ["industry", "road"]
    resp = client.post(
        reverse("funds:source_new"), {"kind": "donation", "name": "社会帮扶捐赠资金"}
    )
    assert resp.status_code == 302 and FundSource.objects.filter(kind="donation").exists()


def test_adjust_an_allocation(client, users, allocation):
    walk(propose(users["village"]), users, "approved", allocation=allocation, budget="700000")
    client.force_login(users["county"])
    url = reverse("funds:allocation", args=[allocation.pk])
    resp = client.post(url, {"amount": "500000.00", "reason": "调减"})
    assert resp.status_code == 422  # refused, below the committed 700,000
    allocation.refresh_from_db()
    assert allocation.amount == Decimal("1000000.00")
    resp = client.post(url, {"amount": "800000.00", "reason": "调减"})
    assert resp.status_code == 302
    allocation.refresh_from_db()
    assert allocation.amount == Decimal("800000.00")
    client.force_login(users["inspector"])
    assert client.get(url).status_code == 200
    assert client.post(url, {"amount": "1.00", "reason": "x"}).status_code == 403
