"""Pages: scoped to the user's area, in Chinese and English, definitions on hover."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from conftest import NEIGHBOUR, OTHER_COUNTY_VILLAGE, VILLAGE
from fupin.indicators.definitions import DEFINITIONS
from fupin.indicators.models import Snapshot


def client_for(user, lang="zh-hans") -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(user)
    return c


def test_county_page_in_both_languages(crafted, users):
    url = reverse("indicators:index") + "?as_of=2023-06-30"
    zh = client_for(users["county"]).get(url)
    assert zh.status_code == 200
    html = zh.content.decode()
    assert "江华瑶族自治县" in html and "沱江镇" in html and "大路铺镇" in html
    # The definition is on hover (title attribute).
    assert f'title="{DEFINITIONS["poverty_incidence"].definition}"'.split("×")[0] in html
    assert "0.75%" in html
    en = client_for(users["county"], "en").get(url)
    assert "Poverty incidence" in en.content.decode()


def test_township_children_are_villages_with_checklists(crafted, users):
    r = client_for(users["township"]).get(reverse("indicators:index"), {"as_of": "2023-06-30"})
    html = r.content.decode()
    assert "大坪村" in html and "清塘村" in html
    assert reverse("indicators:village_readiness", args=[VILLAGE]) in html
    assert "大路铺村" not in html  # another township


def test_scope(crafted, users):
    c = client_for(users["village"])
    assert c.get(reverse("indicators:index"), {"area": NEIGHBOUR}).status_code == 404
    assert c.get(reverse("indicators:index"), {"area": "431129"}).status_code == 404
    assert c.get(reverse("indicators:index"), {"area": VILLAGE}).status_code == 200
    # Not a division code at all: not found, as outside the area (it was a server error).
    assert c.get(reverse("indicators:index"), {"area": "abc"}).status_code == 404
    other = client_for(users["other_county"])
    assert other.get(reverse("indicators:index"), {"area": "431129"}).status_code == 404
    assert other.get(reverse("indicators:village_readiness", args=[VILLAGE])).status_code == 404
    assert other.get(reverse("indicators:county_readiness", args=["431129"])).status_code == 404
    assert (
        c.get(reverse("indicators:village_readiness", args=[OTHER_COUNTY_VILLAGE])).status_code
        == 404
    )


def test_bad_date_is_reported_not_fatal(crafted, users):
    r = client_for(users["county"], "en").get(reverse("indicators:index"), {"as_of": "30.06.2023"})
    assert r.status_code == 200
    assert "Not a date" in r.content.decode()


def test_excel_download(crafted, users, tmp_path):
    r = client_for(users["county"]).get(
        reverse("indicators:index"), {"as_of": "2023-06-30", "format": "xlsx"}
    )
    assert r.status_code == 200
    path = tmp_path / "x.xlsx"
    path.write_bytes(r.content)
    sheet = load_workbook(path).worksheets[0]
    assert sheet.cell(4, 1).value == "431129000000"


def test_definitions_page(users):
    r = client_for(users["village"], "en").get(reverse("indicators:definitions"))
    html = r.content.decode()
    for code in DEFINITIONS:
        assert f'id="{code}"' in html
    assert "Poverty incidence" in html


def test_readiness_pages(crafted, users):
    c = client_for(users["county"])
    r = c.get(reverse("indicators:village_readiness", args=[VILLAGE]), {"as_of": "2023-06-30"})
    assert r.status_code == 200 and "0.60%" in r.content.decode()
    r = client_for(users["county"], "en").get(
        reverse("indicators:county_readiness", args=["431129"]), {"as_of": "2023-06-30"}
    )
    html = r.content.decode()
    assert r.status_code == 200 and "Not yet assessed" in html and "0.75%" in html


def test_snapshot_pages(crafted, users):
    c = client_for(users["county"])
    r = c.post(reverse("indicators:snapshot_create"), {"as_of": "2023-06-30", "label": "半年"})
    assert r.status_code == 302
    snap = Snapshot.objects.get()
    assert snap.area_id == "431129000000" and snap.created_by == users["county"]
    page = c.get(reverse("indicators:snapshots")).content.decode()
    assert "半年" in page
    r = c.get(reverse("indicators:index"), {"snapshot": snap.pk})
    assert r.status_code == 200 and "0.75%" in r.content.decode()
    # A village user reads its own part of the county's snapshot, not the county.
    v = client_for(users["village"])
    assert (
        v.get(reverse("indicators:index"), {"snapshot": snap.pk, "area": VILLAGE}).status_code
        == 200
    )
    assert (
        v.get(reverse("indicators:index"), {"snapshot": snap.pk, "area": "431129"}).status_code
        == 404
    )
    # Village staff may not lock data; other counties do not see the snapshot.
    v.post(reverse("indicators:snapshot_create"), {"as_of": "2023-06-30"})
    assert Snapshot.objects.count() == 1
    other = client_for(users["other_county"])
    assert other.get(reverse("indicators:index"), {"snapshot": snap.pk}).status_code == 404


@pytest.mark.parametrize("name", ["index", "definitions", "snapshots"])
def test_anonymous_is_sent_to_login(name):
    r = Client().get(reverse(f"indicators:{name}"))
    assert r.status_code == 302


def test_criteria_page(crafted, users):
    from conftest import _user
    from fupin.indicators.models import ExitCriteria, ExitCriteriaProposal

    c = client_for(users["county"])
    page = c.get(reverse("indicators:criteria"))
    assert page.status_code == 200 and "90" in page.content.decode()
    data = {
        "village_incidence_max": "3",
        "county_incidence_max": "3",
        "missed_poor_max": "2",
        "wrong_exit_max": "2",
        "approval_min": "90",
        "village_conditions": ["has_power", "has_safe_water"],
        "village_collective_income_min": "50000",
        "reason": "西部地区标准",
    }
    assert c.post(reverse("indicators:criteria"), data).status_code == 302
    assert not ExitCriteria.objects.exists()  # a proposal: not yet in force
    other = _user("county2", "county_office", "431129000000")
    assert (
        client_for(other).post(reverse("indicators:criteria"), {"decision": "approve"}).status_code
        == 302
    )
    saved = ExitCriteria.objects.get(region_id="431129000000")
    assert str(saved.village_incidence_max) == "3.00"
    assert saved.village_conditions == ["has_power", "has_safe_water"]
    # Village staff read the criteria but cannot set them.
    v = client_for(users["village"])
    assert v.get(reverse("indicators:criteria")).status_code == 200
    assert v.post(reverse("indicators:criteria"), data).status_code == 403
    bad = dict(data, approval_min="150")
    r = c.post(reverse("indicators:criteria"), bad)
    assert r.status_code == 422 and ExitCriteria.objects.get().approval_min == 90
    assert not ExitCriteriaProposal.objects.filter(status="pending").exists()
    # Nothing pending: there is no decision to post.
    decide = client_for(other).post(reverse("indicators:criteria"), {"decision": "approve"})
    assert decide.status_code == 404


def test_criteria_page_renders_percent_signs(crafted, users):
    zh = client_for(users["county"]).get(reverse("indicators:criteria")).content.decode()
    assert "贫困村贫困发生率低于（%）" in zh and "%%" not in zh
    en = client_for(users["county"], "en").get(reverse("indicators:criteria")).content.decode()
    assert "village poverty incidence under (%)" in en and "(2%, 2%, 2%, 2%, 90%)" in en
