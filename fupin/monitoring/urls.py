from django.urls import path

from fupin.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.object_list, name="objects"),
    path("open/<int:household_pk>/", views.object_open, name="object_open"),
    path("objects/<int:pk>/level/", views.object_level, name="object_level"),
    path("objects/<int:pk>/end/", views.object_end, name="object_end"),
    path("warnings/", views.warning_list, name="warning_list"),
    path("warnings/new/", views.warning_create, name="warning_create"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning_detail"),
    path("attention/", views.attention, name="attention"),
    path("report/", views.report, name="report"),
    path("report/done/", views.report_done, name="report_done"),
    path("grades/", views.grade_rounds, name="grade_rounds"),
    path("grades/compare/", views.grade_compare, name="grade_compare"),
    path("grades/<int:pk>/", views.grade_round, name="grade_round"),
    path("grades/<int:pk>/export/", views.grade_export, name="grade_export"),
    path("grades/grade/<int:pk>/adjust/", views.grade_adjust, name="grade_adjust"),
]
