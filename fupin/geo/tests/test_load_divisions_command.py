import io

import pytest
from django.core.management import CommandError, call_command

from fupin.geo.models import Division, Level, VillageProfile

GOOD = (
    "code,name\n430000000000,湖南省\n431100000000,永州市\n431129000000,江华瑶族自治县\n"
    "431129100000,沱江镇\n431129100201,大坪村\n"
)


def test_loads_a_good_file_and_reports_counts(db, tmp_path):
    path = tmp_path / "good.csv"
    path.write_text(GOOD, encoding="utf-8")
    out = io.StringIO()
    call_command("load_divisions", str(path), language="en", stdout=out)
    assert "5 created, 0 updated, 0 unchanged" in out.getvalue()
    assert Division.objects.get(code="431129100201").level == Level.VILLAGE
    assert VillageProfile.objects.filter(village_id="431129100201").exists()
    path.write_text(GOOD.replace("大坪村", "大坪村委会"), encoding="utf-8")
    out = io.StringIO()
    call_command("load_divisions", str(path), language="en", stdout=out)
    assert "0 created, 1 updated, 4 unchanged" in out.getvalue()


def test_bad_file_reports_line_numbers_and_loads_nothing(db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(GOOD + "43112910020X,坏村\n431129100202,\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_divisions", str(path), language="en", stderr=err)
    assert f"{path}:7:" in err.getvalue()
    assert f"{path}:8:" in err.getvalue()
    assert not Division.objects.exists()


def test_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("load_divisions", str(tmp_path / "nope.csv"), language="en")


def test_bundled_prefecture_file_loads(db):
    from fupin.registry.demo import DIVISIONS_CSV

    out = io.StringIO()
    call_command("load_divisions", str(DIVISIONS_CSV), stdout=out)
    assert Division.objects.filter(level=Level.VILLAGE, code__startswith="431129").count() == 319
