"""`fupin demo`: build the deterministic demo registry (once), or print its logins."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.registry import demo


class Command(BaseCommand):
    help = (
        "Build the demo registry of Jianghua county (or Yongzhou prefecture) from a seed. "
        "Does nothing if registry data exists, unless --reset."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2017, help="random seed (default 2017)")
        parser.add_argument(
            "--scale",
            default="county",
            help="county (≈98,000 people), prefecture (≈1,000,000) or a number of people",
        )
        parser.add_argument(
            "--reset", action="store_true", help="wipe registry data and demo logins, rebuild"
        )
        parser.add_argument(
            "--logins", action="store_true", help="only print the demo logins and exit"
        )

    def handle(
        self, *args: Any, seed: int, scale: str, reset: bool, logins: bool, **options: Any
    ) -> None:
        if logins:
            self.print_logins()
            return
        try:
            size = demo.parse_scale(scale)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if demo.demo_exists() and not reset:
            self.stdout.write(
                "Registry data already exists; nothing to do (use --reset to rebuild the demo)."
            )
            return
        if reset:
            self.stdout.write("Wiping registry data and demo logins …")
            for module in reversed(app_demos()):
                module.wipe_demo()
            demo.wipe()
        self.stdout.write(
            f"Building the demo ({size.label}, ≈{size.people:,} people, seed {seed}) …"
        )
        log = self.stdout.write if options["verbosity"] >= 1 else None
        result = demo.build(seed=seed, scale=size, log=log)
        rate = result.rows / result.seconds if result.seconds else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo built in {result.seconds:.1f} s: {result.villages:,} villages with "
                f"households, {result.households:,} households, {result.members:,} people, "
                f"{result.incomes:,} income records, {result.assessments:,} assessments, "
                f"{result.changes:,} change records ({rate:,.0f} rows/s)."
            )
        )
        for module in app_demos():
            module.build_demo(seed=seed, log=log)

    def print_logins(self) -> None:
        rows = demo.logins()
        if not rows:
            self.stdout.write("No demo logins yet: run `fupin demo` first.")
            return
        header = ("username", "password", "role", "area")
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(3)]
        for r in [header, *rows]:
            self.stdout.write(
                "  ".join(str(r[i]).ljust(widths[i]) for i in range(3)) + "  " + str(r[3])
            )


def app_demos() -> list[ModuleType]:
    """The `demo` modules of the other fupin apps, in INSTALLED_APPS order.

    Each has `build_demo(*, seed, log)`, run after the registry is built, and
    `wipe_demo()`, run (in reverse order) before the registry is wiped.
    """
    modules = []
    for config in apps.get_app_configs():
        if not config.name.startswith("fupin.") or config.name == "fupin.registry":
            continue
        name = f"{config.name}.demo"
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return modules
