from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "fupin.monitoring"
    label = "monitoring"

    def ready(self) -> None:
        # The one place that tells the cases app what a passed monitoring case does
        # (fupin.cases never imports this app). Imported here: models load only once
        # the app registry is ready.
        from fupin.cases.procedures import CaseKind, register_on_passed
        from fupin.monitoring.services import on_monitoring_case_passed

        register_on_passed(CaseKind.MONITORING, on_monitoring_case_passed)

        # Whether a household has monitoring objects and warnings, read with it on its page.
        from fupin.monitoring import selectors
        from fupin.monitoring.models import HouseholdGrade, MonitoringObject, RiskWarning
        from fupin.registry import panels

        panels.register(selectors.PANEL_OBJECTS, MonitoringObject)
        panels.register(selectors.PANEL_WARNINGS, RiskWarning)
        panels.register(selectors.PANEL_GRADES, HouseholdGrade)
