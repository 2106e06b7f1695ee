from django.urls import path

from fupin.assessment import views

app_name = "assessment"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/draw/", views.draw, name="draw"),
    path("<int:pk>/finish/", views.finish, name="finish"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/villages/<str:village>/sheet/", views.sheet, name="sheet"),
    path("<int:pk>/units/<int:unit_pk>/", views.unit, name="unit"),
]
