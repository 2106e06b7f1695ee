from django.urls import path

from fupin.scoring import views

app_name = "scoring"
urlpatterns = [
    path("", views.index, name="index"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/villages/<str:code>/", views.score_entry, name="score_entry"),
    path("villages/<str:code>/", views.village_history, name="village"),
    path("scores/<int:pk>/file/", views.score_attachment, name="score_attachment"),
    path("sheets/", views.sheet_list, name="sheet_list"),
    path("sheets/new/", views.sheet_edit, name="sheet_create"),
    path("sheets/<int:pk>/", views.sheet_detail, name="sheet_detail"),
    path("sheets/<int:pk>/edit/", views.sheet_edit, name="sheet_edit"),
    path("performance/", views.performance_index, name="performance_index"),
    path("performance/new/", views.scheme_edit, name="scheme_create"),
    path("performance/<int:pk>/", views.performance, name="performance"),
    path("performance/<int:pk>/edit/", views.scheme_edit, name="scheme_edit"),
]
urlpatterns += [
    path("assessment/", views.assessment_index, name="assessment_index"),
    path("assessment/new/", views.assessment_scheme_edit, name="assessment_create"),
    path("assessment/<int:pk>/", views.assessment_ranking, name="assessment"),
    path("assessment/<int:pk>/edit/", views.assessment_scheme_edit, name="assessment_edit"),
    path("assessment/<int:pk>/manual/", views.assessment_manual, name="assessment_manual"),
    path("assessment/results/<int:pk>/", views.assessment_result, name="assessment_result"),
]
