"""The relocation ledger: each refusal of a relocation, the room at a site, the
handover and move-in, the old house (four eyes on the demolition's verification), the
follow-up support, scope and history; the pages, the API and the workbook."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import (
    HOUSEHOLD_DATA,
    OTHER_COUNTY_VILLAGE,
    VILLAGE,
    give_status,
    registered_household,
)
from fupin.core.errors import AlreadyDecided, NotAllowed, OutsideArea, ValidationFailed
from fupin.core.history import history_of
from fupin.core.models import ChangeRecord
from fupin.programmes import ledgers, workbook
from fupin.programmes.checks import Closed
from fupin.registry import choices as c
from fupin.relocation import ledger as relocation_ledger
from fupin.relocation import rules, selectors, services
from fupin.relocation.models import OldHouse, Relocation, Site, Support
from fupin.relocation.tests.authority_invokers import DEMOLISHED, HANDED, MOVED, site

TODAY = dt.date(2024, 1, 1)


def relocate(users, household, the_site, **over):
    data = {
        "people": 3,
        "home": "1栋1单元101",
        "home_area": Decimal("75"),
        "handed_over_on": HANDED,
        "moved_in_on": MOVED,
        **over,
    }
    return services.relocation_record(
        actor=users["village"], household=household, site=the_site, data=data, today=TODAY
    )


def _errors(call):
    with pytest.raises(ValidationFailed) as exc:
        call()
    return exc.value.errors


@pytest.fixture
def centre(users):
    return site(users)


@pytest.fixture
def relocation(users, household, centre):
    return relocate(users, household, centre)


def test_record_with_history(users, household, relocation):
    assert relocation.village_id == household.village_id
    assert "relocation.relocation" in {r.object_type for r in history_of(household)}
    assert _errors(lambda: relocate(users, household, site(users))) == {
        "household": [str(_("The household's relocation is recorded."))]
    }


def _(text):
    from django.utils.translation import gettext

    return gettext(text)


@pytest.mark.parametrize(
    ("status", "ok"),
    [(c.HouseholdStatus.POOR, True), (c.HouseholdStatus.REMOVED, False)],
)
def test_only_a_household_due_assistance(users, household, centre, status, ok):
    give_status(household, status, 2016)
    if ok:
        assert relocate(users, household, centre).pk
    else:
        assert "household" in _errors(lambda: relocate(users, household, centre))


def test_refusals_of_a_relocation(users, household, centre):
    assert "home_area" in _errors(lambda: relocate(users, household, centre, people=2))  # 75 > 50
    assert "handed_over_on" in _errors(
        lambda: relocate(users, household, centre, handed_over_on=dt.date(2018, 3, 1))
    )  # before the site was completed
    assert "moved_in_on" in _errors(
        lambda: relocate(users, household, centre, moved_in_on=dt.date(2018, 4, 1))
    )  # before the handover
    assert "moved_in_on" in _errors(
        lambda: relocate(users, household, centre, handed_over_on=None)
    )  # moved in without a handover
    far = services.site_create(
        actor=users["admin"],
        data={
            "name": "外县安置点",
            "kind": "centralised",
            "village_id": OTHER_COUNTY_VILLAGE,
            "homes": 5,
            "capacity": 20,
        },
    )
    assert "site" in _errors(lambda: relocate(users, household, far))


def test_a_full_site_refuses(users, household):
    small = site(users, homes=1, capacity=4)
    other = registered_household(
        actor=users["village"], village_code=VILLAGE, data=dict(HOUSEHOLD_DATA)
    )
    relocate(users, household, small, people=3)
    errors = _errors(lambda: relocate(users, other, small, people=1, home_area=Decimal("25")))
    assert errors == {"site": [rules.full_homes()]}
    roomy = site(users, homes=5, capacity=4)
    relocate(
        users,
        registered_household(
            actor=users["village"], village_code=VILLAGE, data=dict(HOUSEHOLD_DATA)
        ),
        roomy,
        people=3,
    )
    assert _errors(lambda: relocate(users, other, roomy, people=2, home_area=Decimal("50"))) == {
        "site": [rules.full_people()]
    }


def test_progress_fills_dates_once(users, household, centre):
    r = relocate(users, household, centre, moved_in_on=None)
    with pytest.raises(ValidationFailed):  # before the handover
        services.relocation_progress(
            actor=users["village"], relocation=r, moved_in_on=dt.date(2018, 4, 1)
        )
    r = services.relocation_progress(actor=users["village"], relocation=r, moved_in_on=MOVED)
    assert r.moved_in_on == MOVED
    with pytest.raises(ValidationFailed):  # nothing new
        services.relocation_progress(
            actor=users["village"], relocation=r, moved_in_on=dt.date(2019, 1, 1)
        )


def test_old_house_and_the_four_eyes_verification(users, relocation):
    with pytest.raises(ValidationFailed):  # before the move
        services.old_house_record(
            actor=users["township"], relocation=relocation, demolished_on=dt.date(2018, 5, 1)
        )
    with pytest.raises(ValidationFailed):  # neither a day nor a reason
        services.old_house_record(actor=users["township"], relocation=relocation)
    r = services.old_house_record(
        actor=users["township"], relocation=relocation, demolished_on=DEMOLISHED
    )
    assert r.old_house == OldHouse.DEMOLISHED
    with pytest.raises(Closed):
        services.old_house_record(actor=users["township"], relocation=r, kept_reason="保护建筑")
    with pytest.raises(NotAllowed):  # who recorded it may not verify it
        services.demolition_verify(actor=users["township"], relocation=r)
    with pytest.raises(NotAllowed):  # village staff may not verify
        services.demolition_verify(actor=users["village"], relocation=r)
    with pytest.raises(OutsideArea):
        services.demolition_verify(actor=users["other_county"], relocation=r)
    r = services.demolition_verify(actor=users["county"], relocation=r, today=TODAY)
    assert r.demolition_verified_on == TODAY and r.demolition_verified_by == users["county"]
    with pytest.raises(AlreadyDecided):
        services.demolition_verify(actor=users["county"], relocation=r)


def test_a_kept_house_is_never_overdue(users, relocation):
    r = services.old_house_record(actor=users["village"], relocation=relocation, kept_reason="祠堂")
    assert r.old_house == OldHouse.KEPT and not selectors.overdue(r, dt.date(2025, 1, 1))
    with pytest.raises(Closed):
        services.demolition_verify(actor=users["county"], relocation=r)


def test_overdue_queryset_form_agrees_with_the_row_form(users, household, centre):
    others = [
        registered_household(
            actor=users["village"], village_code=VILLAGE, data=dict(HOUSEHOLD_DATA)
        )
        for _i in range(3)
    ]
    relocate(users, household, centre)
    kept = relocate(users, others[0], centre)
    services.old_house_record(actor=users["village"], relocation=kept, kept_reason="祠堂")
    gone = relocate(users, others[1], centre)
    services.old_house_record(actor=users["village"], relocation=gone, demolished_on=DEMOLISHED)
    relocate(users, others[2], centre, moved_in_on=None)
    for day in (dt.date(2019, 2, 1), dt.date(2019, 6, 1), dt.date(2019, 6, 2), dt.date(2020, 1, 1)):
        by_q = set(Relocation.objects.filter(selectors.overdue_q(day)).values_list("pk", flat=True))
        by_row = {r.pk for r in Relocation.objects.all() if selectors.overdue(r, day)}
        assert by_q == by_row, day
    assert by_q == {Relocation.objects.get(household=household).pk}


def test_support_follows_the_move(users, household, relocation):
    with pytest.raises(ValidationFailed):
        services.support_add(
            actor=users["village"],
            relocation=relocation,
            kind="community",
            on=dt.date(2018, 5, 31),
            description="户籍转接",
        )
    s = services.support_add(
        actor=users["village"],
        relocation=relocation,
        kind="schooling",
        on=dt.date(2018, 9, 1),
        description="转学",
        member=household.members.get(),
    )
    assert s.pk and "relocation.support" in {r.object_type for r in history_of(relocation)}


def test_scope(users, neighbour_household, centre):
    with pytest.raises(OutsideArea):
        relocate(users, neighbour_household, centre)


def test_relocations_follow_their_household(users, household, relocation):
    from conftest import NEIGHBOUR
    from fupin.registry.hooks import households_moved
    from fupin.registry.models import Household

    Household.objects.filter(pk=household.pk).update(village_id=NEIGHBOUR)
    households_moved([household.pk])
    assert Relocation.objects.get(pk=relocation.pk).village_id == NEIGHBOUR


# ------------------------------------------------------------------ pages and API


def test_pages_scoped(client, users, household, relocation):
    client.force_login(users["village"])
    detail = reverse("relocation:detail", args=[relocation.pk])
    assert client.get(detail).status_code == 200
    assert household.number in client.get(reverse("relocation:list")).content.decode()
    assert relocation.site.name in client.get(reverse("relocation:sites")).content.decode()
    assert client.get(reverse("relocation:site", args=[relocation.site_id])).status_code == 200
    client.force_login(users["neighbour"])
    assert client.get(detail).status_code == 404
    assert client.get(reverse("relocation:site", args=[relocation.site_id])).status_code == 404
    assert household.number not in client.get(reverse("relocation:list")).content.decode()


def test_overdue_filter_and_mark(client, users, household, relocation):
    client.force_login(users["village"])
    html = client.get(reverse("relocation:list"), {"demolition_overdue": "on"}).content.decode()
    assert household.number in html and 'class="overdue"' in html
    services.old_house_record(
        actor=users["village"], relocation=relocation, demolished_on=DEMOLISHED
    )
    html = client.get(reverse("relocation:list"), {"demolition_overdue": "on"}).content.decode()
    assert household.number not in html


def test_record_on_the_page_and_the_household_panel(client, users, household, centre):
    client.force_login(users["village"])
    page = reverse("household_detail", args=[household.pk])
    new = reverse("relocation:new", args=[household.pk])
    assert new in client.get(page).content.decode()
    bad = client.post(new, {"site": centre.pk, "people": 1, "home": "1-101", "home_area": "30"})
    assert bad.status_code == 422 and "25" in bad.content.decode()
    ok = client.post(new, {"site": centre.pk, "people": 2, "home": "1-101", "home_area": "50"})
    assert ok.status_code == 302
    html = client.get(page).content.decode()
    assert centre.name in html and new not in html  # recorded: no second one offered
    r = Relocation.objects.get()
    detail = reverse("relocation:detail", args=[r.pk])
    form = {"action": "progress", "handed_over_on": "2018-05-01", "moved_in_on": "2018-06-01"}
    assert client.post(detail, form).status_code == 302
    support = {"action": "support", "kind": "community", "on": "2018-06-15", "description": "社区"}
    assert client.post(detail, support).status_code == 302
    assert Support.objects.count() == 1


def test_verify_on_the_page_refuses_the_recorder(client, users, relocation):
    services.old_house_record(
        actor=users["township"], relocation=relocation, demolished_on=DEMOLISHED
    )
    detail = reverse("relocation:detail", args=[relocation.pk])
    client.force_login(users["township"])
    assert 'value="verify"' not in client.get(detail).content.decode()
    assert client.post(detail, {"action": "verify"}).status_code == 403
    client.force_login(users["county"])
    assert client.post(detail, {"action": "verify"}).status_code == 302


def test_api_scoped(client, users, relocation):
    client.force_login(users["village"])
    body = client.get("/api/v1/relocations").json()
    assert [i["id"] for i in body["items"]] == [relocation.pk]
    sites = client.get("/api/v1/resettlement-sites").json()
    assert [i["id"] for i in sites["items"]] == [relocation.site_id]
    client.force_login(users["neighbour"])
    assert client.get("/api/v1/relocations").json()["items"] == []
    assert client.get("/api/v1/resettlement-sites").json()["items"] == []


def test_export_capability(client, users, relocation):
    client.force_login(users["cadre"])
    assert client.get(reverse("relocation:export")).status_code == 403
    client.force_login(users["village"])
    response = client.get(reverse("relocation:export"))
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"PK"
    response.close()


# ------------------------------------------------------------------ workbook

SITE_HEAD = ["name", "kind", "village_code", "homes", "capacity", "completed_on"]
REL_HEAD = [
    "household_number",
    "site_village_code",
    "site_name",
    "people",
    "home",
    "home_area",
    "handed_over_on",
    "moved_in_on",
    "old_house",
    "demolished_on",
    "kept_reason",
]


def _csv(tmp_path, name, head, rows):
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        w.writerows(rows)
    return path


def _import(path, user, **kw):
    return workbook.import_workbook(ledgers.get("relocation"), path, actor=user, **kw)


def _rows(outcome):
    return {r["row"]: (r["column"], r["reason"]) for r in outcome.errors.iter_rows(named=True)}


def test_workbook_sites_relocations_and_fills(tmp_path, users, household, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the import called a service for a row")

    monkeypatch.setattr(services, "relocation_record", refuse)
    others = [
        registered_household(
            actor=users["village"], village_code=VILLAGE, data=dict(HOUSEHOLD_DATA)
        )
        for _i in range(4)
    ]
    sites = [["新区安置点", "集中安置", VILLAGE, "2", "7", "2018-03-31"]]
    out = _import(_csv(tmp_path, "s.csv", SITE_HEAD, sites), users["village"])
    assert out.counts["sites"].created == 1 and Site.objects.get().homes == 2
    rows = [
        [household.number, VILLAGE, "新区安置点", "3", "1-101", "75", "2018-05-01", "", "", "", ""],
        [others[0].number, VILLAGE, "新区安置点", "2", "1-102", "60", "2018-05-01", "", "", "", ""],
        [others[1].number, VILLAGE, "新区安置点", "2", "1-103", "50", "2018-05-01", "", "", "", ""],
        [others[2].number, VILLAGE, "新区安置点", "1", "1-104", "25", "2018-05-01", "", "", "", ""],
        [others[3].number, VILLAGE, "无此点", "2", "1-105", "50", "2018-05-01", "", "", "", ""],
    ]
    out = _import(_csv(tmp_path, "r.csv", REL_HEAD, rows), users["village"])
    col = lambda code: str(relocation_ledger.RELOCATIONS.column(code).header)  # noqa: E731
    errors = _rows(out)
    assert errors[3] == (col("home_area"), rules.RELOCATION_CHECKS[3].reason())  # 60 > 2 × 25
    assert errors[5] == (col("site_name"), rules.full_homes())  # the third home of two
    assert errors[6][0] == col("site_name")  # no such site
    assert out.counts["relocations"].created == 2
    r = Relocation.objects.get(household=household)
    assert r.moved_in_on is None
    again = _import(_csv(tmp_path, "r2.csv", REL_HEAD, rows[:1]), users["village"])
    assert again.counts["relocations"].unchanged == 1 and again.written == 0
    moved = [[*rows[0][:7], "2018-06-01", "已拆除", "2019-03-01", ""]]
    out = _import(_csv(tmp_path, "r3.csv", REL_HEAD, moved), users["village"])
    assert out.counts["relocations"].updated == 1, out.errors
    r.refresh_from_db()
    assert (r.moved_in_on, r.old_house, r.demolished_on) == (MOVED, "demolished", DEMOLISHED)
    assert r.demolition_recorded_by_id == users["village"].pk
    record = ChangeRecord.objects.filter(
        object_type="relocation.relocation", object_id=str(r.pk), action="update"
    ).latest("id")
    assert record.changes["moved_in_on"] == [None, "2018-06-01"]
    changed = [[*rows[0][:3], "4", *rows[0][4:]]]
    out = _import(_csv(tmp_path, "r4.csv", REL_HEAD, changed), users["village"])
    assert out.written == 0 and list(_rows(out)) == [2]
    xlsx = workbook.export_workbook(
        ledgers.get("relocation"), users["village"], VILLAGE, tmp_path / "x.xlsx"
    )
    back = _import(xlsx, users["village"])
    assert back.written == 0 and not back.errors.height, back.errors


def test_workbook_support_rows(tmp_path, users, household, relocation):
    head = ["household_number", "kind", "on", "description", "id_number"]
    idn = household.members.get().id_number
    rows = [
        [household.number, "社区服务", "2018-06-15", "户籍转接（社区）", ""],
        [household.number, "schooling", "2018-09-01", "转学", idn],
        [household.number, "community", "2018-05-01", "太早", ""],  # before the move
        [household.number, "community", "2018-07-01", "他人", "431129198001017777"],
    ]
    out = _import(_csv(tmp_path, "s.csv", head, rows), users["village"])
    assert out.counts["supports"].created == 2
    assert sorted(_rows(out)) == [4, 5]
    assert Support.objects.get(kind="schooling").member == household.members.get()
    assert ChangeRecord.objects.filter(object_type="relocation.support").count() == 2
    again = _import(_csv(tmp_path, "s2.csv", head, rows[:2]), users["village"])
    assert again.counts["supports"].unchanged == 2 and again.written == 0
