"""Demo data: one finished third-party-style assessment of the demo county, its sample
drawn from the seed and survey outcomes simulated from the same seed (deterministic),
so the results page shows real numbers.

The simulated truth is chosen so the page shows each verdict: few wrong exits and
missed poor (near the 2% target), some wrong inclusion, approval above 90%.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from fupin.accounts.models import User
from fupin.assessment import sampling as S
from fupin.assessment import services
from fupin.assessment.models import (
    Assessment,
    Contact,
    SampleUnit,
    StratumSize,
    SurveyResponse,
)
from fupin.core.history import build_change, bulk_record
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.geo.models import Division

COUNTY = "431129000000"
NAME = "江华瑶族自治县贫困县退出第三方评估（演示）"
# Probability of each outcome in the simulated survey.
NOT_REACHED = 0.03
WRONG = {S.IN_POVERTY: 0.03, S.EXITED: 0.014, S.NON_REGISTERED: 0.004}
APPROVES = 0.965
SURVEYORS = ["评估员张伟", "评估员李娜", "评估员王芳", "评估员刘洋", "评估员陈静", "评估员杨帆"]
SURVEY_START = dt.date(2025, 11, 3)
DEMO_ASSESSORS = ("city_inspector", "inspector")
SURNAMES = "盘李赵邓黄唐蒋周奉任"
GIVEN = ["石生", "秀英", "建国", "红梅", "志强", "玉兰", "德明", "春花", "桂芳", "永福"]


def build_demo(*, seed: int, log: Callable[[str], None] | None = None) -> None:
    log = log or (lambda _msg: None)
    if not Division.objects.filter(code=COUNTY).exists():
        return
    # Run by an inspector (the prefecture's, if the demo has one: a level above the
    # county), never by the county office it assesses (authority "assessment.run").
    found = {u.username: u for u in User.objects.filter(username__in=DEMO_ASSESSORS)}
    actor = next((found[name] for name in DEMO_ASSESSORS if name in found), None)
    with transaction.atomic():
        a = services.assessment_create(
            actor=actor,
            county_code=COUNTY,
            name=NAME,
            seed=seed,
            reason="演示数据",
        )
        n = services.sample_draw(actor=actor, assessment=a)
        units = list(
            SampleUnit.objects.filter(assessment=a).order_by("village_id", "stratum", "order")
        )
        rng = np.random.default_rng([int(seed), 7])
        reached = rng.random(len(units)) >= NOT_REACHED
        bad = rng.random(len(units))
        approves = rng.random(len(units)) < APPROVES
        days = rng.integers(0, 12, len(units))
        who = rng.integers(0, len(SURVEYORS), len(units))
        names = rng.integers(0, 10, (len(units), 2))
        now = timezone.now()
        responses = []
        for i, u in enumerate(units):
            r = SurveyResponse(
                unit=u,
                surveyor=SURVEYORS[who[i]],
                surveyed_on=SURVEY_START + dt.timedelta(days=int(days[i])),
                recorded_by=actor,
                recorded_at=now,
            )
            if not reached[i]:
                r.contact = Contact.NOT_REACHED
                r.notes = "外出务工，多次上门未遇"
            else:
                wrong = bool(bad[i] < WRONG[u.stratum])
                r.approves = bool(approves[i])
                if u.stratum == S.EXITED:
                    r.exit_correct = not wrong
                else:
                    # In poverty: "wrong" = found not poor; not registered: found poor.
                    r.is_poor = (not wrong) if u.stratum == S.IN_POVERTY else wrong
                if u.stratum == S.NON_REGISTERED:
                    r.head_name = SURNAMES[names[i, 0]] + GIVEN[names[i, 1]]
            responses.append(r)
        SurveyResponse.objects.bulk_create(responses, batch_size=2000)
        if responses and responses[0].pk is None:
            responses = list(SurveyResponse.objects.filter(unit__assessment=a))
        bulk_record(
            build_change(
                actor=actor,
                instance=r,
                action=ChangeAction.CREATE,
                before=None,
                area_code=r.unit.village_id,
                reason="演示数据",
                related=a,
                time=now,
            )
            for r in responses
        )
        services.assessment_finish(actor=actor, assessment=a, reason="演示数据")
    log(f"assessment: {n:,} households drawn and surveyed (assessment {a.pk})")


def wipe_demo() -> None:
    """Remove every assessment and its history (they refer to registry households)."""
    with transaction.atomic():
        ChangeRecord.objects.filter(object_type__startswith="assessment.")._raw_delete(
            connection.alias
        )
        for model in (SurveyResponse, SampleUnit, StratumSize, Assessment):
            model.objects.all()._raw_delete(connection.alias)
