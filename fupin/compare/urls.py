from django.urls import path

from fupin.compare import views

app_name = "compare"
urlpatterns = [
    path("", views.finding_list, name="finding_list"),
    path("<int:pk>/", views.finding_detail, name="finding_detail"),
    path("<int:pk>/status/", views.finding_status, name="finding_status"),
    path("runs/", views.run_list, name="run_list"),
    path("runs/new/", views.run_create, name="run_create"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
]
