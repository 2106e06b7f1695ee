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
