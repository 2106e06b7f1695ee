from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "fupin.cases"
    label = "cases"
    verbose_name = _("Cases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The one place that tells the registry's household page which cases may be
        # opened on a household (fupin.registry never imports this app).
        from fupin.cases.views import household_procedure_links
        from fupin.registry.views.hooks import register_procedure_links

        register_procedure_links(household_procedure_links)
