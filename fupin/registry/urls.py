"""The registry's pages: the home page, the division tree, households with their
members, yearly records and files, and the logged reveal of a masked value. The URL
names are global (not namespaced): every app links to them."""

from django.urls import path

from fupin.registry.views import divisions, home, households, members, records, reveal

urlpatterns = [
    path("", home.home, name="home"),
    path("divisions/", divisions.division, name="division_root"),
    path("divisions/<str:code>/", divisions.division, name="division"),
    path(
        "divisions/<str:code>/profile/",
        divisions.village_profile_edit,
        name="village_profile_edit",
    ),
    path("households/", households.household_list, name="household_list"),
    path("households/new/", households.household_create, name="household_create"),
    path("households/<int:pk>/", households.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", households.household_edit, name="household_edit"),
    path("households/<int:pk>/history/", households.household_history, name="household_history"),
    path("households/<int:pk>/as-of/", households.household_as_of, name="household_as_of"),
    path("households/<int:pk>/members/new/", members.member_add, name="member_add"),
    path("households/<int:pk>/members/<int:mid>/edit/", members.member_edit, name="member_edit"),
    path("households/<int:pk>/members/<int:mid>/leave/", members.member_leave, name="member_leave"),
    path("households/<int:pk>/income/", records.income_edit, name="income_edit"),
    path("households/<int:pk>/assessment/", records.assessment_edit, name="assessment_edit"),
    path(
        "households/<int:pk>/attachments/new/",
        households.attachment_upload,
        name="attachment_upload",
    ),
    path(
        "households/<int:pk>/attachments/<int:aid>/",
        households.attachment_download,
        name="attachment_download",
    ),
    path("reveal/<str:kind>/<int:pk>/<str:field>/", reveal.reveal, name="reveal"),
]
