from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TipsConfig(AppConfig):
    name = "fupin.tips"
    label = "tips"
    verbose_name = _("Tips and complaints")
