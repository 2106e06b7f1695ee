from django.urls import path

from fupin.funds import views

app_name = "funds"
urlpatterns = [
    path("", views.index, name="index"),
    path("sources/new/", views.source_new, name="source_new"),
    path("allocations/new/", views.allocation_new, name="allocation_new"),
    path("allocations/<int:pk>/", views.allocation_detail, name="allocation"),
]
