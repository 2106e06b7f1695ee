"""Scoring through the services: validation, frozen sheets, classes, yellow cards,
history and scope."""

import datetime as dt
from decimal import Decimal

import pytest

from conftest import NEIGHBOUR, OTHER_COUNTY_VILLAGE, OTHER_TOWNSHIP_VILLAGE, VILLAGE
from fupin.core.errors import NotAllowed, OutsideArea, ValidationFailed
from fupin.core.models import ChangeRecord
from fupin.scoring import services
from fupin.scoring.choices import Grade
from fupin.scoring.models import ScoringSheet, YellowCard
from fupin.scoring.tests.conftest import COUNTY, ITEMS, points_for


@pytest.mark.parametrize(
    ("total", "grade", "carded"),
    [("79.9", Grade.YELLOW, True), ("80", Grade.IMPROVE, False), ("80.1", Grade.IMPROVE, False)],
)
def test_classes_at_the_yellow_card_boundary(make_round, score, total, grade, carded):
    s = score(make_round(), VILLAGE, total)
    assert s.total == Decimal(total)
    assert s.grade == grade
    assert YellowCard.objects.filter(village_id=VILLAGE).exists() is carded


def test_points_are_validated_and_nothing_is_saved(users, make_round):
    rnd = make_round()
    bad = {"A1": "41", "A2": "-1", "A3": "abc", "A4": "10.25"}
    with pytest.raises(ValidationFailed) as exc:
        services.score_record(
            actor=users["county"],
            round=rnd,
            village_code=VILLAGE,
            points=bad,
            evidence={},
            scored_on=dt.date(2024, 1, 28),
        )
    assert set(exc.value.errors) == {"points_A1", "points_A2", "points_A3", "points_A4"}
    assert not rnd.scores.exists()
    with pytest.raises(ValidationFailed) as exc:
        services.score_record(
            actor=users["county"],
            round=rnd,
            village_code=VILLAGE,
            points=points_for("90"),
            evidence={},
            scored_on=dt.date(2024, 1, 28),
        )
    assert "evidence_A1" in exc.value.errors


def test_sheet_must_add_up_to_100_and_thresholds_rise(users):
    items = [dict(i) for i in ITEMS]
    items[0]["max_points"] = "30"
    with pytest.raises(ValidationFailed) as exc:
        services.sheet_create(
            actor=users["county"], region_code=COUNTY, data={"name": "x", "year": 2024}, items=items
        )
    assert "90" in exc.value.errors["items"][0]
    with pytest.raises(ValidationFailed) as exc:
        services.sheet_create(
            actor=users["county"],
            region_code=COUNTY,
            data={"name": "x", "year": 2024, "yellow_threshold": "95"},
            items=ITEMS,
        )
    assert "yellow_threshold" in exc.value.errors
    assert not ScoringSheet.objects.exists()


def test_a_used_sheet_is_frozen_and_editing_makes_a_new_version(users, sheet, make_round, score):
    # Unused: changed in place.
    same = services.sheet_update(
        actor=users["county"],
        sheet=sheet,
        data={"name": sheet.name, "year": 2024, "yellow_threshold": "80"},
        items=ITEMS,
    )
    assert same.pk == sheet.pk and same.version == 1
    rnd = make_round()
    score(rnd, VILLAGE, "82")
    new = services.sheet_update(
        actor=users["county"],
        sheet=sheet,
        data={"name": sheet.name, "year": 2024, "yellow_threshold": "85"},
        items=ITEMS,
        reason="2024年细则修订",
    )
    sheet.refresh_from_db()
    assert new.pk != sheet.pk and new.version == 2 and new.previous == sheet
    assert not sheet.is_current and sheet.yellow_threshold == Decimal("80")
    assert list(sheet.items.values_list("code", flat=True)) == ["A1", "A2", "A3", "A4"]
    assert new.yellow_threshold == Decimal("85")
    # The old round keeps its class; the new version decides the next round.
    assert rnd.scores.get().grade == Grade.IMPROVE
    assert score(make_round(new), VILLAGE, "82").grade == Grade.YELLOW
    with pytest.raises(services.SheetSuperseded):
        services.sheet_update(actor=users["county"], sheet=sheet, data={}, items=ITEMS)


def test_yellow_card_until_recovery_with_history(users, make_round, score):
    r1, r2, r3 = make_round(), make_round(), make_round()
    score(r1, VILLAGE, "75")
    score(r2, VILLAGE, "78")
    assert [s.grade for s in r2.scores.all()] == [Grade.KEY]  # second yellow round running
    card = YellowCard.objects.get(village_id=VILLAGE)
    assert card.is_open and card.rounds_carded == 2 and card.carded_round == r1
    score(r3, VILLAGE, "80")
    card.refresh_from_db()
    assert card.recovered_round == r3 and not card.is_open
    recs = ChangeRecord.objects.filter(object_type="scoring.yellowcard", object_id=str(card.pk))
    assert list(recs.order_by("id").values_list("action", flat=True)) == [
        "create",
        "update",
        "update",
    ]


def test_late_round_reclassifies_later_ones(users, make_round, score):
    r1, r2 = make_round(), make_round()
    score(r2, VILLAGE, "75")
    assert r2.scores.get().grade == Grade.YELLOW
    score(r1, VILLAGE, "70")  # the earlier round, entered late
    assert r2.scores.get().grade == Grade.KEY
    assert YellowCard.objects.get(village_id=VILLAGE).carded_round == r1


def test_correction_is_recorded_old_to_new(users, make_round, score):
    rnd = make_round()
    s = score(rnd, VILLAGE, "79.9")
    s = score(rnd, VILLAGE, "80", reason="复核更正")
    assert s.grade == Grade.IMPROVE
    rec = ChangeRecord.objects.filter(
        object_type="scoring.villagescore", object_id=str(s.pk), action="update"
    ).first()
    assert rec.changes["total"] == ["79.9", "80.0"] and rec.reason == "复核更正"
    # The card of the mistaken 79.9 is gone, and its removal recorded.
    assert not YellowCard.objects.filter(village_id=VILLAGE).exists()
    assert ChangeRecord.objects.filter(object_type="scoring.yellowcard", action="delete").exists()


def test_scope_and_capability(users, make_round, score):
    rnd = make_round(area="431129100000")
    with pytest.raises(ValidationFailed):
        score(rnd, OTHER_TOWNSHIP_VILLAGE, "90")
    with pytest.raises(OutsideArea):
        score(rnd, OTHER_COUNTY_VILLAGE, "90", actor="county")
    with pytest.raises(NotAllowed):
        score(rnd, VILLAGE, "90", actor="township")
    assert score(rnd, NEIGHBOUR, "90", actor="inspector").grade == Grade.CONSOLIDATED
    with pytest.raises(OutsideArea):
        services.sheet_create(
            actor=users["other_county"],
            region_code=COUNTY,
            data={"name": "y", "year": 2024},
            items=ITEMS,
        )
