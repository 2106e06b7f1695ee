"""Status belongs to procedures, in an import: a cell that would change a household's
status, status year or monitoring type is rejected (row, column, reason naming the
procedure); upsert keeps the rest of the row, all-or-nothing refuses the file. New
households start as candidates. `--initial-load` is the one exception."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import translation

from conftest import VILLAGE, give_status
from fupin.core.files import file_sha256
from fupin.core.models import ChangeRecord
from fupin.exchange import layout as L
from fupin.exchange.export import csv_paths
from fupin.exchange.importer import import_registry
from fupin.exchange.models import ExchangeRun
from fupin.exchange.tests.conftest import good_household, good_member, second_member
from fupin.registry.models import Household, Member

UPSERT = ExchangeRun.Mode.UPSERT
ALL = ExchangeRun.Mode.ALL_OR_NOTHING
NEW = VILLAGE + "0901"
THIS_YEAR = dt.date.today().year


def run(users, path, who="village", **kw):
    with translation.override("en"):
        return import_registry(actor=users[who], path=path, **kw)


def header(code: str) -> str:
    with translation.override("en"):
        return str(L.HOUSEHOLDS.column(code).header)


def cells(result) -> dict[tuple[int, str], str]:
    return {(row, col): reason for _s, row, col, _v, reason in result.errors.iter_rows()}


def state() -> list[tuple]:
    rows = Household.objects.order_by("pk").values_list(
        "number", "status", "status_year", "monitoring_type", "address", "updated_at"
    )
    return [*rows, ChangeRecord.objects.count(), Member.objects.count()]


def existing_row(h, **over):
    return good_household(number=h.number, **over)


# ------------------------------------------------------------------ existing households


def test_upsert_rejects_the_status_cell_and_keeps_the_rest_of_the_row(users, book, household):
    records = ChangeRecord.objects.count()
    path = book(households=[existing_row(household, status="已脱贫", address="新址8号")])
    result = run(users, path)
    assert result.run.status == ExchangeRun.Status.DONE
    reason = cells(result)[(2, header("status"))]
    assert "Start an exit case" in reason
    assert result.counts["households"].updated == 1
    assert result.counts["households"].rejected == 0
    h = Household.objects.get(pk=household.pk)
    assert (h.status, h.status_year, h.address) == ("poor", 2016, "新址8号")
    rec = ChangeRecord.objects.filter(object_id=str(h.pk), action="update").latest("id")
    assert "status" not in rec.changes and "address" in rec.changes
    assert ChangeRecord.objects.count() == records + 1


def test_all_or_nothing_refuses_the_file_for_a_status_cell(users, book, household):
    before = state()
    path = book(
        households=[
            existing_row(household, status="已脱贫", address="新址8号"),
            good_household(number=NEW),
        ]
    )
    result = run(users, path, mode=ALL)
    assert result.run.status == ExchangeRun.Status.REFUSED
    assert "Start an exit case" in cells(result)[(2, header("status"))]
    assert state() == before


@pytest.mark.parametrize(
    ("current", "mtype", "over", "column", "words"),
    [
        ("poor", "", {"status": "已清退"}, "status", "Start a removal case"),
        ("exited", "", {"status": "未脱贫"}, "status", "Start a return-to-poverty case"),
        ("candidate", "", {"status": "未脱贫"}, "status", "Start an inclusion case"),
        ("exited", "", {"status": "监测对象", "monitoring_type": "边缘易致贫户"}, "status",
         "Start a monitoring case"),
        ("monitored", "edge", {"status": "已脱贫", "monitoring_type": ""}, "status",
         "risks are eliminated"),
        ("poor", "", {"status_year": "2020"}, "status_year", "case that decides the status"),
        ("exited", "unstable_exited", {"status": "已脱贫", "monitoring_type": "边缘易致贫户"},
         "monitoring_type", "monitoring case"),
    ],
)  # fmt: skip
def test_each_procedural_cell_is_rejected_with_its_procedure(
    users, book, household, current, mtype, over, column, words
):
    give_status(household, current, 2016, mtype)
    before = state()
    row = existing_row(household, **{"status": current, "status_year": "2016", **over})
    result = run(users, book(households=[row]), mode=ALL)
    assert result.run.status == ExchangeRun.Status.REFUSED, result.errors
    assert words in cells(result)[(2, header(column))]
    assert state() == before


def test_same_values_and_blank_status_cells_are_fine(users, book, household):
    path = book(households=[existing_row(household, status="未脱贫", status_year="2016")])
    result = run(users, path, mode=ALL)
    assert result.run.status == ExchangeRun.Status.DONE, result.errors
    assert result.errors.is_empty()
    path = book(households=[existing_row(household, status="", status_year="")])
    result = run(users, path, mode=ALL)
    assert result.run.status == ExchangeRun.Status.DONE, result.errors
    assert Household.objects.get(pk=household.pk).status == "poor"


def test_each_row_gets_its_own_procedure(users, book, household, neighbour_household):
    give_status(household, "exited", 2019)
    path = book(
        households=[
            existing_row(household, status="未脱贫", status_year="2019"),
            good_household(number=NEW, status="已清退"),
        ]
    )
    result = run(users, path, who="township")
    reasons = cells(result)
    assert "return-to-poverty" in reasons[(2, header("status"))]
    assert "inclusion case" in reasons[(3, header("status"))]
    assert Household.objects.get(pk=household.pk).status == "exited"
    assert Household.objects.get(number=NEW).status == "candidate"


# ------------------------------------------------------------------ new households


def test_new_household_asking_for_a_status_is_created_as_candidate(users, book):
    path = book(
        households=[good_household(status="未脱贫", status_year="2016")],
        members=[good_member(), second_member()],
    )
    result = run(users, path)
    assert result.run.status == ExchangeRun.Status.DONE
    reasons = cells(result)
    assert "only through an inclusion case" in reasons[(2, header("status"))]
    assert "created as a candidate" in reasons[(2, header("status"))]
    assert (2, header("status_year")) in reasons
    h = Household.objects.get(number=NEW)
    assert (h.status, h.status_year, h.monitoring_type) == ("candidate", THIS_YEAR, "")
    assert h.members.count() == 2
    rec = ChangeRecord.objects.get(object_id=str(h.pk), object_type="registry.household")
    assert rec.post_data["status"] == "candidate"


def test_new_household_asking_for_a_status_all_or_nothing_writes_nothing(users, book):
    before = state()
    path = book(households=[good_household(status="已脱贫")], members=[good_member()])
    result = run(users, path, mode=ALL)
    assert result.run.status == ExchangeRun.Status.REFUSED
    reason = cells(result)[(2, header("status"))]
    assert "inclusion case" in reason and "created as a candidate" not in reason
    assert state() == before


# ------------------------------------------------------------------ initial load


def _registry_file(book):
    return book(
        households=[
            good_household(status="已脱贫", status_year="2019"),
            good_household(
                number=VILLAGE + "0902",
                status="监测对象",
                status_year="2021",
                monitoring_type="边缘易致贫户",
                household_size="",
            ),
        ],
        members=[good_member(), second_member()],
    )


def test_initial_load_keeps_the_statuses_and_says_so_in_history(users, book):
    path = _registry_file(book)
    result = run(users, path, who="admin", initial_load=True)
    assert result.run.status == ExchangeRun.Status.DONE, result.errors
    assert result.errors.is_empty()
    first = Household.objects.get(number=NEW)
    second = Household.objects.get(number=VILLAGE + "0902")
    assert (first.status, first.status_year) == ("exited", 2019)
    assert (second.status, second.monitoring_type) == ("monitored", "edge")
    sha = file_sha256(*[p for p in csv_paths(path).values() if p.exists()])
    assert result.run.file_sha256 == sha
    assert sha in result.run.message
    records = ChangeRecord.objects.filter(object_type="registry.household")
    assert records.count() == 2
    for rec in records:
        assert "Initial load" in rec.reason and sha in rec.reason


def test_initial_load_needs_a_status(users, book):
    path = book(households=[good_household(status="", status_year="")])
    result = run(users, path, who="admin", initial_load=True)
    assert "Required for an initial load." in cells(result)[(2, header("status"))]
    assert not Household.objects.exists()


@pytest.mark.parametrize("who", ["county", "village", "township"])
def test_initial_load_is_refused_to_anyone_but_the_system_administrator(users, book, who):
    before = state()
    result = run(users, _registry_file(book), who=who, initial_load=True)
    assert result.run.status == ExchangeRun.Status.REFUSED
    assert "system administrator" in result.run.message
    assert state() == before


def test_initial_load_is_refused_on_an_area_with_households(users, book, household):
    before = state()
    result = run(users, _registry_file(book), who="admin", initial_load=True)
    assert result.run.status == ExchangeRun.Status.REFUSED
    assert "already has 1 households" in result.run.message
    assert state() == before


def test_initial_load_command(users, book, capsys):
    path = _registry_file(book)
    with pytest.raises(SystemExit):
        call_command(
            "import_registry", str(path), "--initial-load", "--user", "county", "--language", "en"
        )
    assert "system administrator" in capsys.readouterr().out
    assert not Household.objects.exists()
    call_command(
        "import_registry", str(path), "--initial-load", "--user", "admin", "--language", "en"
    )
    out = capsys.readouterr().out
    assert "Initial load" in out
    assert Household.objects.get(number=NEW).status == "exited"


def test_without_initial_load_the_administrator_registers_candidates(users, book):
    path = _registry_file(book)
    call_command("import_registry", str(path), "--user", "admin", "--language", "en")
    assert set(Household.objects.values_list("status", flat=True)) == {"candidate"}
