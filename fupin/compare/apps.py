from django.apps import AppConfig


class CompareConfig(AppConfig):
    name = "fupin.compare"
    label = "compare"

    def ready(self) -> None:
        # Whether a household has findings, read with it on its page (fupin.registry never
        # imports this app). Imported here: models load only once the app registry is ready.
        from fupin.compare.models import Finding
        from fupin.compare.selectors import PANEL_FINDINGS
        from fupin.registry import panels

        panels.register(PANEL_FINDINGS, Finding)
