"""The microcredit pages: the borrower's ID number through the shared `{% sensitive %}`
tag (its reveal rule, its logged read), the loan list paged by keyset with the filters
kept, and the export link offered only to the roles that may export."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from fupin.core.masking import mask_id_number
from fupin.core.models import SensitiveRead
from fupin.microcredit import selectors, services
from fupin.microcredit.models import Loan
from fupin.microcredit.tests.test_microcredit import terms


def disburse(users, household, number="XD-001", on=dt.date(2024, 3, 1), bank="农村信用社"):
    return services.loan_disburse(
        actor=users["village"],
        household=household,
        borrower=household.members.get(),
        data=terms(number=number, disbursed_on=on, bank=bank),
    )


@pytest.fixture
def loan(users, household):
    return disburse(users, household)


def test_the_loan_page_masks_the_id_with_the_shared_tag_and_logs_the_reveal(client, users, loan):
    idn = loan.member.id_number
    reveal = reverse("reveal", args=["member", loan.member_id, "id_number"])
    url = reverse("microcredit:detail", args=[loan.pk])
    client.force_login(users["village"])  # may reveal: masked, with the reveal button
    html = client.get(url).content.decode()
    assert idn not in html and mask_id_number(idn) in html
    assert f'data-url="{reveal}"' in html
    assert not SensitiveRead.objects.exists()  # showing the page reveals nothing
    shown = client.post(reveal)
    assert shown.status_code == 200 and idn in shown.content.decode()
    read = SensitiveRead.objects.get()
    assert (read.user, read.object_id, read.field) == (
        users["village"],
        str(loan.member_id),
        "id_number",
    )
    client.force_login(users["department"])  # may not reveal: masked, no button
    html = client.get(url).content.decode()
    assert idn not in html and mask_id_number(idn) in html
    assert reveal not in html
    assert client.post(reveal).status_code == 404
    assert SensitiveRead.objects.count() == 1


def test_the_export_link_only_for_roles_that_may_export(client, users, household, loan):
    from conftest import pair_cadre

    pair_cadre(household, users["cadre"])
    export = reverse("microcredit:export")
    client.force_login(users["county"])
    html = client.get(reverse("microcredit:list")).content.decode()
    assert f'href="{export}"' in html and loan.number in html
    assert client.get(export).status_code == 200
    client.force_login(users["cadre"])  # reads its household's loans, may not export
    html = client.get(reverse("microcredit:list")).content.decode()
    assert loan.number in html
    assert f'href="{export}"' not in html
    assert client.get(export).status_code == 403


# ------------------------------------------------------------------ the list by keyset


def _numbers(html: str) -> list[str]:
    return re.findall(r'<td><a href="/microcredit/\d+/">([^<]+)</a></td>', html)


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_loan_list_pages_newest_first_by_keyset_with_the_filters_kept(
    client, users, household, monkeypatch
):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    # Two loans on one day (the id breaks the tie), the others a day apart; one of
    # another bank, left out by the filter.
    days = [1, 2, 2, 3, 4]
    for i, day in enumerate(days):
        disburse(users, household, number=f"XD-{i}", on=dt.date(2024, 3, day))
    disburse(users, household, number="OTHER", on=dt.date(2024, 3, 5), bank="邮储银行")
    expected = list(
        Loan.objects.filter(bank="农村信用社")
        .order_by("-disbursed_on", "-id")
        .values_list("number", flat=True)
    )
    assert expected[0] == "XD-4" and len(expected) == 5
    client.force_login(users["village"])
    base = reverse("microcredit:list")
    html = client.get(base, {"bank": "农村信用社"}).content.decode()
    seen, pages = [], []
    while True:
        pages.append(_numbers(html))
        seen += pages[-1]
        nxt = _link(html, "next")
        if nxt is None:
            break
        assert "bank=" in nxt and "page=" not in nxt and "offset" not in nxt
        html = client.get(base + nxt).content.decode()
    assert seen == expected
    assert [len(p) for p in pages] == [2, 2, 1]
    assert _link(html, "prev") is not None
    # Back from the last page: the page before it, in the same order.
    back = client.get(base + _link(html, "prev")).content.decode()
    assert _numbers(back) == pages[1]
    first = client.get(base + _link(back, "prev")).content.decode()
    assert _numbers(first) == pages[0] and _link(first, "prev") is None


def test_a_cursor_outside_the_users_area_starts_from_the_newest(
    client, users, household, neighbour_household
):
    mine = disburse(users, household)
    theirs = services.loan_disburse(
        actor=users["neighbour"],
        household=neighbour_household,
        borrower=neighbour_household.members.get(),
        data=terms(number="XD-N", disbursed_on=dt.date(2020, 1, 1)),
    )
    page = selectors.loan_page(
        user=users["village"], filters=selectors.LoanFilters(), older=theirs.pk
    )
    assert [loan.pk for loan in page.rows] == [mine.pk]
    assert page.newer is None and page.older is None
