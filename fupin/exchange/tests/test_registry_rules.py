"""The import runs the registry's rules (`fupin.registry.rules`, column form) and says what
the services say (row form) for the same record: the drift found when the two were
compared, one test each."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from conftest import make_id
from fupin.exchange.tests.conftest import good_household, good_member, second_member
from fupin.exchange.tests.test_import import errors_of, full_book, header, run
from fupin.registry.models import Member


def test_a_name_longer_than_the_field_is_refused_with_the_models_message(users, book):
    """It used to reach the database: PostgreSQL refused the whole file with an error,
    SQLite stored the 60 characters."""
    long_name = "赵" * 60
    result = run(users, full_book(book, members=[good_member(name=long_name), second_member()]))
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        Member(name=long_name).full_clean()
    expected = caught.value.message_dict["name"][0]
    assert [(r, col, reason) for _s, r, col, reason in errors_of(result)] == [
        (2, header("members", "name"), expected)
    ]
    assert not Member.objects.filter(name=long_name).exists()


def test_a_long_bank_account_is_refused_on_the_households_sheet(users, book):
    result = run(users, full_book(book, households=[good_household(bank_account="6" * 40)]))
    assert any(
        e[2] == header("households", "bank_account") and "32" in e[3] for e in errors_of(result)
    ), errors_of(result)


def test_an_invalid_id_number_gets_its_own_reason_only(users, book):
    """Sex and birth date are compared with a valid ID number only, as in the services:
    a mistyped check digit no longer adds "the ID number says this person is …"."""
    number = make_id(birth="19700305", seq="211")  # a man
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    result = run(
        users,
        full_book(book, members=[good_member(id_number=wrong, sex="女"), second_member()]),
    )
    columns = [e[2] for e in errors_of(result) if e[1] == 2]
    assert columns == [header("members", "id_number")], errors_of(result)
