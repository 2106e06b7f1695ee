from django.utils import translation

from fupin.registry import choices as c


def test_fifty_six_ethnic_groups_with_unique_codes():
    assert len(c.Ethnicity.choices) == 56
    assert len(set(c.Ethnicity.values)) == 56
    assert c.Ethnicity("13").label  # 瑶族


def test_twelve_official_poverty_causes():
    assert len(c.PovertyCause.choices) == 12


def test_codes_are_stable_ascii():
    for name, cls in c.CODE_LISTS.items():
        for value in cls.values:
            assert str(value).isascii(), (name, value)


def test_every_label_is_translated_to_chinese():
    """The zh-hans catalogue must carry each code-list label (Chinese first)."""
    missing = []
    with translation.override("zh-hans"):
        for name, cls in c.CODE_LISTS.items():
            for value, label in cls.choices:
                text = str(label)
                if text.isascii():
                    missing.append((name, value, text))
    assert not missing, missing
