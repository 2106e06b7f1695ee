"""The pages, through the test client: render in both languages, scope, score entry,
the sheet editor and the performance page."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import NEIGHBOUR, VILLAGE
from fupin.scoring import services
from fupin.scoring.models import ScoringSheet, VillageScore, YellowCard
from fupin.scoring.tests.conftest import COUNTY, ITEMS


@pytest.fixture
def scored(users, make_round, score):
    r1, r2 = make_round(), make_round()
    score(r1, VILLAGE, "79.9")
    score(r1, NEIGHBOUR, "92")
    score(r2, VILLAGE, "80")
    return r1, r2


@pytest.fixture
def scheme(users):
    return services.scheme_save(
        actor=users["county"],
        region_code=COUNTY,
        data={"name": "乡镇脱贫攻坚绩效考核", "year": 2024},
        indicators=[
            {"source": "income_growth", "weight": "30"},
            {"source": "findings_closed", "weight": "20"},
        ],
    )


def pages(r1, scheme):
    return [
        reverse("scoring:index"),
        reverse("scoring:index") + "?cards=all",
        reverse("scoring:round_detail", args=[r1.pk]),
        reverse("scoring:village", args=[VILLAGE]),
        reverse("scoring:sheet_list"),
        reverse("scoring:sheet_detail", args=[r1.sheet_id]),
        reverse("scoring:performance_index") + "?all=1",
        reverse("scoring:performance", args=[scheme.pk]),
    ]


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_pages_render_in_both_languages(client, users, scored, scheme, lang):
    client.force_login(users["county"])
    for url in pages(scored[0], scheme):
        r = client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
        assert r.status_code == 200, url
    body = client.get(reverse("scoring:index"), HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    if lang == "en":
        assert "Yellow-card list" in body and "Recovered in" not in body
    else:
        assert "黄牌村名单" in body
    allcards = client.get(reverse("scoring:index") + "?cards=all", HTTP_ACCEPT_LANGUAGE=lang)
    assert scored[1].name in allcards.content.decode()  # recovered in the second round


def test_village_staff_see_their_village_only(client, users, scored):
    r1, _r2 = scored
    client.force_login(users["village"])
    body = client.get(reverse("scoring:round_detail", args=[r1.pk])).content.decode()
    assert "大坪村" in body and "清塘村" not in body
    assert client.get(reverse("scoring:village", args=[NEIGHBOUR])).status_code == 404
    assert client.get(reverse("scoring:village", args=[VILLAGE])).status_code == 200
    # Viewing is allowed, scoring is not.
    url = reverse("scoring:score_entry", args=[r1.pk, VILLAGE])
    assert client.get(url).status_code == 403


def test_other_county_gets_404(client, users, scored, scheme):
    client.force_login(users["other_county"])
    r1 = scored[0]
    assert client.get(reverse("scoring:round_detail", args=[r1.pk])).status_code == 404
    assert client.get(reverse("scoring:sheet_detail", args=[r1.sheet_id])).status_code == 404
    assert client.get(reverse("scoring:performance", args=[scheme.pk])).status_code == 404
    url = reverse("scoring:score_entry", args=[r1.pk, VILLAGE])
    assert client.get(url).status_code == 404  # a scorer, but not of this county
    client.force_login(users["inspector"])
    assert client.get(url).status_code == 200


def test_score_entry_page(client, users, make_round, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    rnd = make_round()
    client.force_login(users["inspector"])
    url = reverse("scoring:score_entry", args=[rnd.pk, VILLAGE])
    data = {
        "scored_on": "2024-01-28",
        "points_A1": "39.9",
        "points_A2": "20",
        "points_A3": "20",
        "points_A4": "0",
        "evidence_A1": "",
        "notes": "",
        "reason": "",
    }
    r = client.post(url, data)
    assert r.status_code == 422
    assert "A1 须提供佐证" in r.content.decode()
    assert not VillageScore.objects.exists()
    data["attachment"] = SimpleUploadedFile("核查表.pdf", b"%PDF-1.4 x", "application/pdf")
    r = client.post(url, data)
    assert r.status_code == 302
    s = VillageScore.objects.get()
    assert str(s.total) == "79.9" and s.grade == "yellow"
    assert YellowCard.objects.open().filter(village_id=VILLAGE).exists()
    f = client.get(reverse("scoring:score_attachment", args=[s.pk]))
    assert f.status_code == 200 and b"".join(f.streaming_content).startswith(b"%PDF")
    client.force_login(users["neighbour"])
    assert client.get(reverse("scoring:score_attachment", args=[s.pk])).status_code == 404
    r = client.post(url, dict(data, points_A4="101"))
    assert r.status_code == 403


def test_sheet_editor_creates_a_version_when_frozen(client, users, scored):
    sheet = ScoringSheet.objects.get()
    client.force_login(users["county"])
    url = reverse("scoring:sheet_edit", args=[sheet.pk])
    assert client.get(url).status_code == 200
    data = {
        "name": sheet.name,
        "year": "2025",
        "consolidate_threshold": "90",
        "yellow_threshold": "80",
        "key_threshold": "60",
        "key_consecutive_rounds": "2",
        "reason": "2025年细则",
        "items-TOTAL_FORMS": "5",
        "items-INITIAL_FORMS": "4",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "60",
    }
    for n, item in enumerate([*ITEMS, {"code": "", "text": "", "max_points": ""}]):
        data[f"items-{n}-code"] = item["code"]
        data[f"items-{n}-text"] = item["text"]
        data[f"items-{n}-max_points"] = item["max_points"]
    data["items-3-max_points"] = "25"  # adds up to 105
    r = client.post(url, data)
    assert r.status_code == 422 and "105" in r.content.decode()
    data["items-0-max_points"] = "35"
    r = client.post(url, data)
    assert r.status_code == 302
    new = ScoringSheet.objects.get(is_current=True)
    assert new.version == 2 and new.year == 2025
    assert r["Location"] == reverse("scoring:sheet_detail", args=[new.pk])
    assert client.get(reverse("scoring:sheet_detail", args=[sheet.pk])).status_code == 200
    client.force_login(users["township"])
    assert client.get(url).status_code == 403


def test_new_round_and_new_sheet_pages(client, users, sheet):
    client.force_login(users["county"])
    r = client.post(
        reverse("scoring:round_create"),
        {
            "sheet": sheet.pk,
            "area": COUNTY,
            "name": "2024年第三季度",
            "period_start": "2024-07-01",
            "period_end": "2024-06-30",
        },
    )
    assert r.status_code == 422 and not sheet.rounds.exists()
    r = client.post(
        reverse("scoring:round_create"),
        {
            "sheet": sheet.pk,
            "area": COUNTY,
            "name": "2024年第三季度",
            "period_start": "2024-07-01",
            "period_end": "2024-09-30",
        },
    )
    assert r.status_code == 302 and sheet.rounds.get().name == "2024年第三季度"


def test_performance_page_computes_and_says_which_indicators_have_no_data(client, users, scheme):
    url = reverse("scoring:performance", args=[scheme.pk])
    client.force_login(users["county"])
    r = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "has not been computed yet" in r.content.decode()
    r = client.post(url, {"start": "2024-01-01", "end": "2024-12-31"})
    assert r.status_code == 302
    r = client.get(r["Location"], HTTP_ACCEPT_LANGUAGE="en")
    body = r.content.decode()
    assert r.status_code == 200
    # No income records and no supervision findings yet: both have no data, no zeros.
    assert "No data for" in body and "Income growth" in body and "Findings closed" in body
    assert "沱江镇" in body and "大路铺镇" in body and "Computed" in body
    r = client.get(url + "?start=2024-12-01&end=2024-01-01")
    assert r.status_code == 200
    # Viewing is for every reader in the area; computing only for supervisors.
    client.force_login(users["department"])
    assert client.get(url).status_code == 200
    assert client.post(url, {}).status_code == 403


def test_scheme_editor(client, users, scheme):
    client.force_login(users["county"])
    url = reverse("scoring:scheme_edit", args=[scheme.pk])
    assert client.get(url).status_code == 200
    r = client.post(
        url,
        {
            "name": scheme.name,
            "year": "2024",
            "subjects": "township",
            "normalisation": "rank",
            "use_visit_compliance": "on",
            "weight_visit_compliance": "25",
            "higher_visit_compliance": "on",
            "use_income_growth": "on",
            "weight_income_growth": "",
        },
    )
    assert r.status_code == 422  # a used indicator needs a weight
    r = client.post(
        url,
        {
            "name": scheme.name,
            "year": "2024",
            "subjects": "township",
            "normalisation": "rank",
            "use_visit_compliance": "on",
            "weight_visit_compliance": "25",
            "higher_visit_compliance": "on",
        },
    )
    assert r.status_code == 302
    scheme.refresh_from_db()
    assert scheme.normalisation == "rank"
    assert list(scheme.indicators.values_list("source", flat=True)) == ["visit_compliance"]
    assert dt.date.today()


def test_yellow_card_list_is_scoped(client, users, make_round, score):
    rnd = make_round()
    score(rnd, NEIGHBOUR, "70")
    score(rnd, VILLAGE, "79.9")
    client.force_login(users["county"])
    body = client.get(reverse("scoring:index")).content.decode()
    assert "清塘村" in body and "大坪村" in body
    client.force_login(users["village"])
    body = client.get(reverse("scoring:index")).content.decode()
    assert "大坪村" in body and "清塘村" not in body
    assert rnd.name in body  # the county's round is listed for the village's staff
