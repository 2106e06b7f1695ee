from django.urls import path

from fupin.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.index, name="index"),
]
