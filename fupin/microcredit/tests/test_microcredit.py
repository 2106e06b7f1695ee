"""The microcredit ledger: eligibility, the four-eyes extension, overdue on its
boundaries, the warning raised once, the workbook import (row errors, atomic,
idempotent), scope and masking, and the household page's panel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import VILLAGE, give_status, make_id, member_data
from fupin.core.errors import NotAllowed, OutsideArea, ValidationFailed
from fupin.core.history import history_of
from fupin.microcredit import rules, selectors, services
from fupin.microcredit.models import Loan, LoanStatus, ScheduleRow
from fupin.monitoring.models import RiskWarning
from fupin.registry import choices as c

D = dt.date(2024, 3, 1)


def terms(**over):
    data = {
        "number": "XD-001",
        "bank": "农村信用社",
        "amount": Decimal("50000"),
        "term_months": 12,
        "annual_rate": Decimal("4.35"),
        "subsidy_rate": Decimal("4.35"),
        "credit_rating": "AA",
        "purpose": "养殖",
        "disbursed_on": D,
    }
    data.update(over)
    return data


def disburse(users, household, **over):
    return services.loan_disburse(
        actor=users["village"],
        household=household,
        borrower=household.members.get(),
        data=terms(**over),
    )


@pytest.fixture
def loan(users, household):
    return disburse(users, household)


def test_disburse_makes_the_schedule_and_the_history(loan):
    rows = list(ScheduleRow.objects.filter(loan=loan).order_by("original_due_on"))
    assert [r.due_on for r in rows] == [
        dt.date(2024, 6, 1),
        dt.date(2024, 9, 1),
        dt.date(2024, 12, 1),
        dt.date(2025, 3, 1),
    ]
    assert sum(r.principal for r in rows) == Decimal("50000")
    assert loan.due_on == dt.date(2025, 3, 1)
    assert loan.village_id == VILLAGE
    types = {r.object_type for r in history_of(loan)}
    assert {"microcredit.loan", "microcredit.schedulerow"} <= types


@pytest.mark.parametrize(
    ("status", "ok"),
    [
        (c.HouseholdStatus.POOR, True),
        (c.HouseholdStatus.EXITED, True),
        (c.HouseholdStatus.MONITORED, True),
        (c.HouseholdStatus.CANDIDATE, False),
        (c.HouseholdStatus.REMOVED, False),
    ],
)
def test_household_status_decides_eligibility(users, household, status, ok):
    give_status(household, status, 2020)
    if ok:
        assert disburse(users, household).pk
    else:
        with pytest.raises(ValidationFailed) as exc:
            disburse(users, household)
        assert "household" in exc.value.errors


@pytest.mark.parametrize(
    ("birth", "ok"),
    [("20060301", True), ("20060302", False), ("19580302", True), ("19580301", False)],
)
def test_borrower_age_18_to_65_on_the_day(users, household, birth, ok):
    from fupin.registry import services as registry

    member = registry.member_add(
        actor=users["village"],
        household=household,
        data=member_data(id_number=make_id(birth=birth, seq="777"), name="贷款人", relation="son"),
    )
    call = lambda: services.loan_disburse(  # noqa: E731
        actor=users["village"], household=household, borrower=member, data=terms()
    )
    if ok:
        assert call().member_id == member.pk
    else:
        with pytest.raises(ValidationFailed) as exc:
            call()
        assert "borrower" in exc.value.errors


def test_a_rated_household_must_be_rated_again(users, household, loan):
    with pytest.raises(ValidationFailed) as exc:
        disburse(users, household, number="XD-002", credit_rating="")
    assert "credit_rating" in exc.value.errors
    assert disburse(users, household, number="XD-003", credit_rating="A").pk


def test_outside_the_area_is_not_found(users, household):
    with pytest.raises(OutsideArea):
        services.loan_disburse(
            actor=users["neighbour"],
            household=household,
            borrower=household.members.get(),
            data=terms(),
        )


def _overdue(loan, day):
    schedule = list(loan.schedule.all())
    return rules.loan_state(loan, schedule, list(loan.repayments.all()), day)[1]


def test_overdue_boundaries_row_and_column_forms_agree(loan):
    due = loan.due_on  # principal all at the end
    for day, expected in [(due, False), (due + dt.timedelta(days=1), True)]:
        assert _overdue(loan, day) is expected
        states = services.states_on(day)
        assert states.filter(states["loan_id"] == loan.pk)["overdue"].to_list() == [expected]


def test_repaid_in_full_on_the_due_day_is_not_overdue(users, loan):
    services.repayment_record(
        actor=users["village"],
        loan=loan,
        paid_on=loan.due_on,
        principal="50000",
        today=loan.due_on,
    )
    loan.refresh_from_db()
    assert loan.status == LoanStatus.REPAID
    assert not _overdue(loan, loan.due_on + dt.timedelta(days=30))


def test_overdue_run_marks_once_and_warns_once(loan):
    day = loan.due_on + dt.timedelta(days=1)
    assert services.mark_overdue(day=day) == (1, 0, 1)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.OVERDUE and loan.warned_on == day
    assert RiskWarning.objects.filter(household=loan.household).count() == 1
    assert services.mark_overdue(day=day + dt.timedelta(days=1)) == (0, 0, 0)
    assert RiskWarning.objects.filter(household=loan.household).count() == 1
    assert selectors.overdue_households([loan.household_id, 999], day) == {loan.household_id}


def test_the_set_based_overdue_run_records_what_recording_each_loan_would(users, loan):
    """The run writes its loans with one statement and their records set-based; each
    record is the one `recording(None, loan)` writes for the same change: fields old →
    new, the state after, the loan's text and village, the run's reason."""
    from fupin.core.history import build_change, snapshot
    from fupin.core.models import ChangeAction, ChangeRecord

    second = disburse(users, loan.household, number="XD-002", credit_rating="A")
    services.extension_propose(
        actor=users["township"], loan=second, new_due_on=dt.date(2025, 6, 1), reason="减产"
    )
    ext = second.extensions.get()
    services.extension_decide(
        actor=users["county"], extension=ext, approve=True, today=dt.date(2025, 2, 1)
    )

    def records(of):
        return ChangeRecord.objects.filter(
            object_type="microcredit.loan", object_id=str(of.pk), action=ChangeAction.UPDATE
        ).order_by("id")

    def expect(before, after, rec, day):
        made = build_change(
            actor=None,
            instance=after,
            action=ChangeAction.UPDATE,
            before=before,
            area_code=after.village_id,
            reason=f"{day.isoformat()} 的每日逾期检查",
        )
        got = {k: getattr(rec, k) for k in ("changes", "post_data", "object_repr", "area_code")}
        assert got == {k: getattr(made, k) for k in got}
        assert (rec.reason, rec.user_id, rec.related_type) == (made.reason, None, "")

    day = loan.due_on + dt.timedelta(days=1)  # the first loan overdue, the second not
    before = snapshot(Loan.objects.get(pk=loan.pk))
    seen = records(second).count()
    assert services.mark_overdue(day=day) == (1, 0, 1)
    after = Loan.objects.get(pk=loan.pk)
    assert (after.status, after.warned_on) == (LoanStatus.OVERDUE, day)
    expect(before, after, records(loan).last(), day)
    assert records(second).count() == seen  # unchanged: no record
    # Caught up after the second loan's extension was approved: back to extended.
    Loan.objects.filter(pk=second.pk).update(status=LoanStatus.OVERDUE)
    before = snapshot(Loan.objects.get(pk=second.pk))
    services.repayment_record(
        actor=users["village"], loan=loan, paid_on=day, principal="50000", today=day
    )
    assert services.mark_overdue(day=day) == (0, 1, 0)
    after = Loan.objects.get(pk=second.pk)
    assert after.status == LoanStatus.EXTENDED
    expect(before, after, records(second).last(), day)


def test_overdue_run_reads_again_after_locking(monkeypatch, users, loan):
    """A write-off landing between the run's first read and its locks is not undone."""
    day = loan.due_on + dt.timedelta(days=1)
    read = services.states_on
    calls = []

    def first_then_write_off(*args, **kwargs):
        frame = read(*args, **kwargs)
        if not calls:
            services.loan_write_off(actor=users["county"], loan=loan, reason="死亡", today=day)
        calls.append(1)
        return frame

    monkeypatch.setattr(services, "states_on", first_then_write_off)
    assert services.mark_overdue(day=day) == (0, 0, 0)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.WRITTEN_OFF and loan.warned_on is None
    assert not RiskWarning.objects.filter(household=loan.household).exists()


def test_a_loan_is_stamped_warned_only_when_its_warning_is_raised(loan):
    """A household with an open warning of the loans' cause gets no new one: the loan is
    not stamped, and is warned by a later run once that warning is gone."""
    from fupin.monitoring.models import RiskLevel, RiskType
    from fupin.monitoring.services import SystemWarning, warnings_raise_system

    day = loan.due_on + dt.timedelta(days=1)
    other = SystemWarning(
        household_id=loan.household_id,
        member_id=None,
        cause=RiskType.OTHER,
        level=RiskLevel.GENERAL,
        evidence="其他部门数据",
    )
    warnings_raise_system(warnings=[other], run="another run", today=D)
    assert services.mark_overdue(day=day) == (1, 0, 0)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.OVERDUE and loan.warned_on is None
    RiskWarning.objects.filter(household=loan.household).delete()
    assert services.mark_overdue(day=day) == (0, 0, 1)
    loan.refresh_from_db()
    assert loan.warned_on == day


def test_overdue_households_reads_only_their_loans(monkeypatch, users, loan, neighbour_household):
    services.loan_disburse(
        actor=users["neighbour"],
        household=neighbour_household,
        borrower=neighbour_household.members.get(),
        data=terms(number="XD-002"),
    )
    read = services.states_on
    frames = []

    def spy(*args, **kwargs):
        frames.append(read(*args, **kwargs))
        return frames[-1]

    monkeypatch.setattr(services, "states_on", spy)
    day = loan.due_on + dt.timedelta(days=1)
    assert selectors.overdue_households([loan.household_id], day) == {loan.household_id}
    assert [set(f["household_id"].to_list()) for f in frames] == [{loan.household_id}]


def test_extension_four_eyes_and_roles(users, loan):
    ext = services.extension_propose(
        actor=users["township"], loan=loan, new_due_on=dt.date(2026, 3, 1), reason="灾害减产"
    )
    with pytest.raises(NotAllowed):  # the proposer may not approve
        services.extension_decide(actor=users["township"], extension=ext, approve=True)
    with pytest.raises(NotAllowed):  # village staff may not decide
        services.extension_decide(actor=users["village"], extension=ext, approve=True)
    day = dt.date(2025, 2, 1)
    services.extension_decide(actor=users["county"], extension=ext, approve=True, today=day)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.EXTENDED and loan.due_on == dt.date(2026, 3, 1)
    # Before the approval the original date holds: overdue on 2 March 2025 is judged
    # with the extension approved on 1 February, so not overdue.
    assert not _overdue(loan, dt.date(2025, 3, 2))
    last = loan.schedule.order_by("original_due_on").last()
    assert last.original_due_on == dt.date(2025, 3, 1) and last.extended_on == day


def test_overdue_on_past_days_after_two_extensions(users, loan):
    """The second approval overwrites the instalment's dates; a day between the two
    takes the first extension's date from the Extension rows, in both forms."""

    def extend(new_due_on, approved_on):
        ext = services.extension_propose(
            actor=users["township"], loan=loan, new_due_on=new_due_on, reason="灾害减产"
        )
        services.extension_decide(
            actor=users["county"], extension=ext, approve=True, today=approved_on
        )

    extend(dt.date(2025, 9, 1), dt.date(2025, 2, 1))
    extend(dt.date(2026, 3, 1), dt.date(2025, 10, 1))
    extensions = services.approved_extensions(loan)
    expected = {
        dt.date(2025, 1, 31): False,  # before every approval: due 2025-03-01
        dt.date(2025, 3, 2): False,  # the first extension holds: due 2025-09-01
        dt.date(2025, 9, 2): True,  # past the first new date, the second not yet approved
        dt.date(2025, 10, 2): False,  # the second extension: due 2026-03-01
        dt.date(2026, 3, 2): True,
    }
    for day, overdue in expected.items():
        schedule = list(loan.schedule.all())
        row = rules.loan_state(loan, schedule, list(loan.repayments.all()), day, extensions)
        assert row[1] is overdue, day
        states = services.states_on(day)
        assert states.filter(states["loan_id"] == loan.pk)["overdue"].to_list() == [overdue], day


def test_write_off_is_the_countys(users, loan):
    with pytest.raises(NotAllowed):
        services.loan_write_off(actor=users["township"], loan=loan, reason="死亡")
    services.loan_write_off(actor=users["county"], loan=loan, reason="死亡", today=D)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.WRITTEN_OFF


def test_repayment_cannot_exceed_the_balance(users, loan):
    with pytest.raises(ValidationFailed):
        services.repayment_record(
            actor=users["village"], loan=loan, paid_on=D, principal="50000.01", today=D
        )


# ------------------------------------------------------------------ pages, API, panel


def test_pages_are_scoped_and_mask_the_id(client, users, loan):
    client.force_login(users["village"])
    page = client.get(reverse("microcredit:detail", args=[loan.pk]))
    assert page.status_code == 200
    idn = loan.member.id_number
    assert idn not in page.content.decode() and idn[-4:] in page.content.decode()
    assert loan.number in client.get(reverse("microcredit:list")).content.decode()
    client.force_login(users["neighbour"])
    assert client.get(reverse("microcredit:detail", args=[loan.pk])).status_code == 404
    assert loan.number not in client.get(reverse("microcredit:list")).content.decode()


def test_a_second_equal_repayment_needs_its_receipt_number_on_the_page(client, users, loan):
    """Without a receipt number a repayment equal to a recorded one (day, amounts) is
    that one: refused, saying how to record a second payment; with one it is distinct,
    and its receipt number is then its key."""
    client.force_login(users["village"])
    url = reverse("microcredit:detail", args=[loan.pk])
    post = {"action": "repay", "paid_on": "2024-06-01", "principal": "100", "interest": "5"}
    assert client.post(url, post).status_code == 302
    again = client.post(url, post)
    assert again.status_code == 422
    assert "已有记录" in again.content.decode() and "还款凭证号" in again.content.decode()
    assert loan.repayments.count() == 1
    assert client.post(url, {**post, "receipt": "HK-0002"}).status_code == 302
    assert sorted(loan.repayments.values_list("receipt", flat=True)) == ["", "HK-0002"]
    same_receipt = client.post(url, {**post, "principal": "200", "receipt": "HK-0002"})
    assert same_receipt.status_code == 422 and "凭证号" in same_receipt.content.decode()
    assert client.post(url, {**post, "receipt": "HK-0003"}).status_code == 302
    assert loan.repayments.count() == 3
    assert "HK-0003" in client.get(url).content.decode()


def test_the_database_keeps_the_repayments_natural_key(users, loan):
    from django.db import IntegrityError, transaction

    from fupin.microcredit.models import Repayment

    Repayment.objects.create(loan=loan, paid_on=D, principal=1, receipt="R1")
    Repayment.objects.create(loan=loan, paid_on=D, principal=1)
    Repayment.objects.create(loan=loan, paid_on=D, principal=1, receipt="R2")
    for receipt in ("R1", ""):
        with pytest.raises(IntegrityError), transaction.atomic():
            Repayment.objects.create(loan=loan, paid_on=D, principal=1, receipt=receipt)


def test_a_decision_without_its_choice_is_the_forms_422(client, users, loan):
    ext = services.extension_propose(
        actor=users["township"], loan=loan, new_due_on=dt.date(2026, 3, 1), reason="灾害减产"
    )
    client.force_login(users["county"])
    url = reverse("microcredit:detail", args=[loan.pk])
    assert client.post(url, {"action": "decide", "approve": "maybe"}).status_code == 422
    assert client.post(url, {"action": "decide"}).status_code == 422
    ext.refresh_from_db()
    assert ext.status == "proposed"


def test_the_export_needs_the_area_export_capability(client, users, loan):
    client.force_login(users["cadre"])
    assert client.get(reverse("microcredit:export")).status_code == 403
    client.force_login(users["village"])
    assert client.get(reverse("microcredit:export")).status_code == 200


def test_household_page_shows_the_ledger_panel(client, users, household, loan):
    client.force_login(users["village"])
    html = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert loan.number in html and "household-ledgers" in html


def test_api_lists_loans_scoped_and_masked(client, users, loan):
    client.force_login(users["village"])
    body = client.get("/api/v1/loans").json()
    assert [i["number"] for i in body["items"]] == [loan.number]
    assert body["items"][0]["borrower_id_number"].startswith("*")
    client.force_login(users["neighbour"])
    assert client.get("/api/v1/loans").json()["items"] == []


def test_loans_follow_their_household(users, household, loan):
    from conftest import NEIGHBOUR
    from fupin.registry.hooks import households_moved
    from fupin.registry.models import Household

    Household.objects.filter(pk=household.pk).update(village_id=NEIGHBOUR)
    households_moved([household.pk])
    assert Loan.objects.get(pk=loan.pk).village_id == NEIGHBOUR


def test_new_loan_link_on_every_eligible_household_page(client, users, household):
    """A household without a loan still offers "Record a new loan" to a user who may
    disburse, not to a read-only role nor on a household that may not borrow."""
    url = reverse("microcredit:new", args=[household.pk])
    page = reverse("household_detail", args=[household.pk])
    client.force_login(users["village"])
    assert url in client.get(page).content.decode()
    client.force_login(users["department"])
    response = client.get(page)
    assert response.status_code == 200 and household.number in response.content.decode()
    assert url not in response.content.decode()
    give_status(household, c.HouseholdStatus.REMOVED, 2020)
    client.force_login(users["village"])
    assert url not in client.get(page).content.decode()


def test_ledger_panels_read_no_rows_of_a_household_without_any(
    users, household, django_assert_num_queries
):
    """The flag read with the household spares the ledger's query; the action needs none."""
    from fupin.programmes.ledgers import household_panels
    from fupin.registry import panels
    from fupin.registry.selectors import household_get

    h = household_get(user=users["village"], pk=household.pk, rows=False, flags=panels.flags())
    with django_assert_num_queries(0):
        out = household_panels(users["village"], h)
    [panel] = [p for p in out if p.ledger.key == "microcredit"]
    assert list(panel.rows) == []
    assert [str(a.label) for a in panel.actions] == [str(selectors.NEW_LOAN)]


def test_main_navigation_links_to_the_loans(client, users):
    for role in ("village", "cadre"):
        client.force_login(users[role])
        html = client.get(reverse("home")).content.decode()
        assert f'href="{reverse("microcredit:list")}"' in html, role
    client.force_login(users["village"])
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "小额信贷</a>" in html


def test_the_loan_list_and_api_take_a_townships_code_as_the_township_and_below(client, users, loan):
    """The filters offer 12-digit division codes: a township's code means its villages."""
    client.force_login(users["township"])
    page = client.get("/microcredit/", {"area": "431129100000"})
    assert page.status_code == 200 and loan.number in page.content.decode()
    api = client.get("/api/v1/loans", {"area": "431129100000"}).json()
    assert [item["id"] for item in api["items"]] == [loan.pk]
    assert client.get("/api/v1/loans", {"area": "431129103000"}).json()["items"] == []


def test_the_export_leaves_no_workbook_behind(client, users, loan, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    client.force_login(users["village"])
    resp = client.get("/microcredit/export/")
    assert resp.status_code == 200
    body = b"".join(resp.streaming_content)
    assert body[:2] == b"PK"  # an xlsx
    resp.close()
    assert list(tmp_path.iterdir()) == []
