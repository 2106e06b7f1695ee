from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TrainingConfig(AppConfig):
    name = "fupin.training"
    label = "training"
    verbose_name = _("Training")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The one place this ledger joins the others (fupin.programmes.ledgers) and the
        # household page's flags (fupin.registry.panels); neither imports this app.
        from fupin.programmes.ledgers import register
        from fupin.registry import panels
        from fupin.training import selectors
        from fupin.training.ledger import ledger
        from fupin.training.models import Attendance

        register(ledger())
        panels.register(selectors.PANEL_TRAINING, Attendance)


LEDGER_LABEL = _("Training (技能培训)")
# The nav link; its translation lives in this app's catalogue.
NAV_LABEL = pgettext_lazy("nav", "Training")
