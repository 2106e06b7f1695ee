from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from fupin.geo.models import Division
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
        # The division page links a poor village's or county's exit case; the profile edits
        # refuse to change a poor status an exit case keeps (fupin.geo never imports this).
        from fupin.cases.area.services import exit_owner_label
        from fupin.geo.hooks import register_exit_owner
        from fupin.registry.views.hooks import register_division_links

        register_division_links(division_exit_links)
        register_exit_owner(exit_owner_label)
        # Cases keep their household's village (Case.village) when it moves.
        register_households_moved(follow_households)


def household_procedure_links(household: Household) -> list[tuple[str, str]]:
    """`fupin.cases.views.household_procedure_links`, loaded on the first household page
    rather than at start-up."""
    # lazy: the views bring the forms, the PDF notices and reportlab (about 0.5 s), which
    # no management command needs
    from fupin.cases.views import household_procedure_links as links

    return links(household)


def division_exit_links(division: Division) -> list[tuple[str, str]]:
    """`fupin.cases.area.views.division_exit_links`, loaded on the first division page."""
    # lazy: the views bring the forms and the step engine's pages, which no management
    # command needs
    from fupin.cases.area.views import division_exit_links as links

    return links(division)
