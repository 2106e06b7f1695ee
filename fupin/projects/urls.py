from django.urls import path

from fupin.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.project_new, name="new"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/step/", views.project_step, name="step"),
    path("<int:pk>/budget/", views.budget_line, name="budget_line"),
    path("<int:pk>/pay/", views.disbursement, name="disbursement"),
    path("<int:pk>/pay/<int:did>/countersign/", views.countersign, name="countersign"),
    path("<int:pk>/beneficiaries/", views.beneficiaries, name="beneficiaries"),
    path("<int:pk>/files/<int:sid>/", views.step_file, name="step_file"),
    # Public disclosure (公开公示), no login.
    path("public/", views.public_index, name="public_index"),
    path("public/<str:code>/", views.public_county, name="public_county"),
    path("public/village/<str:code>/", views.public_village, name="public_village"),
    path("public/village/<str:code>/notice/", views.public_notice, name="public_notice"),
]
