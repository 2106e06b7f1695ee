from django.urls import path

from fupin.training import views

app_name = "training"

urlpatterns = [
    path("", views.course_list, name="list"),
    path("new/", views.course_new, name="new"),
    path("export/", views.export, name="export"),
    path("<int:pk>/", views.course_detail, name="course"),
    path("attendances/", views.attendance_list, name="attendances"),
    path("attendances/<int:pk>/", views.attendance_detail, name="attendance"),
    path("attend/<int:household>/", views.attend, name="attend"),
]
