from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossierConfig(AppConfig):
    name = "fupin.dossier"
    label = "dossier"
    verbose_name = _("Household files (一户一档)")
    default_auto_field = "django.db.models.BigAutoField"


# The nav link (web/base.html) and the household page's tab (registry/_household_head.html):
# their translations live in this app's catalogue.
NAV_LABEL = _("Household files")
TAB_LABEL = _("Paper file (一户一档)")
