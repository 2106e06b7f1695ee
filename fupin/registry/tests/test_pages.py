"""Pages: login, home, divisions, household list and page, forms."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from conftest import (
    NEIGHBOUR,
    VILLAGE,
    give_status,
    make_id,
    member_data,
    pair_cadre,
    registered_household,
)
from fupin.core.models import ChangeRecord
from fupin.geo.models import VillageProfile
from fupin.registry import choices as c
from fupin.registry import services
from fupin.registry.models import Assessment, Household, IncomeRecord, Member, MemberChange

pytestmark = pytest.mark.django_db


def test_pages_need_login(client, household):
    for url in [
        reverse("home"),
        reverse("division_root"),
        reverse("household_list"),
        reverse("household_detail", args=[household.pk]),
        reverse("household_edit", args=[household.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


def test_login_page_and_login(client, users):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="password"' in response.content
    response = client.post(reverse("login"), {"username": "village", "password": "pw-village"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    response = client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_home_counts_by_status_in_area(login, household, neighbour_household, users):
    give_status(neighbour_household, c.HouseholdStatus.EXITED, 2019)
    html = login("village").get(reverse("home")).content.decode()
    assert "village_staff" not in html  # the role label, not the code
    counts = {
        s["value"]: s["n"] for s in login("village").get(reverse("home")).context["by_status"]
    }
    assert counts["poor"] == 1 and counts["exited"] == 0
    counts = {
        s["value"]: s["n"] for s in login("township").get(reverse("home")).context["by_status"]
    }
    assert counts["poor"] == 1 and counts["exited"] == 1
    response = login("township").get(reverse("home"))
    assert reverse("household_create") in response.content.decode()


def test_home_read_only_for_department(login, household):
    response = login("department").get(reverse("home"))
    assert response.context["read_only"] is True
    assert reverse("household_create") not in response.content.decode()


def test_division_tree_counts_and_breadcrumb(login, household, neighbour_household):
    response = login("county").get(reverse("division_root"))
    assert response.status_code == 200
    tree = response.context["tree"]
    assert tree.node.code == "431129000000"
    counts = {d.code: (d.household_count, d.member_count) for d in tree.children}
    assert counts == {"431129100000": (2, 2), "431129103000": (0, 0)}

    response = login("county").get(reverse("division", args=["431129100000"]))
    tree = response.context["tree"]
    counts = {d.code: (d.household_count, d.member_count) for d in tree.children}
    assert counts == {VILLAGE: (1, 1), NEIGHBOUR: (1, 1)}
    assert [d.code for d in tree.breadcrumb] == ["431129000000", "431129100000"]


def test_division_counts_are_one_query_each(login, household, neighbour_household):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login("county")
    client.get(reverse("division_root"))  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("division", args=["431129100000"]))
    grouped = [q["sql"] for q in ctx.captured_queries if "GROUP BY" in q["sql"].upper()]
    assert len(grouped) == 2
    assert len(ctx.captured_queries) <= 10


def test_division_breadcrumb_never_above_users_area(login):
    tree = login("village").get(reverse("division_root")).context["tree"]
    assert [d.code for d in tree.breadcrumb] == [VILLAGE]


def test_division_outside_area_is_404(login, users):
    assert login("village").get(reverse("division", args=[NEIGHBOUR])).status_code == 404
    assert login("township").get(reverse("division", args=["431129000000"])).status_code == 404
    assert login("county").get(reverse("division", args=["431128100201"])).status_code == 404
    assert login("county").get(reverse("division", args=["999999999999"])).status_code == 404


def test_village_profile_shown_and_edited(login, users):
    response = login("village").get(reverse("division", args=[VILLAGE]))
    assert response.context["profile_form"] is not None
    url = reverse("village_profile_edit", args=[VILLAGE])
    response = login("village").post(
        url,
        {
            "is_poor_village": "on",
            "exit_year": "2019",
            "rural_population": "1234",
            "rural_households": "321",
            "collective_income": "50000",
            "has_power": "on",
            "reason": "survey 2019",
        },
    )
    assert response.status_code == 302
    profile = VillageProfile.objects.get(village_id=VILLAGE)
    # The year of exit is not the page's: the village exit procedure sets it.
    assert profile.is_poor_village and profile.exit_year is None
    assert profile.rural_population == 1234
    rec = ChangeRecord.objects.get(object_type="geo.villageprofile", object_id=VILLAGE)
    assert rec.reason == "survey 2019"
    html = login("village").get(reverse("division", args=[VILLAGE])).content.decode()
    assert "1,234" in html or "1234" in html


def test_village_profile_error_on_field(login):
    response = login("village").post(
        reverse("village_profile_edit", args=[VILLAGE]),
        {
            "rural_population": "-1",
            "rural_households": "1",
            "collective_income": "0",
        },
    )
    assert response.status_code == 422
    assert "rural_population" in response.context["profile_form"].errors


def test_village_profile_edit_forbidden_for_readers(login):
    url = reverse("village_profile_edit", args=[VILLAGE])
    assert login("cadre").post(url, {"rural_population": "1"}).status_code == 403
    assert login("neighbour").post(url, {"rural_population": "1"}).status_code == 404
    response = login("department").get(reverse("division", args=[VILLAGE]))
    assert response.context["profile_form"] is None


def test_household_list_columns(login, household):
    response = login("village").get(reverse("household_list"))
    html = response.content.decode()
    head = household.members.get()
    assert household.number in html
    assert head.name in html
    assert "沱江镇" in html and "大坪村" in html
    assert "*" * 14 + head.id_number[-4:] in html  # the masked head ID number


def test_household_list_filters(login, household, neighbour_household, users):
    give_status(neighbour_household, c.HouseholdStatus.EXITED, 2019)
    client = login("township")
    rows = client.get(reverse("household_list"), {"status": "exited"}).context["page"].rows
    assert [h.pk for h in rows] == [neighbour_household.pk]
    rows = client.get(reverse("household_list"), {"area": VILLAGE}).context["page"].rows
    assert [h.pk for h in rows] == [household.pk]
    rows = client.get(reverse("household_list"), {"area": "431129100000"}).context["page"].rows
    assert {h.pk for h in rows} == {household.pk, neighbour_household.pk}
    rows = client.get(reverse("household_list"), {"cause": "disability"}).context["page"].rows
    assert rows == []
    rows = client.get(reverse("household_list"), {"category": "general"}).context["page"].rows
    assert len(rows) == 2
    # An area outside the user's area is not offered and filters nothing in.
    response = login("village").get(reverse("household_list"), {"area": NEIGHBOUR})
    assert neighbour_household.number not in response.content.decode()


def test_household_search(login, household, neighbour_household):
    client = login("township")
    head = household.members.get()
    for q in [head.id_number, head.name, household.number, head.id_number[:15]]:
        rows = client.get(reverse("household_list"), {"q": q}).context["page"].rows
        assert [h.pk for h in rows] == [household.pk], q


def test_household_list_keyset_pages_keep_filters(login, household, users, monkeypatch):
    for _ in range(3):
        registered_household(
            actor=users["village"],
            village_code=VILLAGE,
            data={"main_cause": "illness"},
        )
    from fupin.registry import selectors

    monkeypatch.setitem(selectors.household_list.__kwdefaults__, "page_size", 2)
    if True:
        response = login("village").get(reverse("household_list"), {"status": "poor"})
        page = response.context["page"]
        assert len(page.rows) == 2 and page.next_after is not None
        html = response.content.decode()
        assert f"after={page.next_after}" in html and "status=poor" in html
        response = login("village").get(
            reverse("household_list"), {"status": "poor", "after": page.next_after}
        )
        page2 = response.context["page"]
        assert len(page2.rows) == 2
        assert page2.rows[0].pk > page.rows[-1].pk
        assert page2.prev_before == page2.rows[0].pk
        back = login("village").get(
            reverse("household_list"), {"status": "poor", "before": page2.prev_before}
        )
        assert [h.pk for h in back.context["page"].rows] == [h.pk for h in page.rows]


def test_household_page_sections(login, household, users):
    services.income_set(
        actor=users["village"],
        household=household,
        year=2019,
        data={"household_size": 2, "wages": "6000", "production_expenses": "1000"},
    )
    services.assessment_set(
        actor=users["village"],
        household=household,
        year=2019,
        data={
            "food_secure": True,
            "clothing_secure": True,
            "education_secured": True,
            "medical_secured": False,
            "housing_secured": True,
            "water_secured": True,
            "assessed_on": dt.date(2019, 11, 1),
            "assessor": "张干部",
        },
    )
    response = login("village").get(reverse("household_detail", args=[household.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "2500.00" in html or "2,500.00" in html  # net per person (6000-1000)/2
    assert "张干部" in html
    assert "大坪村一组12号" in html
    assert "盘石生" in html
    assert reverse("household_edit", args=[household.pk]) in html


def test_edit_buttons_only_for_editors(login, household):
    html = login("cadre").get(reverse("household_detail", args=[household.pk])).content.decode()
    assert reverse("household_edit", args=[household.pk]) not in html
    assert reverse("member_add", args=[household.pk]) not in html


HOUSEHOLD_POST = {
    "village_code": VILLAGE,
    "group_name": "二组",
    "address": "大坪村二组5号",
    "category": "general",
    "standard": "national",
    "main_cause": "lack_funds",
    "other_causes": ["lack_skills"],
    "housing_safe": "on",
    "housing_area": "80",
    "water_safe": "on",
    "power_living": "on",
    "power_production": "on",
    "has_tv_radio": "on",
    "distance_to_road_km": "0.5",
    "farmland_mu": "3",
    "irrigated_mu": "1",
    "forest_mu": "0",
    "returned_farmland_mu": "0",
    "fruit_mu": "0",
    "pasture_mu": "0",
    "water_surface_mu": "0",
    "phone": "13900001111",
    "bank_name": "",
    "bank_account": "",
    "reason": "new registration",
}


def test_household_create_through_form(login, users):
    response = login("village").get(reverse("household_create"))
    assert response.status_code == 200
    response = login("village").post(reverse("household_create"), HOUSEHOLD_POST)
    assert response.status_code == 302, response.context["form"].errors
    h = Household.objects.get(address="大坪村二组5号")
    assert h.other_causes == ["lack_skills"] and h.phone == "13900001111"
    assert response["Location"] == reverse("household_detail", args=[h.pk])
    rec = ChangeRecord.objects.get(object_type="registry.household", object_id=str(h.pk))
    assert rec.reason == "new registration" and rec.user == users["village"]


def test_household_create_service_errors_on_fields(login):
    data = dict(HOUSEHOLD_POST, housing_safe="", irrigated_mu="9")
    response = login("village").post(reverse("household_create"), data)
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "danger_grade" in errors and "irrigated_mu" in errors
    assert not Household.objects.exists()


def test_household_create_outside_area_not_offered(login):
    response = login("village").post(
        reverse("household_create"), dict(HOUSEHOLD_POST, village_code=NEIGHBOUR)
    )
    assert response.status_code == 422
    assert "village_code" in response.context["form"].errors
    assert not Household.objects.exists()


def test_household_edit_through_form_keeps_hidden_sensitive_values(login, household):
    url = reverse("household_edit", args=[household.pk])
    response = login("village").get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "13807461234" not in html and "6217001234567890123" not in html
    data = dict(HOUSEHOLD_POST, phone="", bank_account="", address="新址1号", reason="moved")
    response = login("village").post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    household.refresh_from_db()
    assert household.address == "新址1号"
    assert household.phone == "13807461234"
    assert household.bank_account == "6217001234567890123"


def pair_cadre_login(household):
    """Pair the `cadre` login (conftest users) with the household."""
    pair_cadre(household)


def test_edit_pages_forbidden_for_read_only_roles(login, household):
    member = household.members.get()
    urls = [
        reverse("household_edit", args=[household.pk]),
        reverse("member_add", args=[household.pk]),
        reverse("member_edit", args=[household.pk, member.pk]),
        reverse("member_leave", args=[household.pk, member.pk]),
        reverse("income_edit", args=[household.pk]),
        reverse("assessment_edit", args=[household.pk]),
    ]
    pair_cadre_login(household)  # a cadre reads only its paired households
    for role in ["cadre", "department", "inspector"]:
        client = login(role)
        assert client.get(reverse("household_detail", args=[household.pk])).status_code == 200
        for url in urls:
            assert client.get(url).status_code == 403, (role, url)
            assert client.post(url, {}).status_code == 403, (role, url)
        assert client.get(reverse("household_create")).status_code == 403


def test_member_add_through_form(login, household):
    url = reverse("member_add", args=[household.pk])
    assert login("village").get(url).status_code == 200
    response = login("village").post(
        url,
        {
            "kind": "birth",
            "date": "2020-05-01",
            "id_number": make_id(birth="20200501", seq="222"),
            "name": "盘小花",
            "sex": "",
            "birth_date": "",
            "ethnicity": "13",
            "relation": "daughter",
            "school_status": "preschool_child",
            "health": "healthy",
            "labour": "none",
            "migrant_months": "0",
            "insured_medical": "on",
            "reason": "born",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    m = Member.objects.get(name="盘小花")
    assert m.sex == "F" and m.birth_date == dt.date(2020, 5, 1)
    change = MemberChange.objects.get(member=m)
    assert change.kind == "birth" and change.reason == "born"


def test_member_add_duplicate_and_bad_id_on_id_field(login, household, neighbour_household):
    url = reverse("member_add", args=[household.pk])
    base = {
        "kind": "moved_in",
        "date": "2020-05-01",
        "name": "李秀英",
        "ethnicity": "01",
        "relation": "spouse",
        "education": "primary",
        "health": "healthy",
        "labour": "ordinary",
        "migrant_months": "0",
    }
    other = neighbour_household.members.get()
    response = login("village").post(url, dict(base, id_number=other.id_number))
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "id_number" in errors
    assert neighbour_household.number not in str(errors)
    response = login("village").post(url, dict(base, id_number="431129198001011231"))
    assert "id_number" in response.context["form"].errors


def test_member_edit_and_leave(login, household):
    member = household.members.get()
    url = reverse("member_edit", args=[household.pk, member.pk])
    response = login("village").get(url)
    assert response.status_code == 200
    assert member.id_number not in response.content.decode()
    data = member_data(name="盘石生二", id_number="", phone="", migrant_months="0", reason="typo")
    data.update({"sex": "M", "birth_date": "1980-01-01", "health": "chronic"})
    response = login("village").post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    member.refresh_from_db()
    assert member.name == "盘石生二" and member.id_number == make_id()

    url = reverse("member_leave", args=[household.pk, member.pk])
    response = login("village").post(url, {"kind": "death", "date": "2021-01-01", "reason": ""})
    assert response.status_code == 422
    assert "reason" in response.context["form"].errors
    response = login("village").post(
        url, {"kind": "death", "date": "2021-01-01", "reason": "died of illness"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.is_active and member.left_on == dt.date(2021, 1, 1)
    html = login("village").get(reverse("household_detail", args=[household.pk])).content.decode()
    assert "died of illness" in html


def test_income_create_then_update(login, household):
    url = reverse("income_edit", args=[household.pk]) + "?year=2020"
    response = login("village").get(url)
    assert response.status_code == 200
    assert response.context["form"].initial["household_size"] == 1
    money = dict.fromkeys(IncomeRecord.INCOME_FIELDS, "0")
    data = {
        **money,
        "year": "2020",
        "household_size": "1",
        "wages": "5000",
        "production_expenses": "200",
        "reason": "income card",
    }
    assert login("village").post(url, data).status_code == 302
    rec = IncomeRecord.objects.get(household=household, year=2020)
    assert rec.wages == 5000
    data["wages"] = "-1"
    response = login("village").post(url, data)
    assert response.status_code == 422 and "wages" in response.context["form"].errors
    data["wages"] = "7000"
    assert login("village").post(url, data).status_code == 302
    rec.refresh_from_db()
    assert rec.wages == 7000
    assert IncomeRecord.objects.filter(household=household).count() == 1


def test_assessment_for_a_year(login, household):
    url = reverse("assessment_edit", args=[household.pk]) + "?year=2020"
    data = {
        "year": "2020",
        "food_secure": "on",
        "clothing_secure": "on",
        "education_secured": "on",
        "medical_secured": "on",
        "housing_secured": "on",
        "assessed_on": "2020-10-01",
        "assessor": "李干部",
        "reason": "yearly",
    }
    assert login("village").post(url, data).status_code == 302
    a = Assessment.objects.get(household=household, year=2020)
    assert a.food_secure and not a.water_secured
    html = login("village").get(reverse("household_detail", args=[household.pk])).content.decode()
    assert "李干部" in html


def test_household_form_groups_cover_every_field():
    from fupin.registry.forms import HouseholdForm
    from fupin.registry.services import HOUSEHOLD_FIELDS

    grouped = {name for _title, names in HouseholdForm.GROUPS for name in names}
    assert set(HOUSEHOLD_FIELDS) <= grouped


def test_member_form_checkbox_list_renders_each_cause(login, household):
    html = login("village").get(reverse("household_edit", args=[household.pk])).content.decode()
    assert html.count('name="other_causes"') == len(c.PovertyCause.choices)


# ------------------------------------------------------------------ status belongs to procedures


def _household_row(h):
    h = Household.objects.get(pk=h.pk)
    return (h.status, h.status_year, h.monitoring_type, h.address, h.updated_at)


def test_edit_page_shows_status_read_only_with_links_to_the_cases(login, household):
    html = login("village").get(reverse("household_edit", args=[household.pk])).content.decode()
    for name in ("status", "status_year", "monitoring_type"):
        assert f'name="{name}"' in html
    form = login("village").get(reverse("household_edit", args=[household.pk])).context["form"]
    assert all(form.fields[n].disabled for n in ("status", "status_year", "monitoring_type"))
    assert form["status"].value() == c.HouseholdStatus.POOR
    assert form["status_year"].value() == 2016
    base = reverse("cases:case_new", args=[household.pk])
    # From 未脱贫: exit or removal, never inclusion, return or monitoring.
    assert f"{base}?kind=exit" in html and f"{base}?kind=removal" in html
    for kind in ("inclusion", "return", "monitoring", "member_change"):
        assert f"{base}?kind={kind}" not in html
    give_status(household, c.HouseholdStatus.EXITED, 2019)
    html = login("village").get(reverse("household_edit", args=[household.pk])).content.decode()
    assert f"{base}?kind=return" in html and f"{base}?kind=monitoring" in html
    assert f"{base}?kind=exit" not in html


def test_edit_page_links_no_case_while_a_status_changing_case_runs(login, users, household):
    from fupin.cases import services as cases

    cases.case_open(actor=users["village"], household=household, kind="exit")
    html = login("village").get(reverse("household_edit", args=[household.pk])).content.decode()
    base = reverse("cases:case_new", args=[household.pk])
    # The service would refuse a second one ("already has an open case"): no link to it.
    for kind in ("exit", "removal"):
        assert f"{base}?kind={kind}" not in html


def test_the_link_opens_the_case_page_with_the_kind_chosen(login, household):
    url = reverse("cases:case_new", args=[household.pk]) + "?kind=exit"
    response = login("village").get(url)
    assert response.status_code == 200
    assert response.context["form"]["kind"].value() == "exit"


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("status", "exited", "Start an exit case"),
        ("status_year", "2020", "case that decides the status"),
        ("monitoring_type", "edge", "monitoring case"),
    ],
)
def test_forged_edit_post_with_a_status_is_refused_and_changes_nothing(
    login, household, field, value, words
):
    from django.utils import translation

    url = reverse("household_edit", args=[household.pk])
    before = _household_row(household)
    records = ChangeRecord.objects.count()
    data = dict(HOUSEHOLD_POST, address="新址9号", reason="forged", **{field: value})
    with translation.override("en"):
        response = login("village").post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert field in errors and words in errors[field][0]
    assert words in response.content.decode()
    assert _household_row(household) == before
    assert ChangeRecord.objects.count() == records


def test_edit_post_with_the_same_status_saves_the_rest(login, household):
    url = reverse("household_edit", args=[household.pk])
    data = dict(HOUSEHOLD_POST, address="新址2号", status="poor", status_year="2016")
    response = login("village").post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    household.refresh_from_db()
    assert (household.address, household.status, household.status_year) == ("新址2号", "poor", 2016)


def test_new_household_page_registers_a_candidate(login):
    import django.utils.timezone as tz

    form = login("village").get(reverse("household_create")).context["form"]
    assert form["status"].value() == c.HouseholdStatus.CANDIDATE
    response = login("village").post(reverse("household_create"), HOUSEHOLD_POST)
    assert response.status_code == 302, response.context["form"].errors
    h = Household.objects.get(address="大坪村二组5号")
    assert (h.status, h.status_year, h.monitoring_type) == ("candidate", tz.localdate().year, "")


def test_new_household_page_asking_for_poor_is_refused(login):
    count, records = Household.objects.count(), ChangeRecord.objects.count()
    data = dict(HOUSEHOLD_POST, status="poor")
    response = login("village").post(reverse("household_create"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert "inclusion case" in response.context["form"].errors["status"][0]
    assert (Household.objects.count(), ChangeRecord.objects.count()) == (count, records)


def test_edit_page_is_chinese_throughout_and_status_fields_are_read_only(login, household):
    """The empty choice of a select reads 请选择 (Django's own catalogue lacks it), and the
    fields that belong to the procedures are disabled."""
    page = login("village").get(f"/households/{household.pk}/edit/").content.decode()
    assert "Select an option" not in page and "请选择" in page
    for name in ("status", "status_year", "monitoring_type"):
        tag = re.search(rf'<(?:input|select)\b[^>]*\bname="{name}"[^>]*>', page).group(0)
        assert " disabled" in tag, tag


def test_an_areas_list_reads_the_primary_key_between_its_first_and_last_household(
    household, users, monkeypatch
):
    """The id range added for the planner (selectors._id_bounds) changes no page: households
    of two villages entered in turn are listed, paged forwards and back, as the plain
    filter lists them; and the query carries the range."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fupin.registry import selectors

    for i in range(6):
        village = VILLAGE if i % 2 else NEIGHBOUR
        actor = users["village"] if village == VILLAGE else users["neighbour"]
        registered_household(actor=actor, village_code=village, data={"main_cause": "illness"})
    ours = list(Household.objects.filter(village_id=VILLAGE).order_by("id"))
    assert len(ours) == 4
    monkeypatch.setitem(selectors.household_list.__kwdefaults__, "page_size", 3)
    for user, area in ((users["village"], ""), (users["township"], VILLAGE)):
        filters = selectors.HouseholdFilters(area=area)
        with CaptureQueriesContext(connection) as queries:
            first = selectors.household_list(user=user, filters=filters)
        listed = [q["sql"] for q in queries.captured_queries if "LIMIT 4" in q["sql"]]
        assert len(listed) == 1
        assert f'"registry_household"."id" >= {ours[0].pk}' in listed[0]
        assert f'"registry_household"."id" <= {ours[-1].pk}' in listed[0]
        second = selectors.household_list(user=user, filters=filters, after=first.next_after)
        assert [h.pk for h in first.rows + second.rows] == [h.pk for h in ours]
        back = selectors.household_list(user=user, filters=filters, before=second.prev_before)
        assert [h.pk for h in back.rows] == [h.pk for h in first.rows]
