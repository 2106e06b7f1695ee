import datetime as dt

import pytest

from conftest import make_id, member_data
from fupin.core.models import ChangeRecord
from fupin.registry.models import Member, MemberChange

pytestmark = pytest.mark.django_db


def _post_member(client, household, **over):
    payload = member_data(
        id_number=make_id(birth="20100505", seq="333"),
        name="盘小明",
        relation="son",
        education="",
        school_status="junior",
        health="healthy",
        labour="none",
    )
    payload.update(kind="birth", date="2010-05-05", reason="补录")
    payload.update(over)
    payload = {k: v for k, v in payload.items() if v is not None}
    return client.post(
        f"/api/v1/households/{household.pk}/members", payload, content_type="application/json"
    )


def test_list_and_filters(village_api, household, neighbour_household):
    body = village_api.get("/api/v1/members").json()
    assert [m["name"] for m in body["items"]] == ["盘石生"]
    assert body["next_after"] is None
    assert village_api.get("/api/v1/members?q=盘").json()["items"][0]["name"] == "盘石生"
    assert village_api.get("/api/v1/members?q=李").json()["items"] == []
    by_household = village_api.get(f"/api/v1/members?household={household.pk}").json()
    assert len(by_household["items"]) == 1
    assert village_api.get("/api/v1/members?active=false").json()["items"] == []


def test_search_by_id_number_prefix_and_full(api_client, household, neighbour_household):
    client = api_client("county")
    full = neighbour_household.members.get().id_number
    assert [m["name"] for m in client.get(f"/api/v1/members?q={full}").json()["items"]] == [
        "李秀英"
    ]
    both = client.get("/api/v1/members?q=43112919800101").json()["items"]
    assert len(both) == 2


def test_members_keyset(api_client, household, neighbour_household):
    client = api_client("county")
    first = client.get("/api/v1/members?limit=1").json()
    assert len(first["items"]) == 1 and first["next_after"] == first["items"][0]["id"]
    second = client.get(f"/api/v1/members?limit=1&after={first['next_after']}").json()
    assert second["items"][0]["id"] > first["items"][0]["id"]
    assert second["next_after"] is None


def test_detail_has_changes(village_api, household):
    member = household.members.get()
    body = village_api.get(f"/api/v1/members/{member.pk}").json()
    assert body["name"] == "盘石生"
    assert body["household_id"] == household.pk
    assert body["household_number"] == household.number
    assert [ch["kind"] for ch in body["changes"]] == ["missing_added"]
    assert body["birth_date"] == "1980-01-01"


def test_neighbours_member_is_404(village_api, neighbour_household):
    member = neighbour_household.members.get()
    response = village_api.get(f"/api/v1/members/{member.pk}")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": response.json()["message"]}
    full = member.id_number
    assert village_api.get(f"/api/v1/members?q={full}").json()["items"] == []


def test_add_member_fills_sex_and_birth_from_id_and_records_change(village_api, users, household):
    response = _post_member(village_api, household)
    assert response.status_code == 201, response.content
    body = response.json()
    m = Member.objects.get(pk=body["id"])
    assert (m.sex, m.birth_date) == ("M", dt.date(2010, 5, 5))
    assert m.household_id == household.pk
    change = MemberChange.objects.get(member=m)
    assert (change.kind, change.date, change.reason) == ("birth", dt.date(2010, 5, 5), "补录")
    rec = ChangeRecord.objects.get(object_type="registry.member", object_id=str(m.pk))
    assert rec.user == users["village"]
    assert rec.related_id == str(household.pk)


def test_add_member_to_neighbours_household_is_404(village_api, neighbour_household):
    response = _post_member(village_api, neighbour_household)
    assert response.status_code == 404
    assert neighbour_household.members.count() == 1


def test_invalid_id_number_is_422_with_field(village_api, household):
    bad = make_id(birth="20100505", seq="333")[:-1] + "0"
    if bad == make_id(birth="20100505", seq="333"):
        bad = bad[:-1] + "1"
    response = _post_member(village_api, household, id_number=bad)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == ["id_number"]
    assert household.members.count() == 1


def test_sex_disagreeing_with_id_number_is_422(village_api, household):
    response = _post_member(village_api, household, sex="F")
    assert response.status_code == 422
    assert "sex" in response.json()["errors"]


def test_duplicate_person_is_409(village_api, household, neighbour_household):
    other = neighbour_household.members.get().id_number
    response = _post_member(village_api, household, id_number=other, sex="F", relation="spouse")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate_person"
    assert "id_number" in body["errors"]
    assert household.members.count() == 1


def test_missing_required_field_is_422(village_api, household):
    response = village_api.post(
        f"/api/v1/households/{household.pk}/members",
        {"name": "无号"},
        content_type="application/json",
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "id_number" in errors and "relation" in errors


def test_update_member(village_api, users, household):
    member = household.members.get()
    response = village_api.patch(
        f"/api/v1/members/{member.pk}",
        {"health": "healthy", "phone": "13512345678", "reason": "复核"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    member.refresh_from_db()
    assert (member.health, member.phone) == ("healthy", "13512345678")
    assert response.json()["phone"] == "135****5678"
    rec = ChangeRecord.objects.get(
        object_type="registry.member", object_id=str(member.pk), action="update"
    )
    assert rec.user == users["village"]
    assert rec.reason == "复核"
    assert rec.changes["health"] == ["chronic", "healthy"]


def test_update_neighbours_member_is_404(village_api, neighbour_household):
    member = neighbour_household.members.get()
    response = village_api.patch(
        f"/api/v1/members/{member.pk}", {"name": "x"}, content_type="application/json"
    )
    assert response.status_code == 404
    member.refresh_from_db()
    assert member.name == "李秀英"


def test_department_cannot_update_member(api_client, household):
    member = household.members.get()
    response = api_client("department").patch(
        f"/api/v1/members/{member.pk}", {"name": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.name == "盘石生"


def test_member_list_query_count_does_not_grow(api_client, users, household, neighbour_household):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fupin.registry import services

    client = api_client("county")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            body = client.get("/api/v1/members").json()
        return len(ctx.captured_queries), len(body["items"])

    small = count()
    for i in range(5):
        services.member_add(
            actor=users["village"],
            household=household,
            data=member_data(
                id_number=make_id(birth="19900101", seq=f"5{i}1"), name=f"成员{i}", relation="son"
            ),
        )
    large = count()
    assert (small[1], large[1]) == (2, 7)
    assert small[0] == large[0]
