from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TeamsConfig(AppConfig):
    name = "fupin.teams"
    label = "teams"
    verbose_name = _("Resident work teams")
    default_auto_field = "django.db.models.BigAutoField"


# The nav link; its translation lives in this app's catalogue.
NAV_LABEL = pgettext_lazy("nav", "Work teams")
