from django.urls import path

from fupin.relocation import views

app_name = "relocation"

urlpatterns = [
    path("", views.relocation_list, name="list"),
    path("sites/", views.site_list, name="sites"),
    path("sites/new/", views.site_new, name="site_new"),
    path("sites/<int:pk>/", views.site_detail, name="site"),
    path("new/<int:household>/", views.relocation_new, name="new"),
    path("<int:pk>/", views.relocation_detail, name="detail"),
    path("export/", views.export, name="export"),
]
