"""The layering of the apps (README.md "Layers") is checked by `lint-imports` against
`.importlinter`. What import-linter cannot see is checked here: an import inside a
function is allowed only with a comment on the line above saying which cycle it breaks
or why it is lazy, and no module is reached through a dotted string."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from django.apps import apps

from fupin.accounts import authority
from fupin.assistance.selectors import served_household_ids
from fupin.cases import procedures
from fupin.cases.apps import division_exit_links, household_procedure_links
from fupin.cases.area.services import exit_owner_label
from fupin.core import scope
from fupin.education.selectors import dropout_links
from fupin.geo import hooks as geo_hooks
from fupin.indicators.apps import county_exit_checklist, village_exit_checklist
from fupin.monitoring.services import on_monitoring_case_passed
from fupin.policy.selectors import four_eyes_setting
from fupin.quality import hooks as quality_hooks
from fupin.registry.views import hooks

FUPIN = Path(__file__).resolve().parents[2]

# Modules loaded by a name built at run time, each with why.
DOTTED_STRING_IMPORTS = {
    # `fupin demo` runs the optional `demo.py` of every installed app, found by name like
    # Django's own autodiscovery (the registry does not know the apps above it).
    "registry/management/commands/demo.py",
}


def sources() -> list[Path]:
    return sorted(
        p
        for p in FUPIN.rglob("*.py")
        if not {"tests", "migrations"} & set(p.relative_to(FUPIN).parts)
    )


def in_function_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    found.append(inner)
    return sorted(set(found), key=lambda n: n.lineno)


def uncommented(source: str) -> list[int]:
    """Lines of imports inside functions without a comment on the line above; a run of
    such imports one under the other shares the comment above the first."""
    lines = source.splitlines()
    imports = in_function_imports(ast.parse(source))
    explained: set[int] = set()  # end lines of explained imports
    missing = []
    for node in imports:
        above = node.lineno - 1  # 1-based number of the line above
        if lines[above - 1].strip().startswith("#") or above in explained:
            explained.add(node.end_lineno or node.lineno)
        else:
            missing.append(node.lineno)
    return missing


def test_the_checker_sees_an_unexplained_import_and_accepts_an_explained_run():
    source = (
        "import os\n"
        "def f():\n"
        "    import json\n"
        "    return json\n"
        "def g():\n"
        "    # lazy: heavy, only on this path\n"
        "    from decimal import (\n"
        "        Decimal,\n"
        "    )\n"
        "    import json\n"
        "\n"
        "    import csv\n"
        "    return Decimal, json, csv\n"
    )
    assert uncommented(source) == [3, 12]


def test_every_import_inside_a_function_says_why():
    missing = [
        f"{p.relative_to(FUPIN)}:{line}"
        for p in sources()
        for line in uncommented(p.read_text(encoding="utf-8"))
    ]
    assert not missing, (
        "Import at module level, or say on the line above which cycle the import breaks "
        f"or why it is lazy: {missing}"
    )


def test_no_module_is_imported_through_a_dotted_string():
    found = []
    for p in sources():
        rel = str(p.relative_to(FUPIN))
        tree = ast.parse(p.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name in ("import_module", "import_string", "__import__"):
                    found.append(f"{rel}:{node.lineno}")
    assert {f.split(":")[0] for f in found} <= DOTTED_STRING_IMPORTS, found


def registered_hooks() -> tuple[object, ...]:
    return (
        scope._household_filter,
        authority._setting_source,
        dict(procedures.ON_PASSED),
        list(hooks._procedure_links),
        {rule: list(fns) for rule, fns in quality_hooks._links.items()},
        dict(procedures.EXIT_CHECKLIST),
        list(geo_hooks._exit_owner),
        list(hooks._division_links),
    )


def test_each_hook_of_the_readme_is_registered_once_by_its_app():
    """README.md "Layers": an app above registers each hook in its AppConfig.ready(); a
    ready() run again (as a test runner or a reload may) registers nothing twice."""
    expected = (
        served_household_ids,
        four_eyes_setting,
        {procedures.CaseKind.MONITORING: on_monitoring_case_passed},
        [household_procedure_links],
        {"Q06": [dropout_links]},
        {
            procedures.AreaKind.VILLAGE_EXIT: village_exit_checklist,
            procedures.AreaKind.COUNTY_EXIT: county_exit_checklist,
        },
        [exit_owner_label],
        [division_exit_links],
    )
    assert registered_hooks() == expected
    for config in apps.get_app_configs():
        config.ready()
    assert registered_hooks() == expected


def test_start_up_registers_hooks_without_loading_pages():
    """AppConfig.ready() only registers: a management command does not pay for the views,
    the PDF notices or reportlab (the cases hook loads its view on first use)."""
    script = (
        "import sys, django; django.setup(); "
        "print(sorted(m for m in ('fupin.cases.views', 'fupin.cases.area.views', "
        "'fupin.indicators.readiness', 'reportlab') if m in sys.modules))"
    )
    env = {**os.environ, "FUPIN_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "fupin.settings"}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
