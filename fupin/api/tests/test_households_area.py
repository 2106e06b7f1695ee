"""The households API's area filter takes a division's full code as well as its prefix
(the schema says "Division code or code prefix"): a township's or county's 12-digit code
means everything under it, not the one code."""

from __future__ import annotations

import pytest

from conftest import OTHER_TOWNSHIP_VILLAGE
from fupin.api.tests.test_households import _new_household

pytestmark = pytest.mark.django_db


def test_full_codes_and_prefixes_of_every_level_filter_alike(
    api_client, users, household, neighbour_household
):
    other = _new_household(users["county"], village=OTHER_TOWNSHIP_VILLAGE, seq="300")
    client = api_client("county")

    def ids(area: str) -> list[int]:
        response = client.get(f"/api/v1/households?area={area}")
        assert response.status_code == 200
        return [h["id"] for h in response.json()["items"]]

    township = [household.pk, neighbour_household.pk]
    assert ids("431129100000") == township  # 沱江镇 by its full code
    assert ids("431129100") == township
    assert ids("431129000000") == [*township, other.pk]  # the county
    assert ids("431129") == [*township, other.pk]
    assert ids("431129103000") == [other.pk]  # 大路铺镇
    assert ids("431129100201") == [household.pk]  # a village: its own code
    assert ids("431128000000") == []  # another county: outside the user's area
