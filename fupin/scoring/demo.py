"""Demo village scoring for the demo county (Jianghua), deterministic from the seed.

A 100-point scoring sheet (两不愁三保障, 帮扶走访, 一户一档, 项目推进, 集体经济, 群众满意度)
made by the county office; two rounds of 2020 (first and second half) over every village
of the county, scored by the demo inspector: about one village in ten gets a yellow card
in the first round, most of them recover in the second, a few stay carded (重点管理) and
a few are newly carded. A performance scheme compares the townships on the five
indicators for 2020, and its ranking is computed once.

The sheet, rounds and scheme go through the services; the ~600 village scores, their
item lines, the yellow cards and their change records are written in bulk in one
transaction (the classes and cards computed by the same `rules.track`).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from fupin.accounts.models import User
from fupin.core.history import build_change, bulk_record, snapshot, type_label
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.geo.models import Division, Level
from fupin.scoring import rules, services
from fupin.scoring.models import (
    AssessmentItem,
    AssessmentResult,
    AssessmentRun,
    AssessmentScheme,
    ItemScore,
    ManualPoints,
    PerformanceIndicator,
    PerformanceRun,
    PerformanceScheme,
    ScoringItem,
    ScoringRound,
    ScoringSheet,
    VillageScore,
    YellowCard,
)

COUNTY = "431129000000"
YEAR = 2020

# (code, text, maximum points, evidence required, evidence seen)
ITEMS = [
    ("A1", "两不愁三保障及饮水安全全面达标", "30", True, "入户核查表{n}份，无未达标户"),
    ("A2", "结对帮扶干部按要求入户走访（每月不少于两次）", "15", True, "抽查走访记录{n}户"),
    ("A3", "一户一档资料完整规范，数据、档案与实际相一致", "15", True, "抽查档案{n}户"),
    ("A4", "扶贫项目按期推进，资金使用公示公开", "15", False, "项目公示栏照片{n}张"),
    ("A5", "村级集体经济和特色产业发展", "10", False, ""),
    ("A6", "群众满意度（认可度不低于90%）", "15", False, "问卷调查{n}份"),
]
ROUNDS = [
    ("2020年上半年村级脱贫攻坚考评", dt.date(2020, 1, 1), dt.date(2020, 6, 30)),
    ("2020年下半年村级脱贫攻坚考评", dt.date(2020, 7, 1), dt.date(2020, 12, 31)),
]
INDICATORS = [
    ("poverty_reduced", "30", True),
    ("income_growth", "25", True),
    ("visit_compliance", "20", True),
    ("findings_closed", "15", True),
    ("funds_executed", "10", True),
]
TENTH = Decimal("0.1")


def build_demo(*, seed: int, log: Callable[[str], None] | None = None) -> None:
    county = Division.objects.filter(code=COUNTY).first()
    if county is None:
        if log:
            log("Scoring demo skipped: no demo county.")
        return
    rng = random.Random(f"scoring-{seed}")
    with transaction.atomic():
        counts = _build(rng, county)
    if log:
        log(
            "Scoring demo: {villages} villages scored in 2 rounds, {carded} yellow cards "
            "({open} still open), 1 performance scheme with its 2020 ranking.".format(**counts)
        )
    with transaction.atomic():
        runs = _assessment(rng)
    if log:
        log(f"Scoring demo: yearly assessment of cadres and work teams, {runs} results.")


# The yearly assessment of paired cadres and work teams of this year (the demo's visits
# are monthly from August of this year, so visits on time spread the classes).
# Attendance (驻村考勤率) from the teams' check-ins: a cadre on no work team has no data.
CADRE_ITEMS = [
    ("B1", "按要求入户走访（走访及时率）", "30", "visits_on_time"),
    ("B2", "帮扶措施落实到户", "20", "measures"),
    ("B3", "监测户风险消除", "15", "risk_eliminated"),
    ("B4", "群众满意度（第三方评估）", "15", "satisfaction"),
    ("B5", "组织评价", "10", "manual"),
    ("B6", "驻村在岗（工作队员考勤）", "10", "attendance"),
]
TEAM_ITEMS = [
    ("T1", "全村结对帮扶走访及时", "25", "visits_on_time"),
    ("T2", "帮扶措施落实", "20", "measures"),
    ("T3", "监测户风险消除", "10", "risk_eliminated"),
    ("T4", "群众满意度（第三方评估）", "10", "satisfaction"),
    ("T5", "群众评议", "20", "manual"),
    ("T6", "驻村在岗（考勤率）", "15", "attendance"),
]


def _assessment(rng: random.Random) -> int:
    office = User.objects.filter(username="county").first()
    year = timezone.localdate().year
    made = 0
    for name, kind, items in (
        (f"江华瑶族自治县{year}年度结对帮扶干部考核", "cadre", CADRE_ITEMS),
        (f"江华瑶族自治县{year}年度驻村工作队考核", "team", TEAM_ITEMS),
    ):
        scheme = services.assessment_scheme_save(
            actor=office,
            region_code=COUNTY,
            data={"name": name, "year": year, "subjects": kind},
            items=[
                {"code": code, "text": text, "max_points": pts, "source": source}
                for code, text, pts, source in items
            ],
            reason="县委组织部、县乡村振兴局印发",
        )
        run = services.assessment_compute(actor=office, scheme=scheme)
        if kind == "team":
            # 群众评议 of every team, then the run again with them.
            for result in run.results.order_by("subject_key"):
                services.manual_points_set(
                    actor=office,
                    scheme=scheme,
                    subject_key=result.subject_key,
                    item_code="T5",
                    points=Decimal(rng.randint(130, 200)) / 10,
                    note="村民代表评议",
                )
            run = services.assessment_compute(actor=office, scheme=scheme)
        made += run.results.count()
    return made


def _build(rng: random.Random, county: Division) -> dict[str, int]:
    users = {u.username: u for u in User.objects.filter(username__in=["county", "inspector"])}
    office, inspector = users.get("county"), users.get("inspector")
    sheet = services.sheet_create(
        actor=office,
        region_code=COUNTY,
        data={"name": "江华瑶族自治县村级脱贫攻坚考评细则", "year": YEAR},
        items=[
            {"code": code, "text": text, "max_points": pts, "evidence_required": ev}
            for code, text, pts, ev, _seen in ITEMS
        ],
        reason="县扶贫开发领导小组印发",
    )
    rounds = [
        services.round_create(
            actor=office,
            sheet=sheet,
            area_code=COUNTY,
            name=name,
            period_start=start,
            period_end=end,
        )
        for name, start, end in ROUNDS
    ]
    villages = list(
        Division.objects.in_area(county.prefix)
        .filter(level=Level.VILLAGE)
        .order_by("code")
        .values_list("code", flat=True)
    )
    counts = _scores(rng, sheet, rounds, villages, inspector)
    scheme = services.scheme_save(
        actor=office,
        region_code=COUNTY,
        data={"name": "江华瑶族自治县乡镇脱贫攻坚绩效考核", "year": YEAR},
        indicators=[{"source": s, "weight": w, "higher_is_better": h} for s, w, h in INDICATORS],
        reason="县委县政府考核办法",
    )
    # The 2020 ranking, computed once from the other apps' data as they stand now.
    services.performance_compute(
        actor=office, scheme=scheme, start=dt.date(YEAR, 1, 1), end=dt.date(YEAR, 12, 31)
    )
    return counts


def _points(rng: random.Random, level: float, items: list[ScoringItem]) -> list[Decimal]:
    """Item points around `level` (share of full marks), one decimal, within 0..max."""
    out = []
    for item in items:
        share = min(1.0, max(0.0, rng.gauss(level, 0.06)))
        out.append((item.max_points * Decimal(str(share))).quantize(TENTH))
    return out


def _scores(
    rng: random.Random,
    sheet: ScoringSheet,
    rounds: list[ScoringRound],
    villages: list[str],
    scorer: User | None,
) -> dict[str, int]:
    items = list(sheet.items.all())
    thresholds = rules.Thresholds.of(sheet)
    # A village's standing: most are sound; about one in ten weak; a few very weak.
    levels = {}
    for code in villages:
        r = rng.random()
        levels[code] = 0.70 if r < 0.02 else 0.76 if r < 0.10 else rng.uniform(0.82, 0.97)
    scores: list[VillageScore] = []
    lines: list[tuple[VillageScore, ScoringItem, Decimal, str]] = []
    steps: dict[str, list[rules.ScoreStep]] = {code: [] for code in villages}
    for n, rnd in enumerate(rounds):
        for code in villages:
            level = levels[code]
            if n:  # the second round: the weak mostly rectified, a few slipped
                level = level + 0.10 if level < 0.8 and rng.random() < 0.75 else level
                level = 0.76 if level >= 0.82 and rng.random() < 0.03 else level
            pts = _points(rng, level, items)
            total = sum(pts, Decimal("0"))
            steps[code].append(rules.ScoreStep(rnd.pk, total, thresholds))
            score = VillageScore(
                round=rnd,
                village_id=code,
                total=total,
                grade="",
                scorer=scorer,
                scorer_name=scorer.username if scorer else "system",
                scored_on=rnd.period_end,
            )
            scores.append(score)
            for item, p, (_c, _t, _m, _ev, seen) in zip(items, pts, ITEMS, strict=True):
                lines.append((score, item, p, seen.format(n=rng.randint(5, 30)) if seen else ""))
    cards: list[YellowCard] = []
    by_key = {(s.round_id, s.village_id): s for s in scores}
    for code in villages:
        grades, spans = rules.track(steps[code])
        for step, grade in zip(steps[code], grades, strict=True):
            by_key[(step.round_id, code)].grade = grade
        for span in spans:
            cards.append(
                YellowCard(
                    village_id=code,
                    carded_round_id=span.carded_round_id,
                    rounds_carded=span.rounds_carded,
                    recovered_round_id=span.recovered_round_id,
                )
            )
    VillageScore.objects.bulk_create(scores, batch_size=1000)
    if any(s.pk is None for s in scores):  # a backend that does not return keys
        found = {(s.round_id, s.village_id): s.pk for s in VillageScore.objects.all()}
        for s in scores:
            s.pk = found[(s.round_id, s.village_id)]
    item_rows = [ItemScore(score=s, item=item, points=p, evidence=ev) for s, item, p, ev in lines]
    ItemScore.objects.bulk_create(item_rows, batch_size=2000)
    YellowCard.objects.bulk_create(cards, batch_size=1000)
    _history(scores, item_rows, cards, {r.pk: r for r in rounds}, scorer)
    return {
        "villages": len(villages),
        "carded": len(cards),
        "open": sum(1 for c in cards if c.recovered_round_id is None),
    }


def _history(scores, item_rows, cards, rounds, scorer) -> None:
    """Change records for the bulk rows, dated the day each round was scored."""

    def when(rnd: ScoringRound) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(rnd.period_end, dt.time(17, 0)))

    if any(r.pk is None for r in item_rows) or any(c.pk is None for c in cards):
        return  # no keys returned: nothing to point the records at
    records = []
    for s in scores:
        records.append(
            build_change(
                actor=scorer,
                instance=s,
                action=ChangeAction.CREATE,
                before=None,
                area_code=s.village_id,
                reason="demo",
                time=when(rounds[s.round_id]),
            )
        )
    for line in item_rows:
        records.append(
            build_change(
                actor=scorer,
                instance=line,
                action=ChangeAction.CREATE,
                before=None,
                area_code=line.score.village_id,
                reason="demo",
                related=line.score,
                time=when(rounds[line.score.round_id]),
            )
        )
    last_round = max(rounds.values(), key=lambda r: (r.period_end, r.pk))
    for card in cards:
        final = (card.rounds_carded, card.recovered_round_id)
        card.rounds_carded, card.recovered_round_id = 1, None
        records.append(
            build_change(
                actor=scorer,
                instance=card,
                action=ChangeAction.CREATE,
                before=None,
                area_code=card.village_id,
                reason="demo",
                time=when(rounds[card.carded_round_id]),
            )
        )
        before = snapshot(card)
        card.rounds_carded, card.recovered_round_id = final
        if final != (1, None):
            records.append(
                build_change(
                    actor=scorer,
                    instance=card,
                    action=ChangeAction.UPDATE,
                    before=before,
                    area_code=card.village_id,
                    reason="demo",
                    time=when(rounds.get(card.recovered_round_id) or last_round),
                )
            )
    bulk_record(records)


SCORING_MODELS = (
    AssessmentResult,
    AssessmentRun,
    ManualPoints,
    AssessmentItem,
    AssessmentScheme,
    PerformanceRun,
    YellowCard,
    ItemScore,
    VillageScore,
    ScoringRound,
    ScoringItem,
    ScoringSheet,
    PerformanceIndicator,
    PerformanceScheme,
)


def wipe_demo() -> None:
    """Remove scoring data and its change records (demo databases only)."""

    with transaction.atomic():
        ChangeRecord.objects.filter(
            object_type__in=[type_label(m) for m in SCORING_MODELS]
        ).delete()
        ScoringSheet.objects.filter(previous__isnull=False).update(previous=None)
        AssessmentScheme.objects.filter(previous__isnull=False).update(previous=None)
        for model in SCORING_MODELS:
            model.objects.all().delete()
