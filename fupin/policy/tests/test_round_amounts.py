"""Rounding imported amounts to the fen is the county's choice, recorded as a policy
version; off (refuse) unless a version turns it on."""

from __future__ import annotations

import datetime as dt

from conftest import VILLAGE
from fupin.core.models import ChangeRecord
from fupin.policy.models import PolicySet
from fupin.policy.selectors import current_policy

FORM = {
    "scope": "431129000000",
    "effective_from": "2016-07-01",
    "income_line": "2952",
    "notice_days": "7",
    "appeal_days": "15",
    "stable_years": "1",
    "four_eyes": "on",
}


def test_the_county_turns_rounding_on_in_a_new_version(client, users):
    national = current_policy(VILLAGE, on=dt.date(2016, 6, 1))
    assert national.round_amounts is False  # the default: refuse
    client.force_login(users["county"])
    url = f"/policy/{national.pk}/new-version/"
    assert 'name="round_amounts"' in client.get(url).content.decode()
    response = client.post(url, {**FORM, "round_amounts": "on", "reason": "县里统一四舍五入"})
    assert response.status_code == 302
    new = PolicySet.objects.get(region_id="431129000000")
    assert new.round_amounts is True
    record = ChangeRecord.objects.filter(object_type__endswith="policyset").latest("id")
    assert record.reason == "县里统一四舍五入"
    detail = client.get(f"/policy/{new.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "rounded half-up to the fen" in detail
    # a later version without the box refuses again
    response = client.post(
        f"/policy/{new.pk}/new-version/", {**FORM, "effective_from": "2016-08-01", "reason": "x"}
    )
    assert response.status_code == 302
    latest = PolicySet.objects.filter(region_id="431129000000").latest("version")
    assert latest.round_amounts is False
    detail = client.get(f"/policy/{latest.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "refused" in detail
