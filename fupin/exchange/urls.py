from django.urls import path

from fupin.exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.index, name="index"),
    path("export/", views.export, name="export"),
    path("import/", views.import_upload, name="import"),
    path("progress/<slug:token>/", views.progress, name="progress"),
    path("progress/<slug:token>.json", views.progress_json, name="progress_json"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/report/", views.run_report, name="run_report"),
]
