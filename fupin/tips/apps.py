from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TipsConfig(AppConfig):
    name = "fupin.tips"
    label = "tips"
    verbose_name = _("Tips and complaints")


# The nav link in web/base.html; its translation lives in this app's catalogue.
NAV_LABEL = _("Tips")
