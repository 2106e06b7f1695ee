"""One rule, one place: the apps' code→prefix helpers are geo.codes.significant_prefix
(read from the code, no query), whatever the level and whether the division is stored."""

import pytest

from fupin.geo.codes import significant_prefix
from fupin.projects.selectors import area_prefix as projects_prefix
from fupin.scoring import services as scoring_services
from fupin.scoring import sources as scoring_sources
from fupin.supervision.selectors import area_prefix as supervision_prefix

CODES = {
    "430000000000": "43",
    "431100000000": "4311",
    "431129000000": "431129",
    "431129100000": "431129100",
    "431129100201": "431129100201",
    "431129": "431129",  # a prefix stays as it is
}


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "prefix"), CODES.items())
def test_every_helper_is_significant_prefix(code, prefix, django_assert_num_queries):
    with django_assert_num_queries(0):
        got = {
            projects_prefix(code),
            supervision_prefix(code),
            scoring_sources._prefix(code),
            scoring_services._prefix(code),
        }
    assert got == {significant_prefix(code)} == {prefix}
