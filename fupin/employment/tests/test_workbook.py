"""The posts and jobs workbooks through the programmes toolkit: rows refused with their
row, column and reason while good rows are kept, all-or-nothing, an import again
changing nothing, blank end dates filled (with a change record), set-based writes (no
service called a row), and the export read back."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from conftest import OTHER_TOWNSHIP_VILLAGE, VILLAGE, give_status, make_id, member_data
from fupin.core.models import ChangeRecord
from fupin.employment import ledger as employment_ledger
from fupin.employment import rules, services
from fupin.employment.models import (
    Holding,
    HoldingStatus,
    Payment,
    Placement,
    Post,
    TransportSubsidy,
)
from fupin.programmes import ledgers, workbook
from fupin.registry import choices as c
from fupin.registry import services as registry

POST_HEAD = ["code", "kind", "unit", "village_code", "monthly_pay", "funding", "opened_on"]
HOLD_HEAD = ["post_code", "household_number", "id_number", "start_on", "end_on", "end_reason"]
PAY_HEAD = ["post_code", "id_number", "month", "amount", "paid_on"]
JOB_HEAD = [
    "household_number",
    "id_number",
    "kind",
    "employer",
    "place",
    "place_scope",
    "start_on",
    "end_on",
    "monthly_income",
]


def _csv(tmp_path, name, head, rows):
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        w.writerows(rows)
    return path


def _import(key, path, user, **kw):
    return workbook.import_workbook(ledgers.get(key), path, actor=user, **kw)


def _errors(outcome):
    """{row: (column header, reason)} of the report."""
    return {r["row"]: (r["column"], r["reason"]) for r in outcome.errors.iter_rows(named=True)}


@pytest.fixture(autouse=True)
def _no_service_per_row(monkeypatch):
    """The import writes set-based: calling a service a row fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the import called a service for a row")

    for name in ("post_create", "holding_propose", "payment_record", "placement_record"):
        monkeypatch.setattr(services, name, refuse)


POSTS = [
    ["GY-1", "生态护林员", "县林业局", VILLAGE, "833.33", "中央财政资金", "2023-01-01"],
    ["GY-2", "保洁员", "村委会", OTHER_TOWNSHIP_VILLAGE, "600", "county", "2023-01-01"],
    ["GY-3", "cleaner", "村委会", VILLAGE, "abc", "county", "2023-01-01"],
    ["GY-4", "cleaner", "村委会", VILLAGE, "0", "county", "2023-01-01"],
    ["GY-1", "cleaner", "村委会", VILLAGE, "600", "county", "2023-01-01"],
]


def test_posts_bad_rows_reported_good_kept_and_again_unchanged(tmp_path, users):
    path = _csv(tmp_path, "posts.csv", POST_HEAD, POSTS)
    first = _import("posts", path, users["village"])
    assert first.counts["posts"].created == 1
    errors = _errors(first)
    header = lambda code: str(employment_ledger.POSTS.column(code).header)  # noqa: E731
    assert errors[3][0] == header("village_code")  # another township: not the user's area
    assert errors[4][0] == header("monthly_pay")  # not a number
    assert errors[5] == (header("monthly_pay"), rules.POST_CHECKS[0].reason())
    assert errors[6][0] == header("code")  # GY-1 twice
    post = Post.objects.get()
    assert (post.code, post.kind, post.funding) == ("GY-1", "forest_ranger", "central")
    record = ChangeRecord.objects.get(object_type="employment.post", object_id=str(post.pk))
    assert record.user_id == users["village"].pk and record.area_code == VILLAGE
    again = _import("posts", _csv(tmp_path, "again.csv", POST_HEAD, POSTS[:1]), users["village"])
    assert again.counts["posts"].unchanged == 1 and again.written == 0
    changed = [["GY-1", "生态护林员", "县林业局", VILLAGE, "900", "中央财政资金", "2023-01-01"]]
    other = _import("posts", _csv(tmp_path, "c.csv", POST_HEAD, changed), users["village"])
    assert other.written == 0 and list(_errors(other)) == [2]


def test_atomic_refuses_the_whole_file(tmp_path, users):
    out = _import("posts", _csv(tmp_path, "p.csv", POST_HEAD, POSTS), users["village"], atomic=True)
    assert out.refused and not Post.objects.exists()


@pytest.fixture
def roster(tmp_path, users, household):
    _import("posts", _csv(tmp_path, "posts.csv", POST_HEAD, POSTS[:1]), users["village"])
    second = [["GY-5", "road_keeper", "交通局", VILLAGE, "600", "county", "2023-01-01"]]
    _import("posts", _csv(tmp_path, "more.csv", POST_HEAD, second), users["village"])
    return household


def test_holders_are_proposals_with_their_refusals(tmp_path, users, roster):
    h = roster
    idn = h.members.get().id_number
    old = registry.member_add(
        actor=users["village"],
        household=h,
        data=member_data(id_number=make_id(birth="19500101", seq="783"), relation="parent"),
    )
    son = registry.member_add(
        actor=users["village"],
        household=h,
        data=member_data(id_number=make_id(birth="19900101", seq="784"), relation="son"),
    )
    rows = [
        ["GY-1", h.number, idn, "2024-03-01", "", ""],
        ["GY-9", h.number, idn, "2024-03-01", "", ""],  # no such post
        ["GY-1", h.number, son.id_number, "2024-03-01", "", ""],  # the post is taken above
        ["GY-5", h.number, old.id_number, "2024-03-01", "", ""],  # aged 74
        ["GY-5", h.number, idn, "2024-03-01", "", ""],  # proposed for GY-1 above (one post)
        ["GY-5", "NOPE", idn, "2024-03-01", "", ""],
    ]
    out = _import("posts", _csv(tmp_path, "h.csv", HOLD_HEAD, rows), users["village"])
    assert out.counts["holdings"].created == 1
    col = lambda code: str(employment_ledger.HOLDINGS.column(code).header)  # noqa: E731
    errors = _errors(out)
    assert errors[3][0] == col("post_code")
    assert errors[4] == (col("post_code"), rules.overlap_post())
    assert errors[5] == (col("id_number"), rules.HOLDING_CHECKS[2].reason())
    assert errors[6] == (col("id_number"), rules.overlap_person())
    assert errors[7][0] == col("household_number")
    holding = Holding.objects.get()
    assert holding.status == HoldingStatus.PROPOSED
    assert holding.proposed_by_id == users["village"].pk
    assert holding.village_id == h.village_id
    assert (
        ChangeRecord.objects.filter(
            object_type="employment.holding", related_id=str(h.pk), action="create"
        ).count()
        == 1
    )
    again = _import("posts", _csv(tmp_path, "h2.csv", HOLD_HEAD, rows[:1]), users["village"])
    assert again.counts["holdings"].unchanged == 1 and again.written == 0


def test_a_refused_proposal_imported_again_says_so(tmp_path, users, roster):
    rows = [["GY-1", roster.number, roster.members.get().id_number, "2024-03-01", "", ""]]
    path = _csv(tmp_path, "h.csv", HOLD_HEAD, rows)
    _import("posts", path, users["village"])
    services.holding_decide(actor=users["township"], holding=Holding.objects.get(), approve=False)
    again = _import("posts", path, users["village"])
    assert _errors(again)[2][1] == rules.refused_before()
    assert Holding.objects.count() == 1


def test_a_household_not_due_assistance_is_refused(tmp_path, users, roster):
    give_status(roster, c.HouseholdStatus.REMOVED, 2020)
    rows = [["GY-1", roster.number, roster.members.get().id_number, "2024-03-01", "", ""]]
    out = _import("posts", _csv(tmp_path, "h.csv", HOLD_HEAD, rows), users["village"])
    assert _errors(out)[2][1] == rules.HOLDING_CHECKS[0].reason()
    assert not Holding.objects.exists()


@pytest.fixture
def appointed(tmp_path, users, roster):
    idn = roster.members.get().id_number
    rows = [["GY-1", roster.number, idn, "2024-03-01", "", ""]]
    _import("posts", _csv(tmp_path, "h.csv", HOLD_HEAD, rows), users["village"])
    holding = Holding.objects.get()
    return services.holding_decide(
        actor=users["township"], holding=holding, approve=True, today=dt.date(2024, 3, 1)
    )


def test_pay_rows(tmp_path, users, appointed):
    idn = appointed.member.id_number
    rows = [
        ["GY-1", idn, "2024-03-15", "833.33", "2024-04-05"],  # any day of the month
        ["GY-1", idn, "2024-04-01", "900", "2024-05-05"],  # above the monthly pay
        ["GY-1", idn, "2024-02-01", "833.33", "2024-03-05"],  # not held in February
        ["GY-1", idn, "2024-03-01", "833.33", "2024-04-05"],  # March twice
        ["GY-1", "431129198001017777", "2024-05-01", "833.33", "2024-06-05"],
    ]
    out = _import("posts", _csv(tmp_path, "pay.csv", PAY_HEAD, rows), users["village"])
    assert out.counts["payments"].created == 1
    col = lambda code: str(employment_ledger.PAYMENTS.column(code).header)  # noqa: E731
    errors = _errors(out)
    assert errors[3] == (col("amount"), rules.PAYMENT_CHECKS[2].reason())
    assert errors[4] == (col("month"), rules.PAYMENT_CHECKS[1].reason())
    assert errors[5][0] == col("month")
    assert 6 in errors
    pay = Payment.objects.get()
    assert (pay.month, pay.holding_id) == (dt.date(2024, 3, 1), appointed.pk)
    again = _import("posts", _csv(tmp_path, "p2.csv", PAY_HEAD, rows[:1]), users["village"])
    assert again.counts["payments"].unchanged == 1 and again.written == 0


def test_an_end_fills_the_blank_with_a_change_record(tmp_path, users, appointed):
    idn = appointed.member.id_number
    number = appointed.household.number
    early = [["GY-1", number, idn, "2024-03-01", "2024-03-01", "resigned"]]
    out = _import("posts", _csv(tmp_path, "e.csv", HOLD_HEAD, early), users["village"])
    assert out.written == 0 and list(_errors(out)) == [2]  # not after the first day
    no_reason = [["GY-1", number, idn, "2024-03-01", "2024-09-01", ""]]
    out = _import("posts", _csv(tmp_path, "n.csv", HOLD_HEAD, no_reason), users["village"])
    assert out.written == 0 and list(_errors(out)) == [2]
    ended = [["GY-1", number, idn, "2024-03-01", "2024-09-01", "本人辞职"]]
    out = _import("posts", _csv(tmp_path, "x.csv", HOLD_HEAD, ended), users["village"])
    assert out.counts["holdings"].updated == 1
    appointed.refresh_from_db()
    assert (appointed.end_on, appointed.end_reason) == (dt.date(2024, 9, 1), "resigned")
    record = ChangeRecord.objects.filter(
        object_type="employment.holding", object_id=str(appointed.pk), action="update"
    ).latest("id")
    assert record.changes["end_on"] == [None, "2024-09-01"]
    assert (
        _import("posts", _csv(tmp_path, "y.csv", HOLD_HEAD, ended), users["village"])
        .counts["holdings"]
        .unchanged
        == 1
    )


def test_jobs_and_subsidies(tmp_path, users, household):
    idn = household.members.get().id_number
    jobs = [
        [
            household.number,
            idn,
            "外出务工",
            "东莞电子厂",
            "东莞",
            "省外务工",
            "2024-02-20",
            "",
            "4500",
        ],
        [household.number, idn, "local", "县工业园", "县城", "in_county", "2024-02-20", "", "2500"],
        [
            household.number,
            idn,
            "local",
            "砖厂",
            "本乡",
            "乡内",
            "2024-02-20",
            "2024-01-01",
            "2000",
        ],
    ]
    out = _import("jobs", _csv(tmp_path, "j.csv", JOB_HEAD, jobs), users["village"])
    assert out.counts["placements"].created == 2
    assert list(_errors(out)) == [4]  # ended before it began
    head = ["id_number", "employer", "start_on", "paid_on", "amount"]
    subsidies = [
        [idn, "东莞电子厂", "2024-02-20", "2024-03-01", "500"],
        [idn, "县工业园", "2024-02-20", "2025-03-01", "500"],  # in the county
        [idn, "东莞电子厂", "2024-02-20", "2024-12-01", "500"],  # twice in 2024
    ]
    out = _import("jobs", _csv(tmp_path, "s.csv", head, subsidies), users["village"])
    assert out.counts["subsidies"].created == 1
    errors = _errors(out)
    assert errors[3][1] == rules.SUBSIDY_CHECKS[0].reason()
    assert 4 in errors
    assert TransportSubsidy.objects.get().year == 2024
    ended = [[*jobs[0][:7], "2024-10-01", "4500"]]
    out = _import("jobs", _csv(tmp_path, "e.csv", JOB_HEAD, ended), users["village"])
    assert out.counts["placements"].updated == 1
    assert Placement.objects.get(employer="东莞电子厂").end_on == dt.date(2024, 10, 1)


def test_the_export_reads_back_unchanged(tmp_path, users, appointed):
    services.holding_end(
        actor=users["village"],
        holding=appointed,
        end_on=dt.date(2024, 9, 1),
        end_reason="resigned",
    )
    for key in ("posts", "jobs"):
        xlsx = workbook.export_workbook(
            ledgers.get(key), users["village"], VILLAGE, tmp_path / f"{key}.xlsx"
        )
        again = _import(key, xlsx, users["village"])
        assert not again.errors.height, again.errors
        assert again.written == 0
    # A role that may not reveal gets masked ID numbers.
    xlsx = workbook.export_workbook(
        ledgers.get("posts"), users["department"], "431129", tmp_path / "masked.xlsx"
    )
    import fastexcel

    sheet = fastexcel.read_excel(str(xlsx)).load_sheet(2, header_row=None).to_polars()
    assert appointed.member.id_number not in str(sheet.rows())


def test_full_width_text_stored_is_found_again(tmp_path, users, household, monkeypatch):
    """A job recorded on its page with full-width brackets reads back (NFKC) as the same
    job: exported and imported again, nothing is created."""
    monkeypatch.undo()  # the page's service, not the import, records the job
    member = household.members.get()
    services.placement_record(
        actor=users["village"],
        household=household,
        member=member,
        data={
            "kind": "workshop",
            "employer": "扶贫车间（来料加工）",
            "place": "本村",
            "place_scope": "in_township",
            "start_on": dt.date(2024, 2, 20),
            "monthly_income": "1800",
        },
    )
    xlsx = workbook.export_workbook(
        ledgers.get("jobs"), users["village"], VILLAGE, tmp_path / "j.xlsx"
    )
    again = _import("jobs", xlsx, users["village"])
    assert again.written == 0 and not again.errors.height
    assert again.counts["placements"].unchanged == 1 and Placement.objects.count() == 1
