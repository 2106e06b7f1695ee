"""GET /api/v1/projects and /api/v1/projects/{id}: the project library, scoped, with money."""

import datetime as dt
from decimal import Decimal

import pytest

from conftest import NEIGHBOUR, VILLAGE
from fupin.projects.models import ProjectState
from fupin.projects.tests.helpers import (  # noqa: F401
    _clear_cache,
    allocation,
    pay,
    propose,
    source,
    walk,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(users, allocation):  # noqa: F811
    """A project in progress with 600,000 budgeted and 150,000 paid, in VILLAGE."""
    p = walk(propose(users["village"]), users, ProjectState.IN_PROGRESS, allocation=allocation)
    line = p.budget_lines.get()
    pay(users, line=line, amount="150000.00", paid_on=dt.date(2018, 6, 1))
    return p


def test_list_shows_money_and_rate(api_client, running, users):
    body = api_client("village").get("/api/v1/projects").json()
    [item] = body["items"]
    assert item["id"] == running.pk and item["villages"] == [VILLAGE]
    assert item["state"] == "in_progress"
    assert item["budget"] == "600000.00"  # to the fen on both databases
    assert Decimal(item["disbursed"]) == Decimal("150000.00")
    assert Decimal(item["execution_rate"]) == Decimal("0.2500")
    # Scheduled to end on 2018-10-31 and not accepted: overdue today.
    assert item["overdue"] is True
    assert body["next_after"] is None


def test_scope_filters_and_pages(api_client, running, users):
    other = propose(users["neighbour"], villages=(NEIGHBOUR,), name="清塘村饮水工程")
    assert [p["id"] for p in api_client("neighbour").get("/api/v1/projects").json()["items"]] == [
        other.pk
    ]
    township = api_client("township")
    ids = [p["id"] for p in township.get("/api/v1/projects").json()["items"]]
    assert sorted(ids) == sorted([running.pk, other.pk])
    proposed = township.get("/api/v1/projects?state=proposed").json()["items"]
    assert [p["id"] for p in proposed] == [other.pk]
    assert [
        p["id"] for p in township.get(f"/api/v1/projects?village={NEIGHBOUR}").json()["items"]
    ] == [other.pk]
    first = township.get("/api/v1/projects?limit=1").json()
    assert len(first["items"]) == 1 and first["next_after"] == first["items"][0]["id"]
    second = township.get(f"/api/v1/projects?limit=1&after={first['next_after']}").json()
    assert [p["id"] for p in first["items"] + second["items"]] == sorted(ids)
    assert township.get("/api/v1/projects?state=nonsense").status_code == 422
    assert township.get("/api/v1/projects?limit=500").status_code == 422
    bad = township.get("/api/v1/projects?village=大坪村")
    assert bad.status_code == 422 and "village" in bad.json()["errors"]


def test_detail_has_lines_and_signed_steps(api_client, running):
    body = api_client("village").get(f"/api/v1/projects/{running.pk}").json()
    [line] = body["budget_lines"]
    assert line["source"] == "中央财政专项扶贫资金" and Decimal(line["amount"]) == 600000
    steps = [s["to_state"] for s in body["steps"]]
    assert steps == ["proposed", "reviewed", "approved", "in_progress"]
    assert body["steps"][2]["actor_name"] == "county"
    assert body["beneficiary_households"] == 0
    assert body["description"]


def test_outside_the_area_is_not_found(api_client, running):
    assert api_client("neighbour").get(f"/api/v1/projects/{running.pk}").status_code == 404
    assert api_client("other_county").get("/api/v1/projects").json()["items"] == []
    assert api_client("village").get("/api/v1/projects/999999").status_code == 404


def test_read_only(api_client, running):
    client = api_client("county")
    assert client.post("/api/v1/projects", {}, content_type="application/json").status_code == 405
    assert client.delete(f"/api/v1/projects/{running.pk}").status_code == 405


def test_allocations_show_committed_paid_and_free(api_client, running, allocation):  # noqa: F811
    body = api_client("county").get("/api/v1/allocations").json()
    [item] = body["items"]
    assert item["id"] == allocation.pk and item["year"] == 2018
    assert item["source"] == "中央财政专项扶贫资金" and item["source_kind"] == "central"
    assert Decimal(item["amount"]) == Decimal("1000000.00")
    assert Decimal(item["committed"]) == Decimal("600000.00")
    assert Decimal(item["disbursed"]) == Decimal("150000.00")
    assert Decimal(item["balance"]) == Decimal("400000.00")
    assert Decimal(item["execution_rate"]) == Decimal("0.2500")
    assert api_client("county").get("/api/v1/allocations?year=2019").json()["items"] == []
    # A county allocation is not a village's to see; another county sees nothing.
    assert api_client("village").get("/api/v1/allocations").json()["items"] == []
    assert api_client("other_county").get("/api/v1/allocations").json()["items"] == []
