from django.urls import path

from fupin.indicators import views

app_name = "indicators"
urlpatterns = [
    path("", views.index, name="index"),
    path("definitions/", views.definitions, name="definitions"),
    path("exit/village/<str:code>/", views.village_readiness, name="village_readiness"),
    path("exit/county/<str:code>/", views.county_readiness, name="county_readiness"),
    path("exit/criteria/", views.criteria, name="criteria"),
    path("snapshots/", views.snapshot_list, name="snapshots"),
    path("snapshots/create/", views.snapshot_create, name="snapshot_create"),
]
