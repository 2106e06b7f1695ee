"""Every real ledger's benefits reach the handbook: for each ledger, rows are made through
its own services (the history walk's invokers: every writing service of the ledger in
turn), and the benefit of a row appears in `household_benefits` for the year of its date
and not for the year before."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fupin.education.tests import authority_invokers as education
from fupin.employment.tests import authority_invokers as employment
from fupin.health.tests import authority_invokers as health
from fupin.industry.tests import authority_invokers as industry
from fupin.microcredit.tests import authority_invokers as microcredit
from fupin.programmes.ledgers import household_benefits
from fupin.relocation.tests import authority_invokers as relocation

# ledger key -> (make rows through the services, the model, its date, its household)
CASES: dict[str, tuple[Callable, str, str, str]] = {
    "industry": (industry.history, "industry.Dividend", "paid_on", "household"),
    "education": (education.history, "education.StudentAid", "paid_on", "household"),
    "posts": (employment.history, "employment.Payment", "paid_on", "holding__household"),
    "health": (health.history, "health.Reimbursement", "settled_on", "household"),
    "microcredit": (microcredit.history, "microcredit.Loan", "disbursed_on", "household"),
    # industry's walk records the training attendances too
    "training": (industry.history, "training.Attendance", "course__ends_on", "household"),
    "relocation": (relocation.history, "relocation.Relocation", "moved_in_on", "household"),
    "relocation-support": (
        relocation.history,
        "relocation.Support",
        "on",
        "relocation__household",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(CASES))
def test_the_benefit_of_a_ledger_row_is_in_the_handbook_of_its_year(key, users):
    from django.apps import apps

    make, label, date, household = CASES[key]
    make(users)
    model = apps.get_model(label)
    row = model.objects.exclude(**{f"{date}__isnull": True}).order_by("pk").first()
    assert row is not None, f"{key}: the services made no dated row"
    day = model.objects.filter(pk=row.pk).values_list(date, flat=True).get()
    h = model.objects.filter(pk=row.pk).values_list(household, flat=True).get()
    from fupin.registry.models import Household

    h = Household.objects.get(pk=h)
    ledger_key = key.split("-")[0]

    def of_ledger(year: int) -> list:
        return [
            b
            for ledger, rows in household_benefits(users["county"], h, year)
            if ledger.key == ledger_key
            for b in rows
        ]

    now = of_ledger(day.year)
    assert any(b.on == day for b in now), (key, day, now)
    assert all(b.on.year == day.year for b in now)
    before = of_ledger(day.year - 1)
    assert all(b.on.year == day.year - 1 for b in before)
    assert not any(b.on == day for b in before)
