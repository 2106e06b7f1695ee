"""The command line and the demo."""

import io

import pytest
from django.core.management import CommandError, call_command

from fupin.assessment import demo, selectors
from fupin.assessment.models import Assessment, SampleUnit, SurveyResponse
from fupin.core.models import ChangeRecord

from .conftest import COUNTY


def run(*args) -> str:
    out = io.StringIO()
    call_command("assessment", *args, stdout=out)
    return out.getvalue()


def test_draw_then_estimate(small_county):
    text = run("draw", "--county", "431129", "--seed", "12", "--per-village", "poor=2,exited=3")
    a = Assessment.objects.get()
    assert a.seed == 12 and a.sizes["exited"] == 3 and a.sizes["in_poverty"] == 2
    assert str(a.pk) in text and str(SampleUnit.objects.count()) in text
    assert ChangeRecord.objects.filter(object_type="assessment.assessment").first().user_name == (
        "system"
    )
    table = run("estimate", str(a.pk))
    for key in ("missed_poor", "wrong_inclusion", "wrong_exit", "approval"):
        assert key in table


def test_bad_arguments_are_clear(small_county):
    with pytest.raises(CommandError):
        run("draw", "--county", "431129", "--seed", "1", "--per-village", "dogs=3")
    with pytest.raises(CommandError):
        run("draw", "--county", "999999", "--seed", "1")
    with pytest.raises(CommandError):
        run("estimate", "999")
    assert not Assessment.objects.exists()


def test_demo_is_deterministic_and_finished(demo_county):
    demo.build_demo(seed=2017, log=None)
    a = Assessment.objects.get()
    first = sorted(
        SurveyResponse.objects.values_list(
            "unit__village_id",
            "unit__household_id",
            "unit__roster_position",
            "is_poor",
            "exit_correct",
            "approves",
            "contact",
        ),
        key=str,
    )
    est = selectors.latest_estimates(COUNTY)
    assert a.status == "finished" and est is not None
    assert all(e.n > 0 for e in est.values())
    assert 0.85 < est["approval"].point < 1
    assert ChangeRecord.objects.filter(object_type="assessment.surveyresponse").count() == len(
        first
    )
    demo.wipe_demo()
    assert not Assessment.objects.exists() and not SampleUnit.objects.exists()
    assert not ChangeRecord.objects.filter(object_type__startswith="assessment.").exists()
    demo.build_demo(seed=2017, log=None)
    again = sorted(
        SurveyResponse.objects.values_list(
            "unit__village_id",
            "unit__household_id",
            "unit__roster_position",
            "is_poor",
            "exit_correct",
            "approves",
            "contact",
        ),
        key=str,
    )
    assert again == first
