"""The benefit-linking ledger: the register with its credit codes (row and column forms
agreeing), links (who may be linked, amounts, dates, overlaps), the four-eyes
confirmation, ending a link, dividends and purchases on their boundaries, history, the
row and column forms of a current link, and the pages (scope, masking, the forms, the
household page's panel)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import NEIGHBOUR, VILLAGE, give_status
from fupin.accounts.authority import FourEyes
from fupin.core.errors import AlreadyDecided, NotAllowed, OutsideArea, ValidationFailed
from fupin.core.history import history_of
from fupin.industry import rules, selectors, services
from fupin.industry.models import BenefitLink, Dividend, Enterprise, LinkStatus, Purchase
from fupin.industry.tests.authority_invokers import credit_code
from fupin.registry import choices as c

D = dt.date(2024, 3, 1)
TODAY = dt.date(2025, 6, 1)
REAL_CODES = ["91350100M000100Y43", "9144030071526726XG", "91110000600037341L"]


def enterprise_data(**over):
    data = {
        "name": "瑶山油茶专业合作社",
        "credit_code": credit_code(),
        "kind": "cooperative",
        "sector": "planting",
        "division_id": VILLAGE,
        "representative": "盘明",
    }
    data.update(over)
    return data


@pytest.fixture
def enterprise(users):
    return services.enterprise_register(actor=users["village"], data=enterprise_data())


def propose(users, enterprise, household, actor="village", **over):
    data = {"mode": "shareholding", "starts_on": D, "amount": Decimal("5000")}
    data.update(over)
    return services.link_propose(
        actor=users[actor], enterprise=enterprise, household=household, data=data
    )


@pytest.fixture
def link(users, enterprise, household):
    link = propose(users, enterprise, household)
    return services.link_decide(actor=users["township"], link=link, approve=True, today=D)


# ------------------------------------------------------------------ the register


@pytest.mark.parametrize("code", REAL_CODES)
def test_published_credit_codes_are_valid(code):
    assert rules.credit_code_error(code) is None


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100Y44", "should be 3"),
        ("9135010OM000100Y43", "capital letters"),  # O is not in the alphabet
        ("91A50100M000100Y4X", "division code"),
    ],
)
def test_wrong_credit_codes_say_why(code, words):
    from django.utils import translation

    with translation.override("en"):
        assert words in rules.credit_code_error(code)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(alphabet=rules.ALPHABET + "IOSVZ a", min_size=0, max_size=20),
        st.text(alphabet=rules.ALPHABET, min_size=17, max_size=17).map(
            lambda s: s + rules.check_character(s)
        ),
        st.sampled_from(REAL_CODES),
    )
)
def test_credit_code_row_and_column_forms_agree(code):
    code = rules.normal_code(code)
    column = pl.DataFrame({"c": [code]}).select(rules.credit_code_ok_expr(pl.col("c"))).item()
    assert column is (rules.credit_code_error(code) is None)


def test_an_enterprise_is_registered_with_its_history(users, enterprise):
    assert history_of(enterprise).get().area_code == VILLAGE
    with pytest.raises(ValidationFailed) as exc:
        services.enterprise_register(
            actor=users["village"], data=enterprise_data(credit_code=enterprise.credit_code)
        )
    assert "credit_code" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        services.enterprise_register(
            actor=users["village"], data=enterprise_data(credit_code="91350100M000100Y44")
        )
    assert "credit_code" in exc.value.errors


def test_the_register_is_scoped(users, enterprise):
    with pytest.raises(OutsideArea):
        services.enterprise_register(
            actor=users["village"], data=enterprise_data(division_id=NEIGHBOUR)
        )
    with pytest.raises(NotAllowed):
        services.enterprise_register(actor=users["department"], data=enterprise_data())
    assert list(selectors.enterprises(users["neighbour"])) == []
    assert list(selectors.enterprises(users["cadre"])) == [enterprise]  # a register, not personal


def test_a_spaced_lower_case_code_is_stored_as_written_officially(users):
    e = services.enterprise_register(
        actor=users["village"], data=enterprise_data(credit_code=" 91350100m000100y43 ")
    )
    assert e.credit_code == "91350100M000100Y43"


# ------------------------------------------------------------------ links


def test_a_link_is_proposed_under_its_household(users, enterprise, household):
    link = propose(users, enterprise, household)
    assert (link.status, link.village_id, link.proposed_by.username) == (
        "proposed",
        VILLAGE,
        "village",
    )
    assert history_of(household).filter(object_type="industry.benefitlink").count() == 1


@pytest.mark.parametrize(
    ("status", "year", "ok"),
    [
        (c.HouseholdStatus.POOR, 2016, True),
        (c.HouseholdStatus.EXITED, 2020, True),
        (c.HouseholdStatus.EXITED, 2018, False),
        (c.HouseholdStatus.CANDIDATE, 2024, False),
    ],
)
def test_only_households_due_assistance_on_the_first_day(
    users, enterprise, household, status, year, ok
):
    give_status(household, status, year)
    if ok:
        assert propose(users, enterprise, household).pk
    else:
        with pytest.raises(ValidationFailed) as exc:
            propose(users, enterprise, household)
        assert "household" in exc.value.errors


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"amount": None}, "amount"),  # shareholding records the amount
        ({"mode": "entrusted", "amount": None}, "amount"),
        ({"amount": Decimal("0")}, "amount"),
        ({"ends_on": D - dt.timedelta(days=1)}, "ends_on"),
        ({"mode": "barter"}, "mode"),
    ],
)
def test_link_details_are_checked(users, enterprise, household, over, field):
    with pytest.raises(ValidationFailed) as exc:
        propose(users, enterprise, household, **over)
    assert field in exc.value.errors


def test_direct_employment_and_order_links_need_no_amount(users, enterprise, household):
    for mode in ("direct", "employment", "order"):
        assert propose(users, enterprise, household, mode=mode, amount=None).amount is None


def test_links_of_one_mode_may_not_overlap(users, enterprise, household):
    propose(users, enterprise, household, ends_on=dt.date(2024, 12, 31))
    with pytest.raises(ValidationFailed) as exc:
        propose(users, enterprise, household, starts_on=dt.date(2024, 12, 31))
    assert "starts_on" in exc.value.errors
    assert propose(users, enterprise, household, starts_on=dt.date(2025, 1, 1)).pk
    assert propose(users, enterprise, household, mode="employment", amount=None).pk


def test_a_refused_link_is_not_proposed_again_from_the_same_day(users, enterprise, household):
    first = propose(users, enterprise, household)
    services.link_decide(actor=users["county"], link=first, approve=False)
    with pytest.raises(ValidationFailed) as exc:
        propose(users, enterprise, household)
    assert "starts_on" in exc.value.errors
    assert propose(users, enterprise, household, starts_on=D + dt.timedelta(days=1)).pk


def test_an_enterprise_outside_the_area_is_not_found(users, household):
    other = services.enterprise_register(
        actor=users["neighbour"], data=enterprise_data(division_id=NEIGHBOUR)
    )
    with pytest.raises(OutsideArea):
        propose(users, other, household)


def test_confirmation_is_four_eyes(users, enterprise, household):
    link = propose(users, enterprise, household, actor="township")
    with pytest.raises(FourEyes):
        services.link_decide(actor=users["township"], link=link, approve=True)
    with pytest.raises(NotAllowed):
        services.link_decide(actor=users["village"], link=link, approve=True)
    services.link_decide(actor=users["county"], link=link, approve=True, today=D)
    link.refresh_from_db()
    assert (link.status, link.decided_by.username, link.decided_on) == ("confirmed", "county", D)
    with pytest.raises(AlreadyDecided):
        services.link_decide(actor=users["county"], link=link, approve=False)
    assert history_of(link).filter(action="update").get().changes["status"] == [
        "proposed",
        "confirmed",
    ]


def test_confirming_all_leaves_the_links_one_proposed(
    users, enterprise, household, neighbour_household
):
    mine = propose(users, enterprise, household, actor="township")
    other = propose(users, enterprise, household, actor="village", mode="direct", amount=None)
    assert services.links_confirm(actor=users["township"], enterprise=enterprise) == (1, 1)
    mine.refresh_from_db(), other.refresh_from_db()
    assert (mine.status, other.status) == ("proposed", "confirmed")
    assert history_of(other).filter(action="update").count() == 1
    with pytest.raises(FourEyes):  # only its own left: none it may confirm
        services.links_confirm(actor=users["township"], enterprise=enterprise)
    with pytest.raises(NotAllowed):
        services.links_confirm(actor=users["village"], enterprise=enterprise)


def test_ending_a_link(users, link):
    with pytest.raises(ValidationFailed):
        services.link_end(
            actor=users["village"],
            link=link,
            ends_on=D - dt.timedelta(days=1),
            reason="退社",
            today=TODAY,
        )
    with pytest.raises(ValidationFailed):
        services.link_end(actor=users["village"], link=link, ends_on=TODAY, reason="", today=TODAY)
    services.link_end(
        actor=users["village"], link=link, ends_on=dt.date(2025, 1, 31), reason="退社", today=TODAY
    )
    link.refresh_from_db()
    assert link.ends_on == dt.date(2025, 1, 31)
    assert history_of(link).filter(action="update", reason="退社").exists()


# ------------------------------------------------------------------ dividends


def pay(users, link, year=2024, amount="400", paid_on=dt.date(2025, 1, 20)):
    return services.dividend_record(
        actor=users["village"],
        link=link,
        data={"year": year, "amount": amount, "paid_on": paid_on},
        today=TODAY,
    )


def test_a_dividend_is_recorded_once_a_year(users, link, household):
    d = pay(users, link)
    assert (d.household_id, d.village_id, d.amount) == (household.pk, VILLAGE, Decimal("400.00"))
    assert history_of(household).filter(object_type="industry.dividend").count() == 1
    with pytest.raises(ValidationFailed) as exc:
        pay(users, link)
    assert "year" in exc.value.errors
    assert pay(users, link, year=2025, paid_on=dt.date(2025, 5, 1)).pk


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"year": 2023}, "year"),  # before the link
        ({"year": 2026, "paid_on": dt.date(2025, 5, 1)}, "year"),  # after today's year
        ({"paid_on": dt.date(2023, 12, 1)}, "paid_on"),  # before the link
        ({"paid_on": TODAY + dt.timedelta(days=1)}, "paid_on"),
        ({"year": 2025, "paid_on": dt.date(2024, 12, 31)}, "paid_on"),  # before the year
        ({"amount": "0"}, "amount"),
    ],
)
def test_dividend_rules(users, link, over, field):
    with pytest.raises(ValidationFailed) as exc:
        pay(users, link, **over)
    assert field in exc.value.errors


def test_dividends_only_on_confirmed_direct_entrusted_or_shareholding_links(
    users, enterprise, household
):
    proposed = propose(users, enterprise, household)
    with pytest.raises(ValidationFailed) as exc:
        pay(users, proposed)
    assert "link" in exc.value.errors
    work = propose(users, enterprise, household, mode="employment", amount=None)
    services.link_decide(actor=users["county"], link=work, approve=True)
    with pytest.raises(ValidationFailed) as exc:
        pay(users, work)
    assert "link" in exc.value.errors
    assert not Dividend.objects.exists()


def test_a_dividend_for_a_year_after_the_end_is_refused_and_holds_the_end(users, link):
    pay(users, link, year=2025, paid_on=dt.date(2025, 5, 1))
    with pytest.raises(ValidationFailed):
        services.link_end(
            actor=users["village"],
            link=link,
            ends_on=dt.date(2024, 12, 31),
            reason="退社",
            today=TODAY,
        )


# ------------------------------------------------------------------ purchases


def test_purchases_name_one_supplier(users, enterprise, household):
    data = {"buyer": "县人民医院", "product": "茶油", "amount": "3000", "purchased_on": D}
    p = services.purchase_record(
        actor=users["village"], enterprise=enterprise, household=None, data=data, today=TODAY
    )
    assert (p.division_id, history_of(p).get().area_code) == (VILLAGE, VILLAGE)
    q = services.purchase_record(
        actor=users["village"], enterprise=None, household=household, data=data, today=TODAY
    )
    assert q.supplier_household_id == household.pk
    for supplier in (
        {"enterprise": None, "household": None},
        {"enterprise": enterprise, "household": household},
    ):
        with pytest.raises(ValidationFailed):
            services.purchase_record(actor=users["village"], data=data, today=TODAY, **supplier)
    with pytest.raises(ValidationFailed) as exc:  # the same purchase again
        services.purchase_record(
            actor=users["village"], enterprise=enterprise, household=None, data=data, today=TODAY
        )
    assert "buyer" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        services.purchase_record(
            actor=users["village"],
            enterprise=enterprise,
            household=None,
            data=dict(data, purchased_on=TODAY + dt.timedelta(days=1)),
            today=TODAY,
        )
    assert "purchased_on" in exc.value.errors
    assert Purchase.objects.count() == 2
    # A paired cadre reads the purchases from its households only.
    from conftest import pair_cadre

    pair_cadre(household)
    assert list(selectors.purchases(users["cadre"])) == [q]


# ------------------------------------------------------------------ a link on a day


@settings(max_examples=300, deadline=None)
@given(
    status=st.sampled_from(LinkStatus.values),
    starts=st.dates(dt.date(2020, 1, 1), dt.date(2020, 2, 1)),
    ends=st.none() | st.dates(dt.date(2020, 1, 1), dt.date(2020, 2, 1)),
    day=st.dates(dt.date(2020, 1, 1), dt.date(2020, 2, 1)),
)
def test_a_current_link_row_and_column_forms_agree(status, starts, ends, day):
    row = rules.link_current(status=status, starts_on=starts, ends_on=ends, day=day)
    frame = pl.DataFrame(
        {
            "household_id": [1],
            "mode": ["direct"],
            "status": [status],
            "starts_on": [starts],
            "ends_on": [ends],
        },
        schema=rules.LINK_SCHEMA,
    )
    assert frame.select(rules.current_expr(day)).item() is row


@settings(max_examples=200, deadline=None)
@given(
    a=st.tuples(
        st.dates(dt.date(2020, 1, 1), dt.date(2020, 3, 1)),
        st.none() | st.dates(dt.date(2020, 1, 1), dt.date(2020, 3, 1)),
    ),
    b=st.tuples(
        st.dates(dt.date(2020, 1, 1), dt.date(2020, 3, 1)),
        st.none() | st.dates(dt.date(2020, 1, 1), dt.date(2020, 3, 1)),
    ),
)
def test_overlap_means_a_shared_day(a, b):
    def days(start, end):
        last = end or dt.date(2020, 3, 1)
        return {start + dt.timedelta(days=i) for i in range(max(0, (last - start).days + 1))}

    if (a[1] and a[1] < a[0]) or (b[1] and b[1] < b[0]):
        return
    assert rules.overlaps(*a, *b) is bool(days(*a) & days(*b))


# ------------------------------------------------------------------ pages


def test_register_pages_are_scoped(client, users, enterprise):
    client.force_login(users["village"])
    assert enterprise.name in client.get(reverse("industry:list")).content.decode()
    assert client.get(reverse("industry:enterprise", args=[enterprise.pk])).status_code == 200
    client.force_login(users["neighbour"])
    assert enterprise.name not in client.get(reverse("industry:list")).content.decode()
    assert client.get(reverse("industry:enterprise", args=[enterprise.pk])).status_code == 404


def test_the_register_form(client, users):
    client.force_login(users["township"])
    data = {k: v for k, v in enterprise_data(division_id=NEIGHBOUR).items()}
    assert client.post(reverse("industry:enterprise_new"), data).status_code == 302
    assert Enterprise.objects.get().division_id == NEIGHBOUR
    bad = dict(data, credit_code="91350100M000100Y44")
    assert client.post(reverse("industry:enterprise_new"), bad).status_code == 422


def test_the_link_form_and_the_household_panel(client, users, enterprise, household):
    client.force_login(users["village"])
    page = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert reverse("industry:link_new", args=[household.pk]) in page
    response = client.post(
        reverse("industry:link_new", args=[household.pk]),
        {"enterprise": enterprise.pk, "mode": "direct", "starts_on": "2024-03-01"},
    )
    link = BenefitLink.objects.get()
    assert response.status_code == 302 and link.mode == "direct"
    page = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert reverse("industry:link", args=[link.pk]) in page
    bad = client.post(
        reverse("industry:link_new", args=[household.pk]),
        {"enterprise": enterprise.pk, "mode": "entrusted", "starts_on": "2024-03-01"},
    )
    assert bad.status_code == 422


def test_the_link_page_decides_and_pays_and_masks_the_account(client, users, enterprise, household):
    link = propose(users, enterprise, household)
    url = reverse("industry:link", args=[link.pk])
    client.force_login(users["village"])
    assert "6217001234567890123" not in client.get(url).content.decode()
    assert client.post(url, {"action": "decide", "approve": "yes"}).status_code == 403
    client.force_login(users["township"])
    assert client.post(url, {"action": "decide", "approve": "yes"}).status_code == 302
    assert BenefitLink.objects.get().status == "confirmed"
    data = {"action": "dividend", "year": "2024", "amount": "500", "paid_on": "2024-12-20"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 422  # the same year again
    client.force_login(users["department"])
    assert "6217001234567890123" not in client.get(url).content.decode()
    client.force_login(users["neighbour"])
    assert client.get(url).status_code == 404


def test_the_enterprise_page_confirms_the_proposed_links(client, users, enterprise, household):
    propose(users, enterprise, household)
    url = reverse("industry:enterprise", args=[enterprise.pk])
    client.force_login(users["county"])
    assert client.post(url, {"action": "confirm_all"}).status_code == 302
    assert BenefitLink.objects.get().status == "confirmed"


def test_the_purchase_form_finds_the_supplier_in_the_area(client, users, enterprise, household):
    client.force_login(users["village"])
    data = {
        "buyer": "县一中食堂",
        "product": "茶油",
        "amount": "1200",
        "purchased_on": "2024-03-01",
    }
    url = reverse("industry:purchase_new")
    assert (
        client.post(url, dict(data, supplier_code=enterprise.credit_code.lower())).status_code
        == 302
    )
    assert client.post(url, dict(data, supplier_household=household.number)).status_code == 302
    assert client.post(url, dict(data, supplier_household="NOPE")).status_code == 422
    assert Purchase.objects.count() == 2
    assert "县一中食堂" in client.get(reverse("industry:purchases")).content.decode()


def test_the_export_needs_the_export_capability(client, users, link):
    client.force_login(users["cadre"])
    assert client.get(reverse("industry:export")).status_code == 403
    client.force_login(users["county"])
    response = client.get(reverse("industry:export"))
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"PK"


def test_api_lists_the_ledger_scoped(client, users, link, enterprise):
    pay(users, link)
    client.force_login(users["village"])
    assert [
        e["credit_code"] for e in client.get("/api/v1/industry/enterprises").json()["items"]
    ] == [enterprise.credit_code]
    links = client.get("/api/v1/industry/links", {"area": "431129100000"}).json()["items"]
    assert [(x["id"], x["enterprise"], x["status"]) for x in links] == [
        (link.pk, enterprise.credit_code, "confirmed")
    ]
    assert client.get("/api/v1/industry/dividends").json()["items"][0]["amount"] == "400.00"
    client.force_login(users["neighbour"])
    for path in ("enterprises", "links", "dividends", "purchases"):
        assert client.get(f"/api/v1/industry/{path}").json()["items"] == [], path


def test_links_and_dividends_follow_their_household(users, link):
    from fupin.registry.hooks import households_moved
    from fupin.registry.models import Household

    d = pay(users, link)
    Household.objects.filter(pk=link.household_id).update(village_id=NEIGHBOUR)
    households_moved([link.household_id])
    assert BenefitLink.objects.get(pk=link.pk).village_id == NEIGHBOUR
    assert Dividend.objects.get(pk=d.pk).village_id == NEIGHBOUR
