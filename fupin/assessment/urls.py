from django.urls import path

from fupin.assessment import views

app_name = "assessment"
urlpatterns = [
    path("", views.index, name="index"),
]
