from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "fupin.assistance"
    label = "assistance"

    def ready(self) -> None:
        # The one place that tells the base layer which households a paired cadre
        # serves (fupin.core.scope never imports this app). Imported here: models load
        # only once the app registry is ready.
        from fupin.assistance.selectors import served_household_ids
        from fupin.core import scope

        scope.register_household_filter(served_household_ids)

        # Whether a household has rows of each kind, read with it on its page.
        from fupin.assistance import selectors
        from fupin.assistance.models import HouseholdPlan, Measure, Pairing, Visit
        from fupin.registry import panels

        panels.register(selectors.PANEL_PAIRINGS, Pairing)
        panels.register(selectors.PANEL_VISITS, Visit)
        panels.register(selectors.PANEL_PLAN, HouseholdPlan)
        panels.register(selectors.PANEL_MEASURES, Measure)
