from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EducationConfig(AppConfig):
    name = "fupin.education"
    label = "education"
    verbose_name = _("Education aid")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The one place this ledger joins the others (fupin.programmes.ledgers), the
        # household page's flags (fupin.registry.panels) and data-quality rule Q06's
        # findings (fupin.quality.hooks); none of them imports this app.
        from fupin.education import selectors
        from fupin.education.ledger import ledger
        from fupin.education.models import DropoutCase, StudentAid
        from fupin.programmes.ledgers import register
        from fupin.quality.hooks import register_finding_links
        from fupin.registry import panels

        register(ledger())
        panels.register(selectors.PANEL_AID, StudentAid)
        panels.register(selectors.PANEL_DROPOUT, DropoutCase)
        register_finding_links("Q06", selectors.dropout_links)


LEDGER_LABEL = _("Education aid (教育扶贫)")
# The nav link; its translation lives in this app's catalogue.
NAV_LABEL = _("Education aid")
