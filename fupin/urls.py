from django.contrib import admin
from django.urls import include, path

# Household files are personal data: they are served by a scoped view of the registry,
# never from a public media URL.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The image CAPTCHA of the public forms (django-simple-captcha), drawn on the server.
    path("captcha/", include("captcha.urls")),
    path("api/v1/", include("fupin.api.urls")),
    path("exchange/", include("fupin.exchange.urls")),
    path("quality/", include("fupin.quality.urls")),
    path("findings/", include("fupin.compare.urls")),
    path("policy/", include("fupin.policy.urls")),
    path("cases/", include("fupin.cases.urls")),
    path("tips/", include("fupin.tips.urls")),
    path("monitoring/", include("fupin.monitoring.urls")),
    path("assistance/", include("fupin.assistance.urls")),
    path("indicators/", include("fupin.indicators.urls")),
    path("assessment/", include("fupin.assessment.urls")),
    path("dashboard/", include("fupin.dashboards.urls")),
    path("funds/", include("fupin.funds.urls")),
    path("projects/", include("fupin.projects.urls")),
    path("microcredit/", include("fupin.microcredit.urls")),
    path("employment/", include("fupin.employment.urls")),
    path("relocation/", include("fupin.relocation.urls")),
    path("training/", include("fupin.training.urls")),
    path("teams/", include("fupin.teams.urls")),
    path("industry/", include("fupin.industry.urls")),
    path("education/", include("fupin.education.urls")),
    path("health/", include("fupin.health.urls")),
    path("supervision/", include("fupin.supervision.urls")),
    path("scoring/", include("fupin.scoring.urls")),
    path("leaders/", include("fupin.leaders.urls")),
    path("dossier/", include("fupin.dossier.urls")),
    path("", include("fupin.web.urls")),
    path("", include("fupin.registry.urls")),
]
