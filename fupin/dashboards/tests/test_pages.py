"""The dashboard pages per role: the figures shown are the ones the indicators app
returns, scoped to the user's area, in Chinese and in English."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE, VILLAGE, give_status
from fupin.core.models import ChangeRecord
from fupin.dashboards import selectors as S
from fupin.dashboards.models import YearFigures
from fupin.dashboards.templatetags.dashboards import figure_value
from fupin.indicators.selectors import figures
from fupin.registry.models import Household

from .conftest import COUNTY, TOWNSHIP

pytestmark = pytest.mark.django_db


def kpi(html: str, code: str) -> str:
    """The value shown in the headline card of a figure."""
    m = re.search(
        rf'<div class="kpi" data-code="{code}"[^>]*>.*?<span class="kpi-value">([^<]*)<',
        html,
        re.S,
    )
    assert m, f"no headline card for {code}"
    return m.group(1).strip()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_county_dashboard_shows_the_figures_of_the_indicators(login, registry, language):
    client = login("county")
    response = client.get(reverse("dashboards:area", args=[COUNTY]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    node, *children = figures(COUNTY, depth=1)
    for code in S.HEADLINE:
        assert kpi(html, code) == figure_value(S.figure(code, node.values))
    # The population figures are not all zero: the test would prove nothing.
    assert node.values["registered_people"] == 7
    assert node.values["poverty_incidence"] is not None
    # Every township is a row of the table, linking to its own dashboard.
    for child in children:
        assert reverse("dashboards:area", args=[child.code]) in html
        assert child.name in html
    # Each headline figure carries its definition for the hover.
    assert 'title="' in html and str(S.figure("poverty_incidence", {}).definition)[:20] in html
    if language == "en":
        assert "Headline figures" in html and "Households by status" in html
    else:
        assert "按状态分的户数" in html


def test_township_dashboard_lists_its_villages(login, registry):
    html = login("township").get(reverse("dashboards:area", args=[TOWNSHIP])).content.decode()
    node, *villages = figures(TOWNSHIP, depth=1)
    assert {v.code for v in villages} == {VILLAGE, NEIGHBOUR}
    for v in villages:
        assert reverse("dashboards:area", args=[v.code]) in html
    assert kpi(html, "registered_people") == str(node.values["registered_people"])
    # The township's dashboard is not the neighbouring township's.
    assert "大路铺村" not in html


def test_village_dashboard_drills_down_to_the_household_list(login, registry):
    client = login("village")
    html = client.get(reverse("dashboards:area", args=[VILLAGE])).content.decode()
    node = figures(VILLAGE, depth=0)[0]
    assert kpi(html, "registered_households") == str(node.values["registered_households"])
    # Status figures link to the registry's household list filtered by status (a village
    # user's list is their village already).
    url = reverse("household_list") + "?status=exited"
    assert f'href="{url}"' in html
    listing = client.get(url)
    assert listing.status_code == 200
    assert "大坪村" in listing.content.decode()


def test_county_user_drills_into_a_village_with_an_area_filter(login, registry):
    html = login("county").get(reverse("dashboards:area", args=[VILLAGE])).content.decode()
    assert reverse("household_list") + f"?area={VILLAGE}&amp;status=poor" in html


@pytest.mark.parametrize(
    ("user", "code"),
    [
        ("village", NEIGHBOUR),
        ("village", TOWNSHIP),
        ("village", COUNTY),
        ("township", OTHER_TOWNSHIP_VILLAGE),
        ("other_county", COUNTY),
        ("other_county", VILLAGE),
    ],
)
def test_outside_the_area_is_not_found(login, registry, user, code):
    client = login(user)
    for name in ("dashboards:area", "dashboards:map", "dashboards:trends"):
        assert client.get(reverse(name, args=[code])).status_code == 404, name
    response = client.post(
        reverse("dashboards:report_start", args=[code]), {"kind": "xlsx", "year": 2026}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("user", ["department", "inspector", "admin"])
def test_read_only_roles_see_the_county_dashboard(login, registry, user):
    html = login(user).get(reverse("dashboards:area", args=[COUNTY])).content.decode()
    node = figures(COUNTY, depth=0)[0]
    assert kpi(html, "registered_people") == str(node.values["registered_people"])


def test_cadre_sees_the_dashboard_of_their_village_only(login, registry):
    client = login("cadre")
    assert client.get(reverse("dashboards:area", args=[VILLAGE])).status_code == 200
    assert client.get(reverse("dashboards:area", args=[NEIGHBOUR])).status_code == 404


def test_home_opens_the_users_area(login, registry):
    assert login("village").get(reverse("dashboards:home"))["Location"] == reverse(
        "dashboards:area", args=[VILLAGE]
    )


def test_anonymous_is_sent_to_login(client, registry):
    response = client.get(reverse("dashboards:area", args=[COUNTY]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_trends_are_the_figures_as_of_each_year_end(login, registry):
    data = login("county").get(reverse("dashboards:trends", args=[COUNTY])).json()
    assert data["years"][-1] >= 2024
    today = figures(COUNTY, depth=0)[0].values
    series = {s["code"]: s["values"] for s in data["series"]}
    # This year is today's figures; the registry was created today, so earlier years
    # (read back from history) are empty.
    assert series["registered_people"][-1] == today["registered_people"] == 7
    assert len(series["registered_people"]) == len(data["years"])


def test_the_page_and_its_trends_share_one_computation_of_todays_figures(
    login, registry, monkeypatch
):
    calls = []

    def counted(code, **kwargs):
        calls.append((code, kwargs.get("as_of"), kwargs.get("depth")))
        return figures(code, **kwargs)

    monkeypatch.setattr(S, "figures", counted)
    client = login("county")
    assert client.get(reverse("dashboards:area", args=[COUNTY])).status_code == 200
    data = client.get(reverse("dashboards:trends", args=[COUNTY])).json()
    series = {s["code"]: s["values"] for s in data["series"]}
    assert series["registered_people"][-1] == 7
    # Today's figures: once, at the county dashboard's depth; the trends read its root.
    assert [c for c in calls if c[1] is None] == [(COUNTY, None, 2)]


def test_past_years_are_the_figures_as_of_31_december_kept_until_history_changes(login, registry):
    # The registry "was" entered on 1 March 2024.
    ChangeRecord.objects.update(time=timezone.make_aware(dt.datetime(2024, 3, 1, 10)))
    client = login("county")
    data = client.get(reverse("dashboards:trends", args=[COUNTY])).json()
    assert data["years"][0] == 2024 and data["pending"] == []
    at_2024 = figures(COUNTY, as_of=dt.date(2024, 12, 31), depth=0)[0].values
    series = {s["code"]: s["values"] for s in data["series"]}
    assert series["registered_people"][0] == at_2024["registered_people"] == 7
    assert series["poverty_incidence"][0] == at_2024["poverty_incidence"]
    kept = YearFigures.objects.get(area_code=COUNTY, as_of=dt.date(2024, 12, 31))
    assert kept.values["registered_people"] == 7
    # A change dated in 2024 but recorded later makes the kept figures stale.
    h = Household.objects.filter(village_id=VILLAGE).first()
    give_status(h, "removed", h.status_year)
    ChangeRecord.objects.filter(id__gt=kept.last_record_id).update(
        time=timezone.make_aware(dt.datetime(2024, 6, 1, 10))
    )
    data = client.get(reverse("dashboards:trends", args=[COUNTY])).json()
    series = {s["code"]: s["values"] for s in data["series"]}
    assert (
        series["registered_people"][0]
        == figures(COUNTY, as_of=dt.date(2024, 12, 31), depth=0)[0].values["registered_people"]
        < 7
    )


def test_a_past_year_is_read_back_once_for_the_whole_county(login, registry):
    # The registry "was" entered on 1 March 2024; the village's staff open its trends.
    ChangeRecord.objects.update(time=timezone.make_aware(dt.datetime(2024, 3, 1, 10)))
    data = login("village").get(reverse("dashboards:trends", args=[VILLAGE])).json()
    assert data["years"][0] == 2024 and data["pending"] == []
    end = dt.date(2024, 12, 31)
    kept = {y.area_code: y.values for y in YearFigures.objects.filter(as_of=end)}
    # Kept with it: the county, its townships and villages, each as figures() says.
    assert {COUNTY, TOWNSHIP, VILLAGE, NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE} <= set(kept)
    for code in (COUNTY, TOWNSHIP, VILLAGE, OTHER_TOWNSHIP_VILLAGE):
        assert kept[code] == figures(code, as_of=end, depth=0)[0].values
    assert kept[COUNTY]["registered_people"] == 7 > kept[VILLAGE]["registered_people"]
    # The county's trends then read nothing back from history.
    before = YearFigures.objects.count()
    data = login("county").get(reverse("dashboards:trends", args=[COUNTY])).json()
    assert data["pending"] == [] and YearFigures.objects.count() == before


def test_map_of_a_county_has_one_feature_per_township(login, registry):
    data = login("county").get(reverse("dashboards:map", args=[COUNTY])).json()
    assert data["schematic"] is True
    names = [f["properties"]["name"] for f in data["geojson"]["features"]]
    assert names == [TOWNSHIP, "431129103000"]
    for f in data["geojson"]["features"]:
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_village_map_shows_only_the_village(login, registry):
    data = login("village").get(reverse("dashboards:map", args=[VILLAGE])).json()
    assert [f["properties"]["name"] for f in data["geojson"]["features"]] == [VILLAGE]


def test_page_loads_no_script_from_another_host(login, registry):
    html = login("county").get(reverse("dashboards:area", args=[COUNTY])).content.decode()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "/static/vendor/echarts/echarts.min.js" in html
    # No boundaries loaded: the map says it is schematic.
    assert 'class="schematic-note"' in html
    assert "/static/dashboards/dashboard.js" in html


def test_county_map_can_show_every_village(login, registry):
    client = login("county")
    data = client.get(reverse("dashboards:map", args=[COUNTY]) + "?level=village").json()
    names = [f["properties"]["name"] for f in data["geojson"]["features"]]
    assert names == [VILLAGE, NEIGHBOUR, OTHER_TOWNSHIP_VILLAGE]
    html = client.get(reverse("dashboards:area", args=[COUNTY])).content.decode()
    assert 'data-level="village"' in html
    # The villages' figures for the map are in the page, as figures() returns them.
    for v in figures(COUNTY, depth=2)[1:]:
        if v.level == 5:
            assert f'"code": "{v.code}"' in html


def test_the_chart_library_is_installed_and_served_by_the_app(client, settings):
    """ECharts comes from node_modules (make install runs npm ci), served as a static
    file by the app: no CDN. Fails with the fix in the message when it is missing."""
    from django.contrib.staticfiles import finders

    from fupin.dashboards.finders import ECHARTS_STATIC, MISSING

    assert finders.find(ECHARTS_STATIC), MISSING
    settings.WHITENOISE_USE_FINDERS = True  # as in DEBUG; production serves collectstatic
    response = client.get("/static/" + ECHARTS_STATIC)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert len(body) > 500_000 and b"echarts" in body[:2000].lower()
    for name in ("dashboards/dashboard.js", "dashboards/dashboards.css"):
        assert client.get("/static/" + name).status_code == 200


def test_map_offers_visit_compliance_per_area(login, registry, household, neighbour_household):
    """The map's figure switch has visit compliance (visits within the policy's
    interval), with each township's value as the indicators compute it."""
    import json

    from fupin.assistance import choices as ac
    from fupin.assistance.models import Cadre, Pairing, Visit

    today = timezone.localdate()
    cadre = Cadre.objects.create(
        name="甲", unit="县财政局", rank=ac.Rank.SECTION, home_area_id=COUNTY
    )
    for h in (household, neighbour_household):
        Pairing.objects.create(
            cadre=cadre, household=h, kind=ac.PairingKind.KEY, start_date=today - dt.timedelta(60)
        )
    Visit.objects.create(
        cadre=cadre,
        household=household,
        date=today - dt.timedelta(5),
        purpose=ac.VisitPurpose.FOLLOW_UP,
    )
    html = login("county").get(reverse("dashboards:area", args=[COUNTY])).content.decode()
    assert 'data-metric="visit_compliance"' in html
    data = json.loads(re.search(r'id="dash-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    metric = next(m for m in data["metrics"] if m["code"] == "visit_compliance")
    assert metric["good"] and metric["percent"]
    values = {c["code"]: c["values"]["visit_compliance"] for c in data["children"]}
    # 沱江镇: two due households (大坪村 visited 5 days ago, 清塘村 never): 50 %;
    # 大路铺镇: nothing due, no figure.
    assert values[TOWNSHIP] == 50.0
    assert values[OTHER_TOWNSHIP_VILLAGE[:9].ljust(12, "0")] is None
    assert data["node"]["visit_compliance"] == 50.0
