from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MicrocreditConfig(AppConfig):
    name = "fupin.microcredit"
    label = "microcredit"
    verbose_name = _("Microcredit")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The one place this ledger joins the others (fupin.programmes.ledgers), the
        # household page's flags (fupin.registry.panels) and the grading rounds' signals
        # (fupin.monitoring.hooks); none of them imports this app.
        from fupin.microcredit import selectors
        from fupin.microcredit.ledger import ledger
        from fupin.microcredit.models import Loan
        from fupin.monitoring.hooks import register_grade_signal
        from fupin.programmes.ledgers import register
        from fupin.registry import panels

        register(ledger())
        panels.register(selectors.PANEL_LOANS, Loan)
        register_grade_signal("overdue_loan", OVERDUE_LOAN, selectors.overdue_households)


LEDGER_LABEL = _("Microcredit (扶贫小额信贷)")
OVERDUE_LOAN = _("Overdue microcredit loan")
# The nav link; its translation lives in this app's catalogue.
NAV_LABEL = _("Microcredit")
