from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    name = "fupin.health"
    label = "health"
    verbose_name = _("Health and insurance")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The one place this ledger joins the others (fupin.programmes.ledgers), the
        # household page's flags (fupin.registry.panels) and the grading rounds' signals
        # (fupin.monitoring.hooks); none of them imports this app.
        from fupin.health import selectors
        from fupin.health.ledger import ledger
        from fupin.health.models import Cover, Reimbursement
        from fupin.monitoring.hooks import register_grade_signal
        from fupin.programmes.ledgers import register
        from fupin.registry import panels

        register(ledger())
        panels.register(selectors.PANEL_COVER, Cover)
        panels.register(selectors.PANEL_REIMBURSEMENT, Reimbursement)
        register_grade_signal(
            "serious_illness", SERIOUS_ILLNESS, selectors.serious_illness_households
        )


LEDGER_LABEL = _("Health and insurance (健康扶贫)")
SERIOUS_ILLNESS = _("Serious illness (a serious-illness reimbursement or high out-of-pocket costs)")
# The nav link; its translation lives in this app's catalogue.
NAV_LABEL = _("Health cover")
