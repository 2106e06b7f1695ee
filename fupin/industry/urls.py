from django.urls import path

from fupin.industry import views

app_name = "industry"

urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("enterprises/new/", views.enterprise_new, name="enterprise_new"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise"),
    path("links/", views.link_list, name="links"),
    path("links/<int:pk>/", views.link_detail, name="link"),
    path("link/<int:household>/", views.link_new, name="link_new"),
    path("purchases/", views.purchase_list, name="purchases"),
    path("purchases/new/", views.purchase_new, name="purchase_new"),
    path("export/", views.export, name="export"),
]
