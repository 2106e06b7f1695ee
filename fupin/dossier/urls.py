from django.urls import path

from fupin.dossier import views

app_name = "dossier"

urlpatterns = [
    path("", views.index, name="index"),
    path("checklist/", views.checklist, name="checklist"),
    path("households/<int:pk>/", views.household, name="household"),
    path("households/<int:pk>/file.pdf", views.household_pdf, name="household_pdf"),
    path("households/<int:pk>/handbook.pdf", views.handbook_pdf, name="handbook_pdf"),
    path("statements/<int:pk>/scan/", views.statement_file, name="statement_file"),
    path("areas/<str:code>/", views.area, name="area"),
    path("areas/<str:code>/files.pdf", views.village_files_pdf, name="village_files_pdf"),
    path(
        "areas/<str:code>/handbooks.pdf", views.village_handbooks_pdf, name="village_handbooks_pdf"
    ),
]
