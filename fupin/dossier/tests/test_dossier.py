"""The household file through its pages, services and PDFs: the checklist in force
(national default, a county's own version), completeness of a household and of a
village (the village list reads the same as each household's own file, in a fixed
number of queries), the surveyor's signature (谁调查谁签字), the printed file and the
handbook (masking, the cadre's phone, the logs), the ledger benefits through the
registry."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from conftest import HOUSEHOLD_DATA, VILLAGE, make_id, member_data, pair_cadre, registered_household
from fupin.cases import services as cases
from fupin.core.errors import NotAllowed, OutsideArea, ValidationFailed
from fupin.core.models import ChangeRecord, SensitiveRead
from fupin.dossier import selectors, services
from fupin.dossier.models import PrintRecord, SurveyorStatement, VillagePrint
from fupin.programmes import ledgers
from fupin.registry import services as registry

PDF = b"%PDF-1.4 scan\n%%EOF\n"


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _text(data: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def _scan(user, household, title, kind="signed_scan"):
    return registry.attachment_add(
        actor=user,
        household=household,
        kind=kind,
        title=title,
        upload=ContentFile(PDF, name="scan.pdf"),
    )


def _present(household) -> dict[str, bool]:
    return {r.item.document: r.present for r in selectors.household_file(household).results}


@pytest.mark.django_db
def test_the_national_default_names_what_a_poor_household_lacks(users, household):
    present = _present(household)
    assert set(present) == {
        "application",
        "survey",
        "appraisal",
        "notice_photo",
        "income_card",
        "guarantees",
        "surveyor_signature",
    }
    assert not any(present.values())

    _scan(users["village"], household, "贫困户申请书")
    _scan(users["village"], household, "入户调查表")  # a scan of another document
    registry.income_set(
        actor=users["village"],
        household=household,
        year=2016,
        data={"household_size": 1, "wages": 3000},
    )
    present = _present(household)
    assert present["application"] and present["survey"] and present["income_card"]
    assert not present["appraisal"] and not present["notice_photo"]
    found = {r.item.document: r.found for r in selectors.household_file(household).results}
    assert found["application"].who == "village" and found["application"].title == "贫困户申请书"

    page = _client(users["village"]).get(reverse("dossier:household", args=[household.pk]))
    assert page.status_code == 200
    assert "贫困户申请书" in page.content.decode()


@pytest.mark.django_db
def test_whoever_surveys_signs(users):
    h = registered_household(
        actor=users["village"], village_code=VILLAGE, data=dict(HOUSEHOLD_DATA), status="candidate"
    )
    registry.member_add(actor=users["village"], household=h, data=member_data())
    case = cases.case_open(actor=users["village"], household=h, kind="inclusion")
    cases.step_do(actor=users["village"], case=case, step="analysis", evidence="贫情分析")
    cases.step_do(actor=users["village"], case=case, step="survey", evidence="入户调查，已签字")
    assert [s.who for s in selectors.surveyed_by(h)] == ["village"]

    # The township station did not survey this household: it may not type the statement …
    township = users["township"]
    with pytest.raises(NotAllowed, match="village"):
        services.statement_sign(actor=township, household=h, surveyed_on=dt.date(2024, 3, 1))
    # … it files the scan of the paper the surveyor signed, naming the surveyor.
    with pytest.raises(ValidationFailed):
        services.statement_sign(
            actor=township,
            household=h,
            surveyed_on=dt.date(2024, 3, 1),
            upload=ContentFile(PDF, name="s.pdf"),
        )
    scan = services.statement_sign(
        actor=township,
        household=h,
        surveyed_on=dt.date(2024, 3, 1),
        upload=ContentFile(PDF, name="s.pdf"),
        surveyor_name="李文华",
    )
    assert scan.kind == "scan" and scan.surveyor_id is None and scan.size == len(PDF)

    # The surveyor types it, through the page.
    response = _client(users["village"]).post(
        reverse("dossier:household", args=[h.pk]), {"surveyed_on": "2024-03-02"}
    )
    assert response.status_code == 302
    typed = SurveyorStatement.objects.get(household=h, kind="typed")
    assert typed.surveyor == users["village"] and "2024年3月2日" in typed.statement
    record = ChangeRecord.objects.get(
        object_type="dossier.surveyorstatement", object_id=str(typed.pk)
    )
    assert record.user == users["village"] and record.related_id == str(h.pk)

    # A future survey is refused on the page with the reason (422).
    response = _client(users["village"]).post(
        reverse("dossier:household", args=[h.pk]),
        {"surveyed_on": (dt.date.today() + dt.timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 422
    # A paired cadre reads the file but signs nothing.
    pair_cadre(h)
    cadre = _client(users["cadre"])
    assert cadre.get(reverse("dossier:household", args=[h.pk])).status_code == 200
    assert (
        cadre.post(
            reverse("dossier:household", args=[h.pk]), {"surveyed_on": "2024-03-02"}
        ).status_code
        == 404
    )


@pytest.mark.django_db
def test_a_county_sets_its_own_version(users, household):
    items = [
        {
            "status": "poor",
            "document": "house_photo",
            "sources": [{"kind": "attachment", "param": "photo", "title": "住房"}],
        },
    ]
    with pytest.raises(OutsideArea):  # a village's staff: the county is not theirs
        services.checklist_create(
            actor=users["village"],
            region_code="431129",
            effective_from=dt.date(2020, 1, 1),
            items=items,
        )
    with pytest.raises(NotAllowed):  # an inspector reads the county, configures nothing
        services.checklist_create(
            actor=users["inspector"],
            region_code="431129",
            effective_from=dt.date(2020, 1, 1),
            items=items,
        )
    with pytest.raises(ValidationFailed) as bad:
        services.checklist_create(
            actor=users["county"],
            region_code="431129",
            effective_from=dt.date(2020, 1, 1),
            items=[
                {
                    "status": "poor",
                    "document": "survey",
                    "sources": [{"kind": "case_step", "param": "inclusion:nosuch"}],
                }
            ],
        )
    assert "inclusion:nosuch" in str(bad.value.errors["items"])
    later = services.checklist_create(
        actor=users["county"],
        region_code="431129",
        effective_from=dt.date.today() + dt.timedelta(days=10),
        items=items,
    )
    assert selectors.checklist_for(VILLAGE).region_id is None  # not in force yet
    assert selectors.checklist_for(VILLAGE, later.effective_from) == later
    now = services.checklist_create(
        actor=users["county"],
        region_code="431129",
        effective_from=dt.date(2020, 1, 1),
        items=items,
    )
    assert selectors.checklist_for(VILLAGE) == now
    assert selectors.checklist_for("431128000000").region_id is None  # another county
    assert set(_present(household)) == {"house_photo"}
    _scan(users["village"], household, "住房照片", kind="photo")
    assert _present(household) == {"house_photo": True}


@pytest.mark.django_db
def test_the_village_list_agrees_with_each_file_in_fixed_queries(users, household):
    def add(n):
        for i in range(n):
            h = registered_household(
                actor=users["village"],
                village_code=VILLAGE,
                data=dict(HOUSEHOLD_DATA, phone=""),
                status=["poor", "exited", "monitored"][i % 3],
                status_year=2019,
            )
            registry.member_add(
                actor=users["village"],
                household=h,
                data=member_data(id_number=make_id(seq=f"{500 + i + n * 10:03d}"), name=f"户{i}"),
            )
            if i % 2:
                _scan(users["village"], h, "申请书")
                services.statement_sign(
                    actor=users["village"], household=h, surveyed_on=dt.date(2024, 1, 2)
                )

    def counted():
        with CaptureQueriesContext(connection) as ctx:
            result = selectors.completeness(user=users["village"], prefix=VILLAGE)
        return result, len(ctx.captured_queries)

    add(2)
    _r, few = counted()
    add(6)
    result, many = counted()
    assert few == many
    assert len(result.households) == 9
    for row in result.households:
        from fupin.registry.models import Household

        file = selectors.household_file(Household.objects.get(pk=row.household_id))
        assert (row.present, row.required) == (file.present, len(file.results))
        assert row.missing == [r.item.name for r in file.missing]
    village = result.villages[0]
    assert village.total == 9 and village.complete == 0
    assert sum(village.missing.values()) == sum(len(r.missing) for r in result.households)

    c = _client(users["township"])
    township = c.get(reverse("dossier:area", args=["431129100000"]))
    assert township.status_code == 200
    assert reverse("dossier:area", args=[VILLAGE]) in township.content.decode()
    page = c.get(reverse("dossier:area", args=[VILLAGE]) + "?incomplete=1")
    assert page.status_code == 200 and household.number in page.content.decode()
    # Outside the user's area: not found.
    assert (
        _client(users["neighbour"]).get(reverse("dossier:area", args=[VILLAGE])).status_code == 404
    )


@pytest.mark.django_db
def test_the_printed_file_masks_ids_for_a_role_without_reveal(users, household):
    head = household.members.get()
    c = _client(users["department"])
    response = c.get(reverse("dossier:household_pdf", args=[household.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    assert "一户一档" in text and household.number in text and head.name in text
    assert head.id_number not in text and "缺失" in text  # the missing documents, in Chinese
    assert PrintRecord.objects.get(kind="file").ids_printed == 0
    assert not SensitiveRead.objects.exists()
    # Village staff may reveal: printed in full, and the print is logged.
    text = _text(
        _client(users["village"])
        .get(reverse("dossier:household_pdf", args=[household.pk]) + "?size=A5")
        .content
    )
    assert head.id_number in text
    read = SensitiveRead.objects.get(channel="print")
    assert read.user == users["village"] and read.field == "id_number" and read.count == 1
    # A department user does not hand out handbooks.
    assert c.get(reverse("dossier:handbook_pdf", args=[household.pk])).status_code == 404


@pytest.mark.django_db
def test_the_handbook_prints_the_cadres_phone_and_the_benefits_of_the_year(users, household):
    from fupin.assistance.models import Cadre

    pairing = pair_cadre(household)
    Cadre.objects.filter(pk=pairing.cadre_id).update(phone="13912345678")
    year = dt.date.today().year
    ledgers.register(
        ledgers.Ledger(
            key="test_benefits",
            label="测试台账",
            models=(),
            benefits=lambda user, h, y: (
                [ledgers.Benefit("护林员工资", Decimal("800.00"), dt.date(y, 3, 5))]
                if y == year
                else []
            ),
        )
    )
    try:
        for user in ("village", "cadre"):
            response = _client(users[user]).get(
                reverse("dossier:handbook_pdf", args=[household.pk]) + "?size=A5"
            )
            assert response.status_code == 200
            text = _text(response.content)
            assert "13912345678" in text  # the card is the household's: the phone in full
            assert "护林员工资" in text and "800.00" in text
            assert "12317" in text and "/tips/report/" in text
            assert "张帮扶" in text
    finally:
        ledgers._ledgers.pop("test_benefits")
    prints = PrintRecord.objects.filter(kind="handbook")
    assert prints.count() == 2 and all(p.phones_printed == 1 and p.size == "A5" for p in prints)
    assert SensitiveRead.objects.filter(channel="print", field="phone").count() == 2


def _second_household(users):
    other = registered_household(
        actor=users["village"], village_code=VILLAGE, data=dict(HOUSEHOLD_DATA, phone="")
    )
    registry.member_add(
        actor=users["village"], household=other, data=member_data(id_number=make_id(seq="777"))
    )
    return other


@pytest.mark.django_db(transaction=True)
def test_a_whole_village_is_printed_by_the_worker_and_downloaded_by_who_asked(
    users, household, settings
):
    """The real path: the page queues the village's PDF; nothing is printed or logged
    until `fupin worker` runs it; then the progress says finished and the one who asked
    downloads it. Another village's user, and a township user who did not ask, get 404."""
    settings.FUPIN_PRINT_SYNC = False
    other = _second_household(users)
    c = _client(users["village"])
    response = c.post(
        reverse("dossier:village_print_start", args=[VILLAGE]), {"kind": "handbook", "size": "A4"}
    )
    assert response.status_code == 302
    vp = VillagePrint.objects.get()
    assert response["Location"] == reverse("dossier:print", args=[vp.pk])
    assert vp.households == 2 and vp.requested_by == users["village"]
    progress = reverse("dossier:print_progress", args=[vp.pk])
    state = c.get(progress).json()
    assert state["phase"] == "queued" and state["url"] is None
    file_url = reverse("dossier:print_file", args=[vp.pk])
    assert c.get(file_url).status_code == 404
    assert not PrintRecord.objects.exists()
    page = c.get(reverse("dossier:print", args=[vp.pk])).content.decode()
    assert progress in page and 'class="download hidden"' in page

    call_command("worker", "--batch", "--no-schedule")

    state = c.get(progress).json()
    assert state["phase"] == "finished" and state["url"] == file_url, state
    response = c.get(file_url)
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    reader = PdfReader(io.BytesIO(data))
    text = "".join(p.extract_text() for p in reader.pages)
    assert household.number in text and other.number in text
    assert len(reader.pages) >= 2
    record = PrintRecord.objects.get()
    assert record.households == 2 and record.household is None and record.area_code == VILLAGE
    assert record.printed_by == users["village"] and record.kind == "handbook"
    vp.refresh_from_db()
    assert vp.record == record and vp.status == "finished"
    for outsider in ("neighbour", "township"):
        oc = _client(users[outsider])
        assert oc.get(file_url).status_code == 404
        assert oc.get(progress).status_code == 404
        assert oc.get(reverse("dossier:print", args=[vp.pk])).status_code == 404
    # The village page lists the print for the one who asked.
    assert (
        reverse("dossier:print", args=[vp.pk])
        in c.get(reverse("dossier:area", args=[VILLAGE])).content.decode()
    )


@pytest.mark.django_db
def test_a_village_print_logs_the_id_numbers_in_the_name_of_who_asked(users, household, settings):
    """Village staff may reveal: the files carry the ID numbers in full, and the print
    is logged (PrintRecord, SensitiveRead) in their name when the job runs."""
    settings.FUPIN_PRINT_SYNC = True
    other = _second_household(users)
    staff = users["village"]
    assert staff.may_reveal
    c = _client(staff)
    response = c.post(
        reverse("dossier:village_print_start", args=[VILLAGE]), {"kind": "file", "size": "A5"}
    )
    vp = VillagePrint.objects.get()
    assert response.status_code == 302 and vp.status == "finished" and vp.paper == "A5"
    members = [m for h in (household, other) for m in h.members.all() if m.is_active]
    record = PrintRecord.objects.get()
    assert record.printed_by == staff and record.households == 2 and record.kind == "file"
    assert record.ids_printed == len(members) >= 2
    read = SensitiveRead.objects.get(channel="print", field="id_number")
    assert read.user == staff and read.object_id == VILLAGE and read.count == len(members)
    text = _text(b"".join(c.get(reverse("dossier:print_file", args=[vp.pk])).streaming_content))
    assert all(m.id_number in text for m in members)


@pytest.mark.django_db
def test_a_village_print_refuses_bad_requests_with_a_message(users, household):
    c = _client(users["village"])
    url = reverse("dossier:village_print_start", args=[VILLAGE])
    for data in ({"kind": "poster"}, {"kind": "file", "size": "A3"}):
        response = c.post(url, data, follow=True)
        assert response.status_code == 200 and list(response.context["messages"])
    assert c.get(url).status_code == 405
    assert (
        c.post(reverse("dossier:village_print_start", args=["431129100000"]), {}).status_code == 404
    )
    # The handbook is printed by staff who edit the registry or the paired cadre.
    dept = _client(users["department"])
    response = dept.post(url, {"kind": "handbook", "size": "A4"}, follow=True)
    assert any("handbook" in str(m) or "手册" in str(m) for m in response.context["messages"])
    assert not VillagePrint.objects.exists()
    assert _client(users["neighbour"]).post(url, {"kind": "file"}).status_code == 404
