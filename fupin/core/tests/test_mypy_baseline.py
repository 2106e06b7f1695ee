"""mypy.ini's baseline (the per-module `disable_error_code` sections of issue 15) only
shrinks: no new module, no new error code in a module. Fix a module and delete its section
there (and its line here); new code is typed, never baselined."""

from __future__ import annotations

import configparser
from pathlib import Path

MYPY_INI = Path(__file__).resolve().parents[3] / "mypy.ini"

# module: the error codes its baseline section may still disable (as of issue 15).
BASELINE = {
    "fupin.api.auth": "arg-type attr-defined",
    "fupin.api.errors": "list-item",
    "fupin.api.pii": "attr-defined",
    "fupin.api.projects": "attr-defined",
    "fupin.api.queries": "attr-defined",
    "fupin.assessment.demo": "arg-type",
    "fupin.assessment.forms": "attr-defined",
    "fupin.assessment.management.commands.assessment": "arg-type",
    "fupin.assessment.selectors": "attr-defined var-annotated",
    "fupin.assessment.services": "assignment attr-defined",
    "fupin.assessment.views": "arg-type misc union-attr",
    "fupin.assistance.apps": "arg-type",
    "fupin.assistance.demo": "arg-type assignment index misc operator",
    "fupin.assistance.forms": "attr-defined",
    "fupin.assistance.management.commands.assistance": "arg-type",
    "fupin.assistance.services": "list-item type-arg",
    "fupin.assistance.templatetags.assistance": "arg-type",
    "fupin.assistance.views": "assignment attr-defined return-value",
    "fupin.cases.demo": "arg-type attr-defined index union-attr var-annotated",
    "fupin.cases.forms": "attr-defined operator",
    "fupin.cases.selectors": "arg-type assignment attr-defined return-value",
    "fupin.cases.services": "no-any-return union-attr",
    "fupin.cases.templatetags.cases": "arg-type",
    "fupin.cases.views": "arg-type attr-defined union-attr",
    "fupin.compare.engine": "arg-type assignment",
    "fupin.compare.forms": "attr-defined operator",
    "fupin.compare.management.commands.compare": "arg-type",
    "fupin.compare.templatetags.findings": "arg-type",
    "fupin.core.frames": "assignment no-untyped-def type-arg",
    "fupin.core.history": "no-any-return no-untyped-def type-arg union-attr",
    "fupin.dashboards.excel": "index",
    "fupin.dashboards.finders": "attr-defined",
    "fupin.dashboards.views": "var-annotated",
    "fupin.exchange.export": "union-attr",
    "fupin.exchange.forms": "assignment",
    "fupin.exchange.jobs": "attr-defined misc",
    "fupin.exchange.layout": "arg-type union-attr",
    "fupin.exchange.parse": "assignment attr-defined",
    "fupin.exchange.parsing": "arg-type assignment index union-attr",
    "fupin.exchange.readers": "var-annotated",
    "fupin.exchange.staging": "arg-type dict-item",
    "fupin.exchange.views": "return-value union-attr",
    "fupin.exchange.write": "arg-type union-attr",
    "fupin.funds.forms": "attr-defined",
    "fupin.funds.services": "no-untyped-def",
    "fupin.indicators.definitions": "assignment return-value",
    "fupin.indicators.engine": "arg-type",
    "fupin.indicators.forms": "return-value",
    "fupin.indicators.frames": "arg-type assignment dict-item",
    "fupin.indicators.management.commands.snapshot": "arg-type",
    "fupin.indicators.readiness": "var-annotated",
    "fupin.indicators.snapshots": "assignment",
    "fupin.indicators.views": "arg-type assignment return-value",
    "fupin.monitoring.demo": "arg-type attr-defined call-overload index var-annotated",
    "fupin.monitoring.forms": "operator",
    "fupin.monitoring.models": "call-overload",
    "fupin.monitoring.scoring.features": "arg-type dict-item",
    "fupin.monitoring.scoring.model": "index union-attr",
    "fupin.monitoring.services": "arg-type dict-item misc union-attr",
    "fupin.monitoring.views": "assignment attr-defined",
    "fupin.policy.models": "union-attr",
    "fupin.policy.templatetags.policy": "attr-defined union-attr",
    "fupin.policy.views": "attr-defined union-attr",
    "fupin.projects.demo": "arg-type assignment",
    "fupin.projects.forms": "attr-defined operator",
    "fupin.projects.selectors": "attr-defined no-any-return type-arg",
    "fupin.projects.services": "dict-item index no-untyped-def",
    "fupin.projects.templatetags.projects_tags": "arg-type",
    "fupin.projects.views": "arg-type attr-defined",
    "fupin.quality.management.commands.check_quality": "arg-type",
    "fupin.quality.rules": "assignment union-attr",
    "fupin.registry.demo": (
        "arg-type assignment attr-defined call-overload no-untyped-def operator type-arg union-attr"
    ),
    "fupin.scoring.demo": "arg-type",
    "fupin.scoring.forms": "attr-defined misc",
    "fupin.scoring.management.commands.scoring": "arg-type",
    "fupin.scoring.rules": "arg-type misc operator",
    "fupin.scoring.services": "arg-type assignment misc",
    "fupin.scoring.sources": "operator",
    "fupin.scoring.views": "assignment dict-item",
    "fupin.supervision.demo": "index union-attr",
    "fupin.supervision.forms": "attr-defined",
    "fupin.supervision.management.commands.supervision": "arg-type",
    "fupin.supervision.models": "var-annotated",
    "fupin.supervision.periods": "index",
    "fupin.supervision.selectors": "arg-type call-overload misc operator",
    "fupin.supervision.views": "arg-type union-attr",
    "fupin.tips.forms": "attr-defined operator",
    "fupin.tips.services": "arg-type assignment list-item no-untyped-call",
    "fupin.tips.templatetags.tips_tags": "arg-type",
    "fupin.tips.views": "assignment",
}


def baseline(text: str) -> dict[str, set[str]]:
    config = configparser.ConfigParser()
    config.read_string(text)
    return {
        section.removeprefix("mypy-"): {
            code.strip() for code in config[section]["disable_error_code"].split(",")
        }
        for section in config.sections()
        if config.has_option(section, "disable_error_code")
    }


def growth(sections: dict[str, set[str]]) -> list[str]:
    return [
        f"{module}: {sorted(codes - set(BASELINE.get(module, '').split()))}"
        for module, codes in sorted(sections.items())
        if not codes <= set(BASELINE.get(module, "").split())
    ]


def test_the_check_sees_a_new_module_and_a_new_code():
    text = (
        "[mypy-fupin.api.errors]\ndisable_error_code = list-item, arg-type\n"
        "[mypy-fupin.new.module]\ndisable_error_code = attr-defined\n"
        "[mypy-fupin.api.pii]\ndisable_error_code = attr-defined\n"
    )
    assert growth(baseline(text)) == [
        "fupin.api.errors: ['arg-type']",
        "fupin.new.module: ['attr-defined']",
    ]


def test_the_mypy_baseline_only_shrinks():
    grown = growth(baseline(MYPY_INI.read_text(encoding="utf-8")))
    assert not grown, f"Type these instead of adding them to mypy.ini's baseline: {grown}"


def test_every_baseline_section_names_a_module_that_exists():
    """mypy only notes a section that matches no module (and passes): a module moved or
    deleted must take its section with it."""
    root = MYPY_INI.parent
    missing = [
        module
        for module in baseline(MYPY_INI.read_text(encoding="utf-8"))
        if not (root / f"{module.replace('.', '/')}.py").exists()
        and not (root / module.replace(".", "/") / "__init__.py").exists()
    ]
    assert not missing, f"Delete these sections from mypy.ini: {missing}"
