"""A paired cadre sees and acts on the households it is actively paired with (and reads
its village's directory and page), nothing else of its village; no area export.

The narrowing is `RestrictedQuerySet.restrict` (fupin.core.scope) fed by the hook this
app registers at start-up (`AssistanceConfig.ready`)."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import VILLAGE, make_id, member_data
from fupin.assistance import services
from fupin.assistance.models import Cadre, DirectoryEntry, Pairing, Visit
from fupin.core import scope
from fupin.core.errors import NotAllowed, OutsideArea
from fupin.exchange.export import export_registry
from fupin.exchange.models import ExchangeRun
from fupin.monitoring import services as monitoring
from fupin.monitoring.models import Channel, RiskLevel, RiskType, RiskWarning
from fupin.registry import services as registry
from fupin.registry.models import Household, Member


def pair(users, cadre, household, start=dt.date(2024, 1, 1)):
    return services.pairing_create(
        actor=users["county"], cadre=cadre, household=household, kind="contact", start_date=start
    )


def with_head(users, household, seq):
    registry.member_add(
        actor=users["county"],
        household=household,
        data=member_data(id_number=make_id(seq=seq), name=f"户主{seq}"),
    )
    return household


@pytest.fixture
def setting(users, make_cadre, make_household):
    """The cadre login paired with `mine`; `other` is an unpaired household of the same
    village, paired with another cadre; `ended` was paired with the login once."""
    me = make_cadre(name="张帮扶", user=users["cadre"])
    someone = make_cadre(name="李帮扶")
    mine = with_head(users, make_household(address="一组1号"), "301")
    other = with_head(users, make_household(address="一组2号"), "302")
    ended = with_head(users, make_household(address="一组3号"), "303")
    pair(users, me, mine)
    pair(users, someone, other)
    old = pair(users, me, ended, start=dt.date(2023, 1, 1))
    services.pairing_end(
        actor=users["county"], pairing=old, date=dt.date(2023, 12, 31), reason="调整"
    )
    return {"me": me, "mine": mine, "other": other, "ended": ended}


def test_restrict_narrows_the_cadre_to_its_active_pairings(users, setting):
    cadre, village = users["cadre"], users["village"]
    assert set(Household.objects.restrict(cadre)) == {setting["mine"]}
    assert Household.objects.restrict(village).count() == 3  # staff: the whole village
    assert {m.household_id for m in Member.objects.restrict(cadre)} == {setting["mine"].pk}
    assert {p.household_id for p in Pairing.objects.restrict(cadre)} == {setting["mine"].pk}
    # its own cadre profile, not the other cadre's
    assert list(Cadre.objects.restrict(cadre)) == [setting["me"]]
    assert Cadre.objects.restrict(village).count() == 2
    # rows with an area but no household: nothing, unless the model says a cadre may read
    assert not ExchangeRun.objects.restrict(cadre).exists()
    from fupin.geo.models import Division

    assert Division.objects.restrict(cadre).filter(code=VILLAGE).exists()


def test_object_checks_follow_the_pairing(users, setting):
    cadre = users["cadre"]
    assert scope.covers_household(cadre, setting["mine"])
    assert not scope.covers_household(cadre, setting["other"])
    assert not scope.covers_household(cadre, setting["ended"])
    assert scope.covers_household(users["village"], setting["other"])
    assert not scope.covers_household(users["neighbour"], setting["mine"])


def test_the_cadre_reads_its_household_and_not_the_others_pages(client, users, setting):
    client.force_login(users["cadre"])
    mine, other = setting["mine"], setting["other"]
    listing = client.get(reverse("household_list"))
    assert listing.status_code == 200
    assert reverse("household_detail", args=[mine.pk]) in listing.content.decode()
    for h in (other, setting["ended"]):
        assert reverse("household_detail", args=[h.pk]) not in listing.content.decode()
    for name, query in [
        ("household_detail", ""),
        ("household_history", ""),
        ("household_as_of", "?as_of=2024-06-01"),
        ("assistance:visit_create", ""),
    ]:
        assert client.get(reverse(name, args=[mine.pk]) + query).status_code == 200, name
        for h in (other, setting["ended"]):
            r = client.get(reverse(name, args=[h.pk]) + query)
            assert r.status_code == 404, (name, h)


def test_the_cadre_reads_its_household_and_not_the_others_api(client, users, setting):
    client.force_login(users["cadre"])
    mine, other = setting["mine"], setting["other"]
    items = client.get("/api/v1/households?limit=100").json()["items"]
    assert [i["id"] for i in items] == [mine.pk]
    assert client.get(f"/api/v1/households/{mine.pk}").status_code == 200
    assert client.get(f"/api/v1/households/{other.pk}").status_code == 404
    members = client.get("/api/v1/members?limit=100").json()["items"]
    assert {m["household_id"] for m in members} == {mine.pk}
    own_member = Member.objects.get(household=mine)
    other_member = Member.objects.get(household=other)
    assert client.get(f"/api/v1/members/{own_member.pk}").status_code == 200
    assert client.get(f"/api/v1/members/{other_member.pk}").status_code == 404
    r = client.get(f"/api/v1/members?household={other.pk}&limit=100")
    assert r.status_code in (200, 404) and other_member.name not in r.content.decode()
    # the village staff still reads both (the narrowing is the cadre's only)
    client.force_login(users["village"])
    items = client.get("/api/v1/households?limit=100").json()["items"]
    assert {i["id"] for i in items} == {mine.pk, other.pk, setting["ended"].pk}


def test_the_cadre_still_reads_its_village_directory_and_page(client, users, setting):
    services.directory_entry_add(
        actor=users["village"],
        area_code=VILLAGE,
        name="王村支书",
        post="支部书记",
        phone="13807469999",
    )
    assert DirectoryEntry.objects.restrict(users["cadre"]).count() == 1
    client.force_login(users["cadre"])
    r = client.get(reverse("assistance:directory", args=[VILLAGE]))
    assert r.status_code == 200 and "王村支书" in r.content.decode()
    assert client.get(reverse("assistance:village", args=[VILLAGE])).status_code == 200
    assert (
        client.get(reverse("assistance:cadre_detail", args=[setting["me"].pk])).status_code == 200
    )
    other_cadre = Cadre.objects.get(name="李帮扶")
    assert client.get(reverse("assistance:cadre_detail", args=[other_cadre.pk])).status_code == 404


def test_the_cadre_cannot_act_on_an_unpaired_household(users, setting):
    cadre, me, other = users["cadre"], setting["me"], setting["other"]
    visits, warnings = Visit.objects.count(), RiskWarning.objects.count()
    with pytest.raises(OutsideArea):
        services.visit_record(
            actor=cadre, cadre=me, household=other, date=dt.date(2024, 3, 1), purpose="follow_up"
        )
    warning = {
        "channel": Channel.VISIT,
        "cause": RiskType.ILLNESS,
        "evidence": "住院花费大",
        "proposed_level": RiskLevel.GENERAL,
    }
    with pytest.raises(OutsideArea):
        monitoring.warning_create(actor=cadre, household=other, **warning)
    assert (Visit.objects.count(), RiskWarning.objects.count()) == (visits, warnings)
    # its own household: both work
    services.visit_record(
        actor=cadre,
        cadre=me,
        household=setting["mine"],
        date=dt.date(2024, 3, 1),
        purpose="follow_up",
    )
    monitoring.warning_create(actor=cadre, household=setting["mine"], **warning)
    assert (Visit.objects.count(), RiskWarning.objects.count()) == (visits + 1, warnings + 1)


def test_the_cadre_visit_page_refuses_an_unpaired_household(client, users, setting):
    client.force_login(users["cadre"])
    url = reverse("assistance:visit_create", args=[setting["other"].pk])
    r = client.post(url, {"cadre": setting["me"].pk, "date": "2024-02-01", "purpose": "follow_up"})
    assert r.status_code == 404
    assert not Visit.objects.exists()


def test_the_cadre_cannot_export(client, users, setting, tmp_path):
    runs = ExchangeRun.objects.count()
    client.force_login(users["cadre"])
    assert client.get(reverse("exchange:index")).status_code == 403
    r = client.post(reverse("exchange:export"), {"area": VILLAGE, "format": "xlsx"})
    assert r.status_code == 403
    with pytest.raises(NotAllowed):
        export_registry(actor=users["cadre"], area_code=VILLAGE, path=tmp_path / "x.xlsx")
    out = Path(tmp_path / "y.csv")
    with pytest.raises(CommandError):
        call_command("export_registry", "--user", "cadre", "--out", str(out))
    assert not out.exists() and not (tmp_path / "x.xlsx").exists()
    assert ExchangeRun.objects.count() == runs
    # the village staff still exports its village
    export_registry(actor=users["village"], area_code=VILLAGE, path=tmp_path / "v.xlsx")
    assert ExchangeRun.objects.count() == runs + 1


def test_the_household_list_costs_the_same_whatever_the_pairings(
    client, users, setting, make_household
):
    client.force_login(users["cadre"])
    url = reverse("household_list")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    client.get(url)  # warm caches (sessions, policy)
    one = count()
    for i in range(3):
        pair(users, setting["me"], with_head(users, make_household(address=f"二组{i}号"), f"31{i}"))
    assert Household.objects.restrict(users["cadre"]).count() == 4
    assert count() == one
