import csv

import pytest
from django.core.management import call_command

from conftest import make_id


@pytest.fixture
def head_id():
    return make_id()


@pytest.fixture
def neighbour_id():
    return make_id(seq="456")


@pytest.fixture
def stranger_id():
    return make_id(region="431128", birth="19750505", seq="321")


@pytest.fixture
def write_csv(tmp_path):
    def write(header, rows, name="dept.csv", encoding="utf-8"):
        path = tmp_path / name
        with open(path, "w", newline="", encoding=encoding) as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows)
        return path

    return write


@pytest.fixture
def run_command(capsys):
    def run(*args):
        call_command("compare", *[str(a) for a in args])
        return capsys.readouterr()

    return run
