from django.urls import path

from fupin.supervision import views

app_name = "supervision"
urlpatterns = [
    path("", views.index, name="index"),
    path("inspections/", views.inspection_list, name="inspections"),
    path("inspections/new/", views.inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/findings/new/", views.finding_create, name="finding_create"),
    path("findings/<int:pk>/", views.finding_detail, name="finding"),
    path("findings/<int:pk>/rectify/", views.finding_rectify, name="finding_rectify"),
    path("findings/<int:pk>/verify/", views.finding_verify, name="finding_verify"),
    path("findings/<int:pk>/fail/", views.finding_fail, name="finding_fail"),
    path("findings/<int:pk>/file/", views.finding_file, name="finding_file"),
    path("rectifications/<int:pk>/file/", views.rectification_file, name="rectification_file"),
    path("units/", views.unit_list, name="units"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/ensure/", views.units_ensure, name="units_ensure"),
    path("units/<int:pk>/", views.unit_ledger, name="unit"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("escalations/<int:pk>/decide/", views.escalation_decide, name="escalation_decide"),
    path("responsibilities/", views.responsibilities, name="responsibilities"),
    path("tasks/", views.task_board, name="tasks"),
    path("tasks/lists/new/", views.task_list_create, name="task_list_create"),
    path("tasks/lists/<int:pk>/add/", views.task_add, name="task_add"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("tasks/<int:pk>/file/", views.task_file, name="task_file"),
]
