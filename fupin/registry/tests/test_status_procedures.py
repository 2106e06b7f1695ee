"""Status belongs to procedures: the registry's services refuse a change of a household's
status, status year or monitoring type (a case or the end of a monitoring decides them),
and a new household starts as a candidate of this year."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import HOUSEHOLD_DATA, VILLAGE, give_status, make_id, member_data
from fupin.core.errors import ValidationFailed
from fupin.core.models import ChangeRecord
from fupin.registry import choices as c
from fupin.registry import services
from fupin.registry.models import Household

S = c.HouseholdStatus


def _records(h) -> int:
    return ChangeRecord.objects.filter(
        object_type="registry.household", object_id=str(h.pk)
    ).count()


@pytest.fixture(autouse=True)
def _english():
    """The refusals below are matched by their English words (the Chinese ones are
    checked in test_procedure_wording_in_chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def _state(h) -> tuple:
    h = Household.objects.get(pk=h.pk)
    return (h.status, h.status_year, h.monitoring_type, h.address, h.updated_at)


@pytest.mark.parametrize(
    ("current", "wanted", "words"),
    [
        (S.POOR, S.EXITED, "Start an exit case"),
        (S.RETURNED, S.EXITED, "Start an exit case"),
        (S.CANDIDATE, S.POOR, "Start an inclusion case"),
        (S.REMOVED, S.POOR, "Start an inclusion case"),
        (S.EXITED, S.POOR, "Start a return-to-poverty case"),
        (S.MONITORED, S.RETURNED, "Start a return-to-poverty case"),
        (S.POOR, S.REMOVED, "Start a removal case"),
        (S.EXITED, S.MONITORED, "Start a monitoring case"),
        (S.MONITORED, S.EXITED, "End the household's monitoring once its risks are eliminated"),
        (S.POOR, S.CANDIDATE, "No procedure makes a registered household a candidate"),
    ],
)
def test_status_change_is_refused_naming_the_procedure(household, users, current, wanted, words):
    mtype = c.MonitoringType.EDGE if current == S.MONITORED else ""
    give_status(household, current, 2016, mtype)
    before, records = _state(household), _records(household)
    with pytest.raises(ValidationFailed) as exc:
        services.household_update(
            actor=users["village"],
            household=household,
            data={"status": wanted, "address": "新地址"},
            reason="edit",
        )
    assert exc.value.status == 422
    assert set(exc.value.errors) == {"status"}
    assert words in exc.value.errors["status"][0]
    # Nothing changed, not even the address sent with it; no history written.
    assert _state(household) == before
    assert _records(household) == records


def test_status_year_and_monitoring_type_changes_are_refused(household, users):
    give_status(household, S.EXITED, 2019, c.MonitoringType.UNSTABLE_EXITED)
    records = _records(household)
    with pytest.raises(ValidationFailed) as exc:
        services.household_update(
            actor=users["county"],
            household=household,
            data={"status_year": 2020, "monitoring_type": c.MonitoringType.EDGE},
        )
    assert set(exc.value.errors) == {"status_year", "monitoring_type"}
    assert "case that decides the status" in exc.value.errors["status_year"][0]
    assert "monitoring case" in exc.value.errors["monitoring_type"][0]
    h = Household.objects.get(pk=household.pk)
    assert (h.status_year, h.monitoring_type) == (2019, c.MonitoringType.UNSTABLE_EXITED)
    assert _records(household) == records


def test_sending_the_same_values_is_fine(household, users):
    h = services.household_update(
        actor=users["village"],
        household=household,
        data={"status": "poor", "status_year": "2016", "monitoring_type": "", "address": "新"},
        reason="edit",
    )
    assert (h.status, h.status_year, h.address) == (S.POOR, 2016, "新")
    rec = ChangeRecord.objects.filter(object_id=str(h.pk), reason="edit").get()
    assert set(rec.changes) == {"address"}


def test_new_household_starts_as_candidate_of_this_year(users):
    h = services.household_create(
        actor=users["village"], village_code=VILLAGE, data=dict(HOUSEHOLD_DATA)
    )
    assert (h.status, h.status_year, h.monitoring_type) == (
        S.CANDIDATE,
        timezone.localdate().year,
        "",
    )
    # Asking for the starting values is fine.
    services.household_create(
        actor=users["village"],
        village_code=VILLAGE,
        data=dict(HOUSEHOLD_DATA, status=S.CANDIDATE, status_year=timezone.localdate().year),
    )


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ({"status": S.POOR}, "status", "only through an inclusion case"),
        ({"status": S.EXITED}, "status", "Start an inclusion case"),
        ({"status_year": 2016}, "status_year", "year it is registered"),
        ({"monitoring_type": c.MonitoringType.EDGE}, "monitoring_type", "monitoring case"),
    ],
)
def test_new_household_asking_for_another_status_is_refused(users, extra, field, words):
    count, records = Household.objects.count(), ChangeRecord.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.household_create(
            actor=users["village"], village_code=VILLAGE, data=dict(HOUSEHOLD_DATA, **extra)
        )
    assert field in exc.value.errors
    assert words in exc.value.errors[field][0]
    assert (Household.objects.count(), ChangeRecord.objects.count()) == (count, records)


def test_split_off_household_starts_as_candidate(household, users):
    spouse = services.member_add(
        actor=users["village"],
        household=household,
        data=member_data(id_number=make_id(seq="224"), name="赵桂花", sex="F", relation="spouse"),
    )
    new = services.household_split(
        actor=users["village"],
        household=household,
        members=[spouse],
        head=spouse,
        date=dt.date(2021, 1, 1),
        reason="分户",
    )
    assert new.status == S.CANDIDATE
    assert Household.objects.get(pk=household.pk).status == S.POOR


def test_procedure_wording_in_chinese(household, users):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as exc:
        services.household_update(
            actor=users["village"], household=household, data={"status": S.EXITED}
        )
    assert "请为该户启动脱贫退出案件" in exc.value.errors["status"][0]
