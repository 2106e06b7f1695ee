"""Demo microcredit ledger for the demo county, shaped by Chenzhou's figures: 2.028
billion yuan lent to 49,000 households in a prefecture of about 5 million people
(11 counties): about 40% of the registered poor households borrowed, about 41,000 yuan
each on average (most loans 50,000 yuan, three years, 4.35% fully subsidised). Most
loans due by today are repaid on time; a few percent are overdue and some extended.

Deterministic (seeded), every row with its creation record; bulk inserts."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core.bulk import bulk_insert
from fupin.core.frames import reserve_ids
from fupin.core.history import bulk_record, creation_record, type_label
from fupin.core.models import ChangeRecord
from fupin.microcredit import rules
from fupin.microcredit.models import Extension, Loan, LoanStatus, Repayment, ScheduleRow
from fupin.registry.models import Household, Member

MODELS = (Repayment, Extension, ScheduleRow, Loan)
SHARE = 0.40  # of eligible households with a loan
BANKS = ["农村商业银行", "中国邮政储蓄银行", "中国农业银行", "村镇银行"]
PURPOSES = ["生猪养殖", "油茶种植", "柑橘种植", "稻田养鱼", "农家乐经营", "家禽养殖", "中药材种植"]
AMOUNTS = [(Decimal("50000"), 0.7), (Decimal("30000"), 0.2), (Decimal("20000"), 0.1)]
TERM, RATE = 36, Decimal("4.35")


def build_demo(*, seed: int, log: Callable[[str], None] | None = None) -> None:
    rng = random.Random(seed + 17)
    today = timezone.localdate()
    households = list(
        Household.objects.filter(status__in=rules.ELIGIBLE_STATUSES)
        .order_by("id")
        .values_list("id", "village_id")
    )
    if not households:
        return
    members: dict[int, list[tuple[int, dt.date]]] = {}
    for mid, hid, birth in (
        Member.objects.filter(is_active=True, household__status__in=rules.ELIGIBLE_STATUSES)
        .order_by("id")
        .values_list("id", "household_id", "birth_date")
    ):
        members.setdefault(hid, []).append((mid, birth))
    first_in_village: set[int] = set()
    seen: set[str] = set()
    for hid, village in households:
        if village not in seen:
            seen.add(village)
            first_in_village.add(hid)
    loans, rows, pays, exts = [], [], [], []
    for hid, village in households:
        if hid not in first_in_village and rng.random() >= SHARE:
            continue
        on = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(0, 1400))
        on = min(on, today - dt.timedelta(days=30))
        borrower = next(
            (m for m, b in members.get(hid, []) if rules.MIN_AGE <= _age(b, on) <= rules.MAX_AGE),
            None,
        )
        if borrower is None:
            continue
        r = rng.random()
        amount = next(a for a, p in _cumulative() if r < p)
        schedule = rules.schedule_rows(amount, TERM, RATE, on)
        due = schedule[-1][0]
        fate = rng.random()
        loan = Loan(
            household_id=hid,
            member_id=borrower,
            village_id=village,
            number=f"XD{village[6:]}{hid:07d}",
            bank=rng.choice(BANKS),
            amount=amount,
            term_months=TERM,
            annual_rate=RATE,
            subsidy_rate=RATE,
            credit_rating=rng.choice(["AAA", "AA", "AA", "A"]),
            purpose=rng.choice(PURPOSES),
            disbursed_on=on,
            due_on=due,
            status=LoanStatus.CURRENT,
        )
        loans.append((loan, schedule, fate))
    ids = reserve_ids(Loan, len(loans))
    for (loan, schedule, fate), pk in zip(loans, ids, strict=True):
        loan.pk = pk
        for d, principal, interest in schedule:
            rows.append(
                ScheduleRow(
                    loan_id=pk, due_on=d, original_due_on=d, principal=principal, interest=interest
                )
            )
        due = loan.due_on
        if due < today:
            if fate < 0.03:  # overdue: nothing repaid
                loan.status = LoanStatus.OVERDUE
            elif fate < 0.08:  # extended by a year, approved a week before the due date
                new = rules.add_months(due, 12)
                exts.append((loan, due, new))
                loan.due_on = new
                loan.status = LoanStatus.EXTENDED
                if new < today:
                    pays.append(Repayment(loan_id=pk, paid_on=new, principal=loan.amount))
                    loan.status = LoanStatus.REPAID
            else:
                pays.append(Repayment(loan_id=pk, paid_on=due, principal=loan.amount))
                loan.status = LoanStatus.REPAID
    for row, pk in zip(rows, reserve_ids(ScheduleRow, len(rows)), strict=True):
        row.pk = pk
    for p, pk in zip(pays, reserve_ids(Repayment, len(pays)), strict=True):
        p.pk = pk
    rows_of: dict[int, list[ScheduleRow]] = {}
    for row in rows:
        rows_of.setdefault(row.loan_id, []).append(row)
    extensions = []
    by_loan = {loan.pk: loan for loan, _s, _f in loans}
    for (loan, old, new), pk in zip(exts, reserve_ids(Extension, len(exts)), strict=True):
        decided = old - dt.timedelta(days=7)
        extensions.append(
            Extension(
                pk=pk,
                loan_id=loan.pk,
                old_due_on=old,
                new_due_on=new,
                reason="受灾减产，申请展期",
                status="approved",
                approved_on=decided,
            )
        )
        for row in rows_of[loan.pk]:
            if row.principal > 0:
                row.due_on, row.extended_on = new, decided
    now = timezone.now()
    children: list[ScheduleRow | Repayment | Extension] = [*rows, *pays, *extensions]
    with transaction.atomic():
        bulk_insert([x[0] for x in loans], Loan)
        bulk_insert(rows, ScheduleRow)
        bulk_insert(pays, Repayment)
        bulk_insert(extensions, Extension)
        reason = "演示数据：扶贫小额信贷"
        bulk_record(
            [
                creation_record(
                    x[0],
                    time=now,
                    area_code=x[0].village_id,
                    reason=reason,
                    related=("registry.household", x[0].household_id),
                )
                for x in loans
            ]
            + [
                creation_record(
                    o,
                    time=now,
                    area_code=by_loan[o.loan_id].village_id,
                    reason=reason,
                    related=(type_label(Loan), o.loan_id),
                )
                for o in children
            ]
        )
    if log:
        log(
            _("microcredit: %(loans)s loans, %(repayments)s repayments, %(extensions)s extensions")
            % {
                "loans": f"{len(loans):,}",
                "repayments": f"{len(pays):,}",
                "extensions": f"{len(extensions):,}",
            }
        )


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _cumulative() -> list[tuple[Decimal, float]]:
    out, total = [], 0.0
    for amount, p in AMOUNTS:
        total += p
        out.append((amount, total))
    out[-1] = (out[-1][0], 1.01)
    return out


def wipe_demo() -> None:
    """Remove the ledger and its history (the demo is rebuilt whole)."""
    labels = [type_label(m) for m in MODELS]
    with transaction.atomic():
        ChangeRecord.objects.filter(object_type__in=labels)._raw_delete(connection.alias)
        for model in MODELS:
            model.objects.all()._raw_delete(connection.alias)
