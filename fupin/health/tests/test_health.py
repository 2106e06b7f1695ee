"""The health-and-insurance ledger: cover and its refusals, reimbursements layer by layer
with the out-of-pocket amount computed, the "serious illness" grading signal in a round;
pages scoped and masked, the household page's panel, the API, rows following their
household."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from conftest import NEIGHBOUR, give_status
from fupin.core.errors import NotAllowed, OutsideArea, ValidationFailed
from fupin.core.models import ChangeRecord
from fupin.health import rules, selectors, services
from fupin.health.models import Cover, Reimbursement

TODAY = dt.date(2025, 6, 30)


def cover(users, household, person=None, who="village", **over):
    data = {
        "kind": "basic",
        "year": 2025,
        "insured_on": dt.date(2024, 11, 1),
        "insurer": "县医保局",
        "premium": Decimal("380"),
        "subsidy": Decimal("380"),
    }
    data.update(over)
    return services.cover_record(
        actor=users[who],
        household=household,
        person=person or household.members.get(),
        data=data,
        today=TODAY,
    )


def reimburse(users, household, person=None, who="village", **over):
    data = {
        "number": "JS-001",
        "hospital": "江华县人民医院",
        "admitted_on": dt.date(2025, 3, 1),
        "settled_on": dt.date(2025, 3, 10),
        "diagnosis": "肺炎",
        "total_cost": Decimal("10000"),
        "basic_paid": Decimal("6000"),
        "assistance_paid": Decimal("2000"),
        "other_paid": Decimal("1000"),
    }
    data.update(over)
    return services.reimbursement_record(
        actor=users[who],
        household=household,
        patient=person or household.members.get(),
        data=data,
        today=TODAY,
    )


# ------------------------------------------------------------------ cover


def test_cover_is_recorded_with_its_history(users, household):
    row = cover(users, household)
    rec = ChangeRecord.objects.get(object_type="health.cover", object_id=str(row.pk))
    assert rec.related_id == str(household.pk) and rec.area_code == household.village_id
    assert row.village_id == household.village_id


def test_serious_illness_cover_needs_basic_cover_of_the_year(users, household):
    with pytest.raises(ValidationFailed) as exc:
        cover(users, household, kind="serious", premium="0", subsidy="0")
    assert exc.value.errors == {"kind": [rules.serious_basic_reason()]}
    cover(users, household, year=2024, insured_on=dt.date(2023, 11, 1))
    with pytest.raises(ValidationFailed):  # basic cover of another year
        cover(users, household, kind="serious", premium="0", subsidy="0")
    cover(users, household)
    assert cover(users, household, kind="serious", premium="0", subsidy="0").pk


def test_the_government_pays_premiums_only_for_households_due_assistance(users, household):
    give_status(household, "exited", 2016)  # its transition period ended in 2021
    with pytest.raises(ValidationFailed) as exc:
        cover(users, household)
    assert exc.value.errors == {"subsidy": [rules.subsidy_due_reason()]}
    assert cover(users, household, subsidy="0").subsidy == 0


def test_one_cover_per_kind_and_year_and_the_enrolment_window(users, household):
    cover(users, household)
    with pytest.raises(ValidationFailed) as exc:
        cover(users, household, premium="400", subsidy="400")
    assert "kind" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        cover(users, household, year=2026, insured_on=dt.date(2024, 12, 31))
    assert "insured_on" in exc.value.errors


def test_scope_and_role(users, household):
    with pytest.raises(OutsideArea):
        cover(users, household, who="neighbour")
    with pytest.raises(NotAllowed):
        cover(users, household, who="inspector")


# ------------------------------------------------------------------ reimbursements


def test_the_out_of_pocket_amount_is_computed(users, household):
    cover(users, household)
    row = reimburse(users, household)
    assert row.out_of_pocket == Decimal("1000") and row.reimbursed == Decimal("9000")
    rec = ChangeRecord.objects.get(object_type="health.reimbursement", object_id=str(row.pk))
    assert rec.post_data["out_of_pocket"] == "1000.00"


def test_a_layer_of_an_insurance_needs_the_cover_of_the_year(users, household):
    with pytest.raises(ValidationFailed) as exc:
        reimburse(users, household)
    assert set(exc.value.errors) == {"basic_paid"}  # medical assistance needs no cover
    assert reimburse(users, household, basic_paid="0").out_of_pocket == Decimal("7000")


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"total_cost": "8999.99"}, "total_cost"),  # the layers pay 9,000
        (
            {"total_cost": "0", "basic_paid": "0", "assistance_paid": "0", "other_paid": "0"},
            "total_cost",
        ),
        ({"admitted_on": dt.date(2025, 3, 11)}, "settled_on"),
        ({"settled_on": dt.date(2025, 7, 1), "admitted_on": dt.date(2025, 7, 1)}, "settled_on"),
    ],
)
def test_reimbursement_refusals(users, household, over, field):
    cover(users, household)
    with pytest.raises(ValidationFailed) as exc:
        reimburse(users, household, **over)
    assert field in exc.value.errors
    assert not Reimbursement.objects.exists()


def test_a_settlement_number_once(users, household):
    cover(users, household)
    reimburse(users, household)
    with pytest.raises(ValidationFailed) as exc:
        reimburse(users, household)
    assert "number" in exc.value.errors


# ------------------------------------------------------------------ the grading signal


def test_serious_illness_signal_on_its_boundaries(users, household, neighbour_household):
    cover(users, household)
    cover(users, household, kind="serious", premium="0", subsidy="0")
    reimburse(users, household, serious_paid="500", other_paid="500")
    settled = dt.date(2025, 3, 10)
    ids = [household.pk, neighbour_household.pk]
    assert selectors.serious_illness_households(ids, settled) == {household.pk}
    assert selectors.serious_illness_households(ids, settled - dt.timedelta(days=1)) == set()
    a_year_on = dt.date(2026, 3, 10)  # the day a year after is outside the window
    assert selectors.serious_illness_households(ids, a_year_on - dt.timedelta(days=1)) == {
        household.pk
    }
    assert selectors.serious_illness_households(ids, a_year_on) == set()


def test_out_of_pocket_above_the_threshold_is_the_signal_too(users, neighbour_household):
    h = neighbour_household
    reimburse(users, h, who="neighbour", basic_paid="0", assistance_paid="0", other_paid="0")
    day = dt.date(2025, 4, 1)
    with override_settings(FUPIN_SERIOUS_ILLNESS_OUT_OF_POCKET=Decimal("10000")):
        assert selectors.serious_illness_households([h.pk], day) == set()  # not above
    with override_settings(FUPIN_SERIOUS_ILLNESS_OUT_OF_POCKET=Decimal("9999.99")):
        assert selectors.serious_illness_households([h.pk], day) == {h.pk}


def test_a_grading_round_names_the_signal(users, household):
    """The default rules grade a household with the signal orange (O4), by its name."""
    from fupin.monitoring import grading
    from fupin.monitoring.models import HouseholdGrade

    give_status(household, "exited", 2024)
    cover(users, household)
    cover(users, household, kind="serious", premium="0", subsidy="0")
    reimburse(users, household, serious_paid="500", other_paid="500")
    result = grading.grade_round(area="431129000000", name="2025 H1", as_of=dt.date(2025, 6, 30))
    grade = HouseholdGrade.objects.get(round=result.round, household=household)
    assert "O4" in grade.reasons and grade.colour in ("red", "orange")


# ------------------------------------------------------------------ pages, panel, API


def test_pages_are_scoped_and_mask_the_id(client, users, household):
    c = cover(users, household)
    r = reimburse(users, household, basic_paid="0")
    idn = household.members.get().id_number
    client.force_login(users["village"])
    for url in (
        reverse("health:cover_detail", args=[c.pk]),
        reverse("health:reimbursement_detail", args=[r.pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert idn not in html and idn[-4:] in html
    assert (
        r.number in client.get(reverse("health:reimbursement_detail", args=[r.pk])).content.decode()
    )
    assert "江华县人民医院" in client.get(reverse("health:reimbursement_list")).content.decode()
    assert household.number in client.get(reverse("health:cover_list")).content.decode()
    client.force_login(users["neighbour"])
    assert client.get(reverse("health:cover_detail", args=[c.pk])).status_code == 404
    assert client.get(reverse("health:reimbursement_detail", args=[r.pk])).status_code == 404
    assert "江华县人民医院" not in client.get(reverse("health:reimbursement_list")).content.decode()


def test_forms_record_on_the_pages(client, users, household):
    client.force_login(users["village"])
    person = household.members.get()
    url = reverse("health:cover_new", args=[household.pk])
    post = {
        "person": person.pk,
        "kind": "basic",
        "year": "2025",
        "insured_on": "2024-11-01",
        "premium": "380",
        "subsidy": "380",
    }
    assert client.post(url, post).status_code == 302
    bad = client.post(url, {**post, "kind": "serious", "year": "2024", "insured_on": "2023-11-01"})
    assert bad.status_code == 422
    url = reverse("health:reimbursement_new", args=[household.pk])
    post = {
        "patient": person.pk,
        "number": "JS-9",
        "hospital": "乡镇卫生院",
        "admitted_on": "2025-03-01",
        "settled_on": "2025-03-02",
        "total_cost": "1000",
        "basic_paid": "700",
    }
    assert client.post(url, post).status_code == 302
    assert Reimbursement.objects.get(number="JS-9").out_of_pocket == Decimal("300")
    assert client.post(url, {**post, "number": "JS-10", "basic_paid": "1000.01"}).status_code == 422


def test_the_export_needs_the_area_export_capability(client, users, household):
    cover(users, household)
    client.force_login(users["cadre"])
    assert client.get(reverse("health:export")).status_code == 403
    client.force_login(users["village"])
    response = client.get(reverse("health:export"))
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"PK"


def test_household_page_shows_the_panel(client, users, household):
    page = reverse("household_detail", args=[household.pk])
    client.force_login(users["village"])
    html = client.get(page).content.decode()
    assert reverse("health:cover_new", args=[household.pk]) in html
    cover(users, household)
    reimburse(users, household)
    html = client.get(page).content.decode()
    assert (
        "江华县人民医院" in html
        and reverse("health:cover_detail", args=[Cover.objects.get().pk]) in html
    )


def test_the_panel_reads_nothing_for_a_household_without_rows(
    users, household, django_assert_num_queries
):
    from fupin.programmes.ledgers import household_panels
    from fupin.registry import panels
    from fupin.registry.selectors import household_get

    h = household_get(user=users["department"], pk=household.pk, rows=False, flags=panels.flags())
    with django_assert_num_queries(0):
        out = household_panels(users["department"], h)
    assert "health" not in [p.ledger.key for p in out]  # nothing to show, nothing to offer


def test_api_lists_cover_and_reimbursements_scoped_and_masked(client, users, household):
    c = cover(users, household)
    r = reimburse(users, household)
    idn = household.members.get().id_number
    client.force_login(users["village"])
    covers = client.get("/api/v1/health/covers", {"year": 2025}).json()["items"]
    assert [i["id"] for i in covers] == [c.pk]
    pays = client.get("/api/v1/health/reimbursements").json()["items"]
    assert [(i["id"], i["out_of_pocket"]) for i in pays] == [(r.pk, "1000.00")]
    assert pays[0]["patient_id_number"] != idn and pays[0]["patient_id_number"].endswith(idn[-4:])
    client.force_login(users["neighbour"])
    assert client.get("/api/v1/health/covers").json()["items"] == []
    assert client.get("/api/v1/health/reimbursements").json()["items"] == []


def test_rows_follow_their_household(users, household):
    from fupin.registry.hooks import households_moved
    from fupin.registry.models import Household

    c = cover(users, household)
    Household.objects.filter(pk=household.pk).update(village_id=NEIGHBOUR)
    households_moved([household.pk])
    assert Cover.objects.get(pk=c.pk).village_id == NEIGHBOUR
