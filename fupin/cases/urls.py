from django.urls import path

from fupin.cases import views

app_name = "cases"
urlpatterns: list = []
