"""mypy.ini turns no check off for fupin's own code (the baseline of issue 15 is empty and
stays so: a module is typed, never excused), and keeps the strict flags on the layers the
rest stand on and on every services.py and selectors.py."""

from __future__ import annotations

import configparser
from pathlib import Path

MYPY_INI = Path(__file__).resolve().parents[3] / "mypy.ini"

# mypy --help lists these under --strict; each is set one by one (see mypy.ini's header).
STRICT_FLAGS = {
    "disallow_any_generics",
    "disallow_subclassing_any",
    "disallow_untyped_calls",
    "disallow_untyped_defs",
    "disallow_incomplete_defs",
    "disallow_untyped_decorators",
    "warn_return_any",
}
STRICT_MODULES = {
    "fupin.core.*",
    "fupin.accounts.*",
    "fupin.geo.*",
    "fupin.registry.*",
    "fupin.*.services",
    "fupin.*.selectors",
}
# Options that switch checks off for the modules of a section.
EXCUSES = ("disable_error_code", "ignore_errors", "follow_imports", "disallow_any_generics")


def config(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read_string(text)
    return parser


def excused(parser: configparser.ConfigParser) -> list[str]:
    """Sections that switch a check off for fupin's own modules (admin classes' generics
    aside: ModelAdmin[X] fails at run time without a dev-only package)."""
    found = []
    for section in parser.sections():
        if not section.startswith("mypy-fupin"):
            continue
        for option in EXCUSES:
            if not parser.has_option(section, option):
                continue
            value = parser.get(section, option).strip().lower()
            if option == "disallow_any_generics" and section == "mypy-fupin.*.admin":
                continue
            if option == "disallow_any_generics" and value == "true":
                continue
            if option == "follow_imports" and value == "normal":
                continue
            if option == "ignore_errors" and value == "false":
                continue
            found.append(f"{section}: {option} = {value}")
    return found


def strict_sections(parser: configparser.ConfigParser) -> set[str]:
    """The module patterns of the sections that set every strict flag to True."""
    patterns: set[str] = set()
    for section in parser.sections():
        if not section.startswith("mypy-") or not all(
            parser.get(section, flag, fallback="").strip() == "True" for flag in STRICT_FLAGS
        ):
            continue
        patterns |= {p.strip() for p in section.removeprefix("mypy-").split(",")}
    return patterns


def test_the_check_sees_an_excuse_and_a_missing_strict_flag():
    text = (
        "[mypy-fupin.api.errors]\ndisable_error_code = list-item\n"
        "[mypy-fupin.cases.demo]\nignore_errors = True\n"
        "[mypy-fupin.*.admin]\ndisallow_any_generics = False\n"
        "[mypy-axes.*]\nignore_missing_imports = True\n"
        "[mypy-fupin.core.*,fupin.*.services]\n"
        + "".join(f"{flag} = True\n" for flag in sorted(STRICT_FLAGS - {"warn_return_any"}))
    )
    parser = config(text)
    assert excused(parser) == [
        "mypy-fupin.api.errors: disable_error_code = list-item",
        "mypy-fupin.cases.demo: ignore_errors = true",
    ]
    assert strict_sections(parser) == set()


def test_mypy_ini_excuses_no_module_of_fupin():
    found = excused(config(MYPY_INI.read_text(encoding="utf-8")))
    assert not found, f"Type these modules instead of switching checks off: {found}"


def test_the_strict_flags_cover_the_base_layers_and_every_service_and_selector():
    covered = strict_sections(config(MYPY_INI.read_text(encoding="utf-8")))
    assert covered >= STRICT_MODULES, f"not strict: {sorted(STRICT_MODULES - covered)}"
