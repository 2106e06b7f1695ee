from django.urls import path

from fupin.leaders import views

app_name = "leaders"
urlpatterns = [
    path("", views.link_list, name="links"),
    path("links/new/", views.link_create, name="link_create"),
    path("links/<int:pk>/", views.link_detail, name="link_detail"),
    path("links/<int:pk>/report/", views.report_create, name="report_create"),
    path("reports/<int:pk>/photo/", views.report_photo, name="report_photo"),
    path("overdue/", views.overdue, name="overdue"),
    path("rules/", views.rules, name="rules"),
]
