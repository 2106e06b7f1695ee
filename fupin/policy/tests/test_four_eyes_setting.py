"""The policy-version page shows and edits the four-eyes setting and the countersign
threshold, with the warning that switching the rule off is recorded."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import VILLAGE
from fupin.core.models import ChangeRecord
from fupin.policy.models import PolicySet
from fupin.policy.selectors import current_policy

pytestmark = pytest.mark.django_db


def test_the_county_switches_four_eyes_off_and_it_is_recorded(client, users):
    national = current_policy(VILLAGE, on=dt.date(2016, 6, 1))
    client.force_login(users["county"])
    url = reverse("policy:new_version", args=[national.pk])
    page = client.get(url).content.decode()
    assert 'name="four_eyes"' in page and 'name="countersign_above"' in page
    assert "四眼" in page  # the warning
    data = {"scope": "431129000000", "effective_from": "2016-07-01", "income_line": "2952"}
    data |= {"notice_days": "7", "appeal_days": "15", "stable_years": "1", "reason": "x"}
    # a form without the setting is refused, not read as "off"
    assert client.post(url, data).status_code == 422
    assert not PolicySet.objects.filter(region_id="431129000000").exists()
    resp = client.post(
        url,
        {
            "scope": "431129000000",
            "effective_from": "2016-07-01",
            "income_line": "2952",
            "notice_days": "7",
            "appeal_days": "15",
            "stable_years": "1",
            "countersign_above": "20000",
            "four_eyes": "off",
            "reason": "县里人手不足",
        },
    )
    assert resp.status_code == 302
    new = PolicySet.objects.get(region_id="431129000000")
    assert new.four_eyes is False and new.countersign_above == Decimal("20000")
    rec = ChangeRecord.objects.get(object_type="policy.policyset", object_id=str(new.pk))
    assert rec.reason == "县里人手不足" and rec.changes["four_eyes"] == [True, False]
    detail = client.get(reverse("policy:detail", args=[new.pk])).content.decode()
    assert "20000" in detail
