from django.urls import path

from fupin.quality import views

app_name = "quality"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("<str:code>/", views.village, name="village"),
]
