"""Services: who may run an assessment, history of every write, survey validation,
finishing, and the estimates read by other apps."""

import datetime as dt

import numpy as np
import pytest

from conftest import NEIGHBOUR, VILLAGE
from fupin.assessment import estimators as E
from fupin.assessment import sampling as S
from fupin.assessment import selectors, services
from fupin.assessment.models import Assessment, AssessmentStatus, SampleUnit, SurveyResponse
from fupin.core.errors import DomainError, NotAllowed, OutsideArea, ValidationFailed
from fupin.core.history import history_of
from fupin.core.models import ChangeRecord

from .conftest import COUNTY

DAY = dt.date(2025, 11, 3)


def drawn(users, seed=5, **kw):
    a = services.assessment_create(actor=users["inspector"], county_code=COUNTY, seed=seed, **kw)
    services.sample_draw(actor=users["inspector"], assessment=a)
    return a


def answer(users, unit, **over):
    data = {"surveyor": "评估员甲", "surveyed_on": DAY, "approves": True}
    if unit.stratum == S.EXITED:
        data["exit_correct"] = True
    else:
        data["is_poor"] = unit.stratum == S.IN_POVERTY
    data.update(over)
    return services.response_record(actor=users["inspector"], unit=unit, data=data)


def test_only_assessment_roles_inside_their_area_create(small_county):
    users = small_county
    for name in ("village", "township", "department", "cadre"):
        with pytest.raises((NotAllowed, OutsideArea)):
            services.assessment_create(actor=users[name], county_code=COUNTY)
    with pytest.raises(OutsideArea):
        services.assessment_create(actor=users["other_county"], county_code=COUNTY)
    with pytest.raises(ValidationFailed):
        services.assessment_create(actor=users["inspector"], county_code="431129100000")
    assert not Assessment.objects.exists()
    a = services.assessment_create(actor=users["inspector"], county_code=COUNTY)
    assert a.seed >= 0 and a.sizes == S.DEFAULT_SIZES and float(a.target_approval) == 0.9


def test_bad_sizes_and_targets_are_refused(small_county):
    users = small_county
    with pytest.raises(ValidationFailed) as exc:
        services.assessment_create(
            actor=users["inspector"], county_code=COUNTY, sizes={"exited": "x", "in_poverty": -1}
        )
    assert set(exc.value.errors) == {"exited", "in_poverty"}
    with pytest.raises(ValidationFailed) as exc:
        services.assessment_create(
            actor=users["inspector"], county_code=COUNTY, targets={"target_wrong_exit": "2"}
        )
    assert "target_wrong_exit" in exc.value.errors
    assert not Assessment.objects.exists()


def test_every_write_is_recorded(small_county):
    users = small_county
    a = drawn(users)
    units = list(SampleUnit.objects.filter(assessment=a))
    recs = ChangeRecord.objects.filter(object_type="assessment.sampleunit")
    assert recs.count() == len(units) and all(r.related_id == str(a.pk) for r in recs)
    assert ChangeRecord.objects.filter(object_type="assessment.stratumsize").count() > 0
    own = ChangeRecord.objects.filter(object_type="assessment.assessment", object_id=str(a.pk))
    assert [r.action for r in own.order_by("id")] == ["create", "update"]
    assert own.order_by("id").last().changes["status"] == ["draft", "surveying"]
    u = units[0]
    answer(users, u, approves=True)
    answer(users, u, approves=False, notes="家中无人认可帮扶")
    rec = history_of(a).filter(object_type="assessment.surveyresponse").first()
    assert rec.action == "update" and rec.changes["approves"] == [True, False]
    assert rec.user_name == "inspector" and rec.area_code == u.village_id


def test_survey_answers_are_checked_by_stratum(small_county):
    users = small_county
    a = drawn(users)
    exited = SampleUnit.objects.filter(assessment=a, stratum=S.EXITED).first()
    with pytest.raises(ValidationFailed) as exc:
        services.response_record(
            actor=users["inspector"],
            unit=exited,
            data={"surveyor": "", "surveyed_on": "2999-01-01", "is_poor": True},
        )
    assert set(exc.value.errors) >= {"surveyor", "surveyed_on", "approves", "exit_correct"}
    assert not SurveyResponse.objects.exists()
    # An exited household answers "exit correct"; "poor" is not asked.
    r = answer(users, exited, is_poor=True)
    assert r.exit_correct is True and r.is_poor is None
    # Not reached: no answers are kept.
    r = answer(users, exited, contact="not_reached", exit_correct=False)
    assert r.exit_correct is None and r.approves is None


def test_village_staff_cannot_record_surveys_and_outsiders_do_not_see_units(small_county):
    users = small_county
    a = drawn(users)
    u = SampleUnit.objects.filter(assessment=a, village_id=VILLAGE).first()
    with pytest.raises(NotAllowed):
        answer_as = {"surveyor": "x", "surveyed_on": DAY, "approves": True, "is_poor": True}
        services.response_record(actor=users["village"], unit=u, data=answer_as)
    with pytest.raises(OutsideArea):
        services.response_record(actor=users["other_county"], unit=u, data=answer_as)
    assert not selectors.assessments_for(users["other_county"]).exists()
    assert selectors.assessments_for(users["county"]).get() == a


def test_finish_needs_a_survey_in_every_stratum_then_estimates_are_published(small_county):
    users = small_county
    a = drawn(users)
    assert selectors.latest_estimates(COUNTY) is None
    for u in SampleUnit.objects.filter(assessment=a, stratum=S.EXITED):
        answer(users, u)
    with pytest.raises(DomainError):
        services.assessment_finish(actor=users["inspector"], assessment=a)
    units = list(SampleUnit.objects.filter(assessment=a).exclude(stratum=S.EXITED))
    for i, u in enumerate(units):
        answer(users, u, approves=i % 5 != 0, is_poor=(u.stratum == S.IN_POVERTY) != (i == 1))
    services.assessment_finish(actor=users["inspector"], assessment=a)
    assert a.status == AssessmentStatus.FINISHED
    with pytest.raises(DomainError):
        answer(users, units[0])
    est = selectors.latest_estimates(COUNTY)
    assert set(est) == {"missed_poor", "wrong_inclusion", "wrong_exit", "approval"}
    for e in est.values():
        assert isinstance(e, E.Estimate) and 0 <= e.low <= e.point <= e.high <= 1
        assert e.status in (E.MET, E.NOT_ESTABLISHED, E.NOT_MET) and e.n > 0
    assert est["wrong_exit"].point == 0 and est["wrong_exit"].target == 0.02
    assert est["approval"].point < 1 and est["approval"].target == 0.9
    assert selectors.latest_estimates("431128000000") is None


def test_estimates_weight_households_by_their_stratum(small_county):
    users = small_county
    a = drawn(users)
    # Every non-registered household surveyed in VILLAGE is poor, none in NEIGHBOUR.
    for u in SampleUnit.objects.filter(assessment=a, stratum=S.NON_REGISTERED):
        answer(users, u, is_poor=u.village_id == VILLAGE)
    est = selectors.estimates(a)["missed_poor"]
    # VILLAGE has 45 of the 45 + 32 + 21 non-registered households in the frame.
    assert est.point == pytest.approx(45 / (45 + 32 + 21))
    strata, y, sizes = [], [], {VILLAGE: 45, NEIGHBOUR: 32, "431129103201": 21}
    order = sorted(sizes)
    for u in SampleUnit.objects.filter(assessment=a, stratum=S.NON_REGISTERED):
        strata.append(order.index(u.village_id))
        y.append(u.village_id == VILLAGE)
    direct = E.estimate(
        np.array(strata),
        np.array(y, float),
        np.array([sizes[v] for v in order], float),
        target=0.02,
    )
    assert (est.low, est.high) == (pytest.approx(direct.low), pytest.approx(direct.high))
    res = selectors.results(a, users["county"])
    row = next(v for v in res.villages if v.code == VILLAGE)
    assert row.counts["missed_poor"][0] == row.counts["missed_poor"][1] > 0


def test_a_stratum_not_sampled_does_not_block_finishing(small_county):
    users = small_county
    a = drawn(users, sizes={"non_registered": 0})
    assert not SampleUnit.objects.filter(assessment=a, stratum=S.NON_REGISTERED).exists()
    for u in SampleUnit.objects.filter(assessment=a):
        answer(users, u)
    services.assessment_finish(actor=users["inspector"], assessment=a)
    est = selectors.latest_estimates(COUNTY)
    # Nothing was surveyed for the missed-poor rate: nothing is established.
    assert est["missed_poor"].n == 0 and est["missed_poor"].status == E.NOT_MET
    assert est["wrong_exit"].n > 0
