from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelocationConfig(AppConfig):
    name = "fupin.relocation"
    label = "relocation"
    verbose_name = _("Relocation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The one place this ledger joins the others (fupin.programmes.ledgers) and the
        # household page's flags (fupin.registry.panels); neither imports this app.
        from fupin.programmes.ledgers import register
        from fupin.registry import panels
        from fupin.relocation import selectors
        from fupin.relocation.ledger import ledger
        from fupin.relocation.models import Relocation

        register(ledger())
        panels.register(selectors.PANEL_RELOCATION, Relocation)


LEDGER_LABEL = _("Relocation (易地扶贫搬迁)")
# The nav link; its translation lives in this app's catalogue.
NAV_LABEL = _("Relocation")
