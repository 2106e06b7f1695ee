from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TipsConfig(AppConfig):
    name = "fupin.tips"
    label = "tips"
    verbose_name = _("Tips and complaints")

    def ready(self) -> None:
        # Whether a household has tips, read with it on its page (fupin.registry never
        # imports this app). Imported here: models load only once the app registry is ready.
        from fupin.registry import panels
        from fupin.tips.models import Tip
        from fupin.tips.selectors import PANEL_TIPS

        panels.register(PANEL_TIPS, Tip)


# The nav link in web/base.html; its translation lives in this app's catalogue.
NAV_LABEL = _("Tips")
