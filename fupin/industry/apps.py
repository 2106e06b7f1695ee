from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class IndustryConfig(AppConfig):
    name = "fupin.industry"
    label = "industry"
    verbose_name = _("Industry benefit-linking")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The one place this ledger joins the others (fupin.programmes.ledgers) and the
        # household page's flags (fupin.registry.panels); neither imports this app.
        from fupin.industry import selectors
        from fupin.industry.ledger import ledger
        from fupin.industry.models import BenefitLink
        from fupin.programmes.ledgers import register
        from fupin.registry import panels

        register(ledger())
        panels.register(selectors.PANEL_LINKS, BenefitLink)


LEDGER_LABEL = _("Industry benefit-linking (利益联结)")
# The nav link; its translation lives in this app's catalogue.
NAV_LABEL = pgettext_lazy("nav", "Industry")
