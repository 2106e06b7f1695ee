"""How long a notice's public page stays up after its period is the county's setting,
recorded as a policy version (default 30 days)."""

from __future__ import annotations

import datetime as dt

from conftest import VILLAGE
from fupin.core.models import ChangeRecord
from fupin.policy.models import PolicySet
from fupin.policy.selectors import current_policy, notice_grace_days

FORM = {
    "scope": "431129000000",
    "effective_from": "2016-07-01",
    "income_line": "2952",
    "notice_days": "7",
    "appeal_days": "15",
    "stable_years": "1",
    "four_eyes": "on",
}


def test_the_county_sets_the_grace_days_in_a_new_version(client, users):
    national = current_policy(VILLAGE, on=dt.date(2016, 6, 1))
    assert national.notice_grace_days == 30  # the default
    assert notice_grace_days(VILLAGE, on=dt.date(2016, 8, 1)) == 30
    client.force_login(users["county"])
    url = f"/policy/{national.pk}/new-version/"
    assert 'name="notice_grace_days"' in client.get(url).content.decode()
    response = client.post(url, {**FORM, "notice_grace_days": "10", "reason": "县里定十天"})
    assert response.status_code == 302
    new = PolicySet.objects.get(region_id="431129000000")
    assert new.notice_grace_days == 10
    assert notice_grace_days(VILLAGE, on=dt.date(2016, 8, 1)) == 10
    record = ChangeRecord.objects.filter(object_type__endswith="policyset").latest("id")
    assert record.reason == "县里定十天"
    en = client.get(f"/policy/{new.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "days the public notice page stays up after the period" in en
    zh = client.get(f"/policy/{new.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "公示期满后公开页面保留天数" in zh
    # left empty, a later version keeps the base's days
    response = client.post(
        f"/policy/{new.pk}/new-version/", {**FORM, "effective_from": "2016-08-01", "reason": "x"}
    )
    assert response.status_code == 302
    assert (
        PolicySet.objects.filter(region_id="431129000000").latest("version").notice_grace_days == 10
    )


def test_grace_days_out_of_range_are_refused_and_nothing_is_saved(client, users):
    national = current_policy(VILLAGE, on=dt.date(2016, 6, 1))
    client.force_login(users["county"])
    before = PolicySet.objects.count()
    response = client.post(
        f"/policy/{national.pk}/new-version/",
        {**FORM, "notice_grace_days": "400", "reason": "太长"},
    )
    assert response.status_code == 422
    assert PolicySet.objects.count() == before
