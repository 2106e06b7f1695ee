from django.urls import path

from fupin.teams import views

app_name = "teams"
urlpatterns = [
    path("", views.team_list, name="list"),
    path("attendance/", views.attendance, name="attendance"),
    path("attendance/export/", views.attendance_export, name="attendance_export"),
    path("rules/", views.rules, name="rules"),
    path("<int:pk>/", views.team_detail, name="team"),
    path("<int:pk>/checkin/", views.checkin, name="checkin"),
    path("<int:pk>/leave/", views.leave, name="leave"),
]
