from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "fupin.programmes"
    label = "programmes"
    verbose_name = _("Programme ledgers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Ledger rows keep their household's village (LedgerRow.village) when it moves;
        # one hook for every registered ledger (fupin.registry never imports this app).
        from fupin.programmes.ledgers import follow_households
        from fupin.registry.hooks import register_households_moved

        register_households_moved(follow_households)


# The household page's panel title; its translation lives in this app's catalogue.
PANEL_LABEL = _("Programme ledgers")
