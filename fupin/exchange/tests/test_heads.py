"""One head per household, counting the registry: an upsert that adds a head to a household
that has one is rejected (sheet, row, column, reason: the registry's own message), the
household keeps its one head; replacing the head in the same upload (the old head's
relation changed in the same file) is accepted. Upsert, dry run and all-or-nothing."""

from __future__ import annotations

import pytest
from django.utils import translation

from conftest import make_id, member_data
from fupin.core.errors import ValidationFailed
from fupin.core.models import ChangeRecord
from fupin.exchange import layout as L
from fupin.exchange.importer import import_registry
from fupin.exchange.models import ExchangeRun
from fupin.exchange.tests.conftest import good_member, head_row
from fupin.registry import choices as c
from fupin.registry import services
from fupin.registry.models import Member

UPSERT = ExchangeRun.Mode.UPSERT
ALL = ExchangeRun.Mode.ALL_OR_NOTHING
MODES = [
    pytest.param(UPSERT, False, id="upsert"),
    pytest.param(UPSERT, True, id="dry-run"),
    pytest.param(ALL, False, id="all-or-nothing"),
]
NEW = make_id(birth="19750612", seq="311")
SERVICE_MESSAGE = "The household already has a head."


def run(users, path, lang="en", **kw):
    with translation.override(lang):
        return import_registry(actor=users["village"], path=path, **kw)


def relation_reasons(result, lang="en") -> dict[int, str]:
    with translation.override(lang):
        column = str(L.MEMBERS.column("relation").header)
    return {row: reason for _s, row, col, _v, reason in result.errors.iter_rows() if col == column}


def new_head(household) -> dict[str, str]:
    return good_member(household.number, id_number=NEW, name="盘新主", relation="户主")


def heads(household) -> list[str]:
    return list(
        Member.objects.active()
        .filter(household=household, relation=c.Relation.HEAD)
        .values_list("id_number", flat=True)
    )


def state() -> tuple:
    return (
        list(Member.objects.order_by("pk").values_list("pk", "relation", "is_active")),
        ChangeRecord.objects.count(),
    )


def check_status(result, mode, dry_run, *, refused_rows: bool):
    if dry_run:
        assert result.run.status == ExchangeRun.Status.CHECKED and not result.written
    elif mode == ALL and refused_rows:
        assert result.run.status == ExchangeRun.Status.REFUSED and not result.written
    else:
        assert result.run.status == ExchangeRun.Status.DONE and result.written


@pytest.mark.parametrize(("mode", "dry_run"), MODES)
def test_an_upsert_adding_a_second_head_to_a_stored_household_is_rejected(
    users, book, household, mode, dry_run
):
    old = heads(household)
    before = state()
    result = run(users, book(members=[new_head(household)]), mode=mode, dry_run=dry_run)
    assert relation_reasons(result) == {2: SERVICE_MESSAGE}
    assert result.counts["members"].rejected == 1 and result.counts["members"].created == 0
    check_status(result, mode, dry_run, refused_rows=True)
    # The household keeps its one head; nothing was written.
    assert heads(household) == old and len(old) == 1
    assert not Member.objects.filter(id_number=NEW).exists()
    assert state() == before


@pytest.mark.parametrize(("mode", "dry_run"), MODES)
def test_the_stored_head_listed_unchanged_wins_over_a_new_head_listed_before_it(
    users, book, household, mode, dry_run
):
    old = heads(household)
    before = state()
    result = run(
        users, book(members=[new_head(household), head_row(household)]), mode=mode, dry_run=dry_run
    )
    # Row 2 (the new head) is the second head, not row 3 (the head the registry holds).
    assert relation_reasons(result) == {2: SERVICE_MESSAGE}
    check_status(result, mode, dry_run, refused_rows=True)
    assert heads(household) == old
    assert state() == before


@pytest.mark.parametrize(("mode", "dry_run"), MODES)
def test_replacing_the_head_in_the_same_upload_is_accepted(users, book, household, mode, dry_run):
    old = heads(household)
    before = state()
    result = run(
        users,
        book(members=[new_head(household), head_row(household, relation=c.Relation.PARENT)]),
        mode=mode,
        dry_run=dry_run,
    )
    assert result.errors.is_empty(), result.errors.rows()
    counts = result.counts["members"]
    assert (counts.created, counts.updated, counts.rejected) == (1, 1, 0)
    check_status(result, mode, dry_run, refused_rows=False)
    if dry_run:
        assert heads(household) == old and state() == before
    else:
        assert heads(household) == [NEW]
        assert household.members.get(id_number=old[0]).relation == c.Relation.PARENT


def test_a_rejected_row_of_the_old_head_does_not_free_the_place(users, book, household):
    """The old head's row changes its relation but is rejected for another cell: the
    registry keeps the old head, so the new head is a second one."""
    old = heads(household)
    before = state()
    result = run(
        users,
        book(
            members=[
                new_head(household),
                head_row(household, relation=c.Relation.PARENT, health="no such health"),
            ]
        ),
    )
    assert relation_reasons(result) == {2: SERVICE_MESSAGE}
    assert result.counts["members"].rejected == 2
    assert heads(household) == old and state() == before


def test_two_heads_of_a_stored_household_in_the_file_first_one_kept(users, book, household):
    """The old head steps down in the file and two new heads are listed: the first is the
    head, the second is rejected."""
    other = make_id(birth="19780102", seq="321")
    result = run(
        users,
        book(
            members=[
                head_row(household, relation=c.Relation.PARENT),
                new_head(household),
                good_member(household.number, id_number=other, name="盘二主", relation="户主"),
            ]
        ),
    )
    assert relation_reasons(result) == {4: SERVICE_MESSAGE}
    assert heads(household) == [NEW]


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_the_importer_and_the_service_refuse_with_the_same_words(users, book, household, lang):
    with translation.override(lang):
        with pytest.raises(ValidationFailed) as refused:
            services.member_add(
                actor=users["village"],
                household=household,
                data=member_data(id_number=NEW, name="盘新主"),
                reason="test",
            )
        service_words = [str(m) for m in refused.value.errors["relation"]]
    result = run(users, book(members=[new_head(household)]), lang=lang)
    assert list(relation_reasons(result, lang).values()) == service_words
    if lang == "zh-hans":
        assert service_words == ["该户已有户主。"]
