from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "fupin.indicators"
    label = "indicators"

    def ready(self) -> None:
        # The one place that tells the area exit procedures (fupin.cases, below this app)
        # how a village's and a county's exit checklist is evaluated: this app's exit tests.
        from fupin.cases.procedures import AreaKind, register_exit_checklist

        register_exit_checklist(AreaKind.VILLAGE_EXIT, village_exit_checklist)
        register_exit_checklist(AreaKind.COUNTY_EXIT, county_exit_checklist)


def village_exit_checklist(code: str, on: Any) -> dict[str, Any]:
    """`fupin.indicators.readiness.exit_checklist` of a village, loaded on first use."""
    # lazy: the exit tests bring the indicator engine (Polars frames), which start-up and
    # most commands never need
    from fupin.indicators.readiness import exit_checklist

    return exit_checklist("village_exit", code, on)


def county_exit_checklist(code: str, on: Any) -> dict[str, Any]:
    """`fupin.indicators.readiness.exit_checklist` of a county, loaded on first use."""
    # lazy: as above
    from fupin.indicators.readiness import exit_checklist

    return exit_checklist("county_exit", code, on)
