from django.urls import path

from fupin.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.home, name="home"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/progress.json", views.report_progress, name="report_progress"),
    path("reports/<int:pk>/download/", views.report_download, name="report_download"),
    path("<str:code>/", views.area, name="area"),
    path("<str:code>/map.json", views.area_map, name="map"),
    path("<str:code>/trends.json", views.area_trends, name="trends"),
    path("<str:code>/reports/", views.report_start, name="report_start"),
]
