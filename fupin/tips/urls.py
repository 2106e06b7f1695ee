from django.urls import path

from fupin.tips import views

app_name = "tips"
urlpatterns = [
    path("", views.tip_list, name="list"),
    path("new/", views.tip_create, name="create"),
    path("<int:pk>/", views.tip_detail, name="detail"),
    path("<int:pk>/reveal-phone/", views.reveal_phone, name="reveal_phone"),
    path("report/", views.report, name="report"),
    path("report/done/", views.report_done, name="report_done"),
    path("track/", views.track, name="track"),
]
