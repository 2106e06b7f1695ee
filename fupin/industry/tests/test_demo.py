"""The training and benefit-linking demos on a small registry demo: shaped as their
docstrings say, every row valid by the services' own rules and with its creation record
(the same record `core.history` writes for one object), deterministic from the seed,
and wiped cleanly before the registry."""

from __future__ import annotations

from collections import Counter

import pytest

from fupin.core.history import snapshot, type_label
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.industry import demo as industry_demo
from fupin.industry import rules as industry_rules
from fupin.industry.models import BenefitLink, Dividend, Enterprise, LinkStatus, Purchase
from fupin.programmes.due import DueBook
from fupin.registry import demo as registry_demo
from fupin.registry.models import Household
from fupin.training import demo as training_demo
from fupin.training import rules as training_rules
from fupin.training.models import Attendance, Course

pytestmark = pytest.mark.django_db

SMALL = registry_demo.parse_scale(1500)
SEED = 2017
MODELS = (Course, Attendance, Enterprise, BenefitLink, Dividend, Purchase)


def fingerprint() -> list[tuple]:
    return [
        *Course.objects.order_by("code").values_list("code", "skill", "division", "starts_on"),
        *Attendance.objects.order_by("course__code", "member__id_number").values_list(
            "course__code", "member__id_number", "result", "certificate_number"
        ),
        *Enterprise.objects.order_by("credit_code").values_list("credit_code", "name", "division"),
        *BenefitLink.objects.order_by(
            "enterprise__credit_code", "household__number", "mode"
        ).values_list(
            "enterprise__credit_code", "household__number", "mode", "starts_on", "status"
        ),
        *Dividend.objects.order_by("link__household__number", "link__mode", "year").values_list(
            "link__household__number", "year", "amount"
        ),
    ]


@pytest.fixture
def built(db):
    registry_demo.build(seed=SEED, scale=SMALL)
    training_demo.build_demo(seed=SEED, log=None)
    industry_demo.build_demo(seed=SEED, log=None)


def test_every_row_has_its_creation_record(built):
    for model in MODELS:
        ids = set(model.objects.values_list("pk", flat=True))
        assert ids, model
        records = ChangeRecord.objects.filter(object_type=type_label(model))
        assert set(records.values_list("object_id", flat=True)) == {str(i) for i in ids}
        assert set(records.values_list("action", flat=True)) == {ChangeAction.CREATE}
    # The set-based record holds what the one-object record would.
    link = BenefitLink.objects.order_by("pk").first()
    record = ChangeRecord.objects.get(object_type="industry.benefitlink", object_id=str(link.pk))
    assert record.post_data == snapshot(link)
    assert (record.related_id, record.area_code) == (str(link.household_id), link.village_id)


def test_rows_keep_the_services_rules(built):
    households = {h.pk: h for h in Household.objects.all()}
    book = DueBook(households.values())
    for a in Attendance.objects.select_related("course", "member"):
        h = households[a.household_id]
        due = book.due(h.pk, a.course.starts_on)
        today = a.course.ends_on  # recorded once the course is over
        assert not training_rules.attendance_refusals(
            household=h, member=a.member, course=a.course, due=due, today=today
        )
        assert not training_rules.certificate_refusals(
            result=a.result,
            kind=a.certificate_kind,
            number=a.certificate_number,
            issued_on=a.certificate_issued_on,
            course_starts_on=a.course.starts_on,
            today=a.certificate_issued_on or today,
        )
    assert all(
        industry_rules.credit_code_error(c) is None
        for c in Enterprise.objects.values_list("credit_code", flat=True)
    )
    for d in Dividend.objects.select_related("link"):
        assert not industry_rules.dividend_refusals(
            link=d.link, year=d.year, paid_on=d.paid_on, amount=d.amount, today=d.paid_on
        )


def test_shaped_by_the_field_figures(built):
    due_households = Household.objects.filter(
        status__in=["poor", "returned", "monitored", "exited"]
    )
    linked = BenefitLink.objects.values("household").distinct().count()
    # About six in ten of the households (those due on the day their link starts).
    assert 0.3 * due_households.count() < linked < 0.7 * due_households.count()
    statuses = Counter(BenefitLink.objects.values_list("status", flat=True))
    assert statuses[LinkStatus.CONFIRMED] > 0.9 * sum(statuses.values())
    modes = Counter(BenefitLink.objects.values_list("mode", flat=True))
    assert set(modes) == {"direct", "entrusted", "shareholding", "employment", "order"}
    assert modes["direct"] > modes["order"]
    assert Dividend.objects.exists() and Purchase.objects.exists()
    certified = Attendance.objects.exclude(certificate_number="").count()
    assert 0.3 * Attendance.objects.count() < certified < 0.7 * Attendance.objects.count()


def test_same_seed_same_data_and_wiped_cleanly(built):
    first = fingerprint()
    industry_demo.wipe_demo()
    training_demo.wipe_demo()
    for model in MODELS:
        assert not model.objects.exists()
        assert not ChangeRecord.objects.filter(object_type=type_label(model)).exists()
    training_demo.build_demo(seed=SEED, log=None)
    industry_demo.build_demo(seed=SEED, log=None)
    assert fingerprint() == first
