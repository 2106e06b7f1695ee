from django.urls import path

from fupin.scoring import views

app_name = "scoring"
urlpatterns = [
    path("", views.index, name="index"),
]
