from django.urls import path

from fupin.assistance import views

app_name = "assistance"
urlpatterns = [
    path("", views.cadre_list, name="cadre_list"),
    path("cadres/new/", views.cadre_create, name="cadre_create"),
    path("cadres/<int:pk>/", views.cadre_detail, name="cadre_detail"),
    path("cadres/<int:pk>/leave/", views.cadre_leave, name="cadre_leave"),
    path("cadres/<int:pk>/reveal/", views.cadre_reveal, name="cadre_reveal"),
    path("households/<int:household_pk>/plan/", views.household_plan, name="household_plan"),
    path("households/<int:household_pk>/measures/new/", views.measure_add, name="measure_add"),
    path("directory/<str:code>/new/", views.directory_entry_add, name="directory_entry_add"),
    path("pairings/", views.pairing_list, name="pairing_list"),
    path("compliance/", views.compliance, name="compliance"),
    path("limits/", views.limits, name="limits"),
    path("households/<int:household_pk>/visit/", views.visit_create, name="visit_create"),
    path("households/<int:household_pk>/pair/", views.pairing_create, name="pairing_create"),
    path("visits/<int:pk>/photo/", views.visit_photo, name="visit_photo"),
    path("villages/<str:code>/", views.village_page, name="village"),
    path("villages/<str:code>/plan/", views.village_plan, name="village_plan"),
    path("villages/<str:code>/teams/new/", views.work_team_create, name="work_team_create"),
    path("directory/", views.directory_index, name="directory_index"),
    path("directory/<str:code>/", views.directory, name="directory"),
    path("directory/<str:code>/card/", views.directory, {"card": True}, name="directory_card"),
]
