from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmploymentConfig(AppConfig):
    name = "fupin.employment"
    label = "employment"
    verbose_name = _("Posts and employment")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The one place these ledgers join the others (fupin.programmes.ledgers), the
        # household page's flags (fupin.registry.panels) and the grading rounds' signals
        # (fupin.monitoring.hooks); none of them imports this app.
        from fupin.employment import selectors
        from fupin.employment.ledger import jobs_ledger, posts_ledger
        from fupin.employment.models import Holding, Placement
        from fupin.monitoring.hooks import register_grade_signal
        from fupin.programmes.ledgers import register
        from fupin.registry import panels

        register(posts_ledger())
        register(jobs_ledger())
        panels.register(selectors.PANEL_HOLDINGS, Holding)
        panels.register(selectors.PANEL_PLACEMENTS, Placement)
        register_grade_signal("lost_post", LOST_POST, selectors.lost_post_households)


POSTS_LABEL = _("Public-welfare posts (公益性岗位)")
JOBS_LABEL = _("Jobs and migrant work (就业帮扶)")
LOST_POST = _("Lost a public-welfare post")
# The nav link; its translation lives in this app's catalogue.
NAV_LABEL = _("Employment")
