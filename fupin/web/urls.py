"""The shared pages of the view toolkit: signing in and out, and the health check. The
registry's pages (home, divisions, households) are in fupin.registry.urls."""

from django.urls import path

from fupin.web.views import auth, health

urlpatterns = [
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("healthz", health.healthz, name="healthz"),
]
