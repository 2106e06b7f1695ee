from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from fupin.registry.models import Household


class CasesConfig(AppConfig):
    name = "fupin.cases"
    label = "cases"
    verbose_name = _("Cases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The one place that tells the registry's household page which cases may be
        # opened on a household (fupin.registry never imports this app). Imported here:
        # models load only once the app registry is ready.
        from fupin.cases.services import follow_households
        from fupin.registry.hooks import register_households_moved
        from fupin.registry.views.hooks import register_procedure_links

        register_procedure_links(household_procedure_links)
        # Cases keep their household's village (Case.village) when it moves.
        register_households_moved(follow_households)


def household_procedure_links(household: Household) -> list[tuple[str, str]]:
    """`fupin.cases.views.household_procedure_links`, loaded on the first household page
    rather than at start-up."""
    # lazy: the views bring the forms, the PDF notices and reportlab (about 0.5 s), which
    # no management command needs
    from fupin.cases.views import household_procedure_links as links

    return links(household)
