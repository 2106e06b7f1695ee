from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "fupin.projects"
    label = "projects"

    def ready(self) -> None:
        # Whether a household is a beneficiary of any project, read with it on its page
        # (fupin.registry never imports this app). Imported here: models load only once
        # the app registry is ready.
        from fupin.projects.models import Beneficiary
        from fupin.projects.selectors import PANEL_PROJECTS
        from fupin.registry import panels

        panels.register(PANEL_PROJECTS, Beneficiary)
