"""bench/province.py rewrites ID numbers in SQL when it copies a prefecture: its check
character (ISO 7064 MOD 11-2) must agree with the registry's own rule (registry.idnumber),
and moving the prefix must keep a valid number valid, an invalid one invalid, and two
numbers apart. PostgreSQL only (the bench runs there); no timings."""

from __future__ import annotations

import random

import pytest
from django.db import connection

from bench import province
from fupin.registry.idnumber import CHECK_CHARS, check_char

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the bench is PostgreSQL's"),
]


def _bodies(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [f"{rng.randrange(10**17):017d}" for _ in range(n)]


def test_the_sql_check_character_is_the_registrys():
    bodies = _bodies(300, seed=1)
    values = ", ".join(f"('{b}')" for b in bodies)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT v.b, {province.check_char_sql('v.b')} FROM (VALUES {values}) AS v (b)"  # noqa: S608
        )
        got = dict(cur.fetchall())
    assert got == {b: check_char(b) for b in bodies}


def test_a_moved_number_keeps_its_validity_and_stays_apart():
    rng = random.Random(2)
    old, new = "4311", "4350"
    valid = [old + b[4:] + check_char(old + b[4:]) for b in _bodies(200, seed=3)]
    # The same bodies with a wrong check character: moved, they must stay wrong and differ
    # from the moved valid ones.
    invalid = [n[:17] + rng.choice([c for c in CHECK_CHARS if c != n[17]]) for n in valid[:100]]
    numbers = valid + invalid
    values = ", ".join(f"('{n}')" for n in numbers)
    shift = province.check_shift(old, new)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT x.n, {province.moved_id_sql('x.n')} "  # noqa: S608
            f"FROM (VALUES {values}) AS x (n) CROSS JOIN (VALUES ('{new}', {shift})) AS m (t, s)"
        )
        moved = dict(cur.fetchall())
    for n in valid:
        body = new + n[4:17]
        assert moved[n] == body + check_char(body)
    for n in invalid:
        assert moved[n][:17] == new + n[4:17]
        assert moved[n][17] != check_char(moved[n][:17])
    assert len(set(moved.values())) == len(numbers)
