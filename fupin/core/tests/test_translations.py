"""Chinese first: every catalogue is complete (no empty, no fuzzy entry), and the
compiled catalogue is the one that is committed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

FUPIN = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(FUPIN.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))


def entries(path: Path) -> list[tuple[str, list[str], bool]]:
    """(msgid, msgstrs, fuzzy) for each entry of a .po file, header excluded."""
    out = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        if block.lstrip().startswith("#~"):
            continue  # obsolete
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        if not msgid:
            continue
        text = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', msgid.group(1)))
        if text == "":
            continue
        context = re.search(r'^msgctxt "((?:[^"\\]|\\.)*)"', block, re.M)
        if context:
            text = f"{context.group(1)}\x04{text}"  # as gettext keys a msgid with context
        strs = [
            "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m))
            for m in re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block, re.M)
        ]
        out.append((text, strs, "#, fuzzy" in block or ", fuzzy" in block))
    return out


def test_there_is_a_catalogue_per_app_with_its_own_strings():
    apps = {p.parents[3].name for p in CATALOGUES}
    assert {"fupin", "exchange", "quality", "compare"} <= apps


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(FUPIN)))
def test_every_entry_is_translated_and_none_is_fuzzy(path):
    missing = [m for m, strs, fuzzy in entries(path) if fuzzy or not all(strs)]
    assert not missing, missing


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(FUPIN)))
def test_the_compiled_catalogue_is_up_to_date(path):
    mo = path.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run make messages"
    import gettext

    with mo.open("rb") as fh:
        catalogue = gettext.GNUTranslations(fh)
    stale = [
        msgid
        for msgid, strs, _fuzzy in entries(path)
        if "%" not in msgid
        and '\\"' not in msgid
        and "\\n" not in msgid
        and strs
        and catalogue.gettext(msgid) == msgid
        and strs[0] != msgid
    ]
    assert not stale, f"{mo} does not carry {stale[:5]}: run make messages"


def test_a_phrase_means_the_same_in_every_catalogue():
    """The project catalogue wins over an app's: a phrase translated differently in an
    app's catalogue would silently show the project's wording (e.g. a finding's "Open"
    status as 打开, "open the page"). Phrases that differ need a context (pgettext)."""
    main = FUPIN / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    project = {m: s[0] for m, s, _f in entries(main)}
    clashes = [
        (path.parents[3].name, msgid, project[msgid], strs[0])
        for path in CATALOGUES
        if path != main
        for msgid, strs, _f in entries(path)
        if msgid in project and strs[0] != project[msgid]
    ]
    assert not clashes, clashes
