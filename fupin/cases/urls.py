from django.urls import path

from fupin.cases import views
from fupin.cases.area import views as area_views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("overdue/", views.overdue, name="overdue"),
    path("batch/", views.batch_open, name="batch_open"),
    path("new/<int:household_pk>/", views.case_new, name="case_new"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/close/", views.case_close, name="case_close"),
    path("<int:pk>/files/<int:sid>/", views.step_file, name="step_file"),
    path("<int:pk>/written-notice.pdf", views.written_notice, name="written_notice"),
    path("<int:pk>/appeal/", views.appeal_new, name="appeal_new"),
    path("appeals/<int:pk>/decide/", views.appeal_decide, name="appeal_decide"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/new/", views.notice_new, name="notice_new"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/poster.pdf", views.notice_pdf, name="notice_pdf"),
    path("notices/public/<slug:slug>/", views.notice_public, name="notice_public"),
    path("objections/<int:pk>/resolve/", views.objection_resolve, name="objection_resolve"),
    path("area/villages/", area_views.village_exits, name="area_villages"),
    path("area/counties/", area_views.county_exits, name="area_counties"),
    path("area/<int:pk>/", area_views.area_case, name="area_case"),
    path("area/<int:pk>/files/<int:sid>/", area_views.area_step_file, name="area_step_file"),
]
