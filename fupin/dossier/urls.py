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
    path("areas/<str:code>/print/", views.village_print_start, name="village_print_start"),
    path("prints/<int:pk>/", views.village_print, name="print"),
    path("prints/<int:pk>/progress.json", views.village_print_progress, name="print_progress"),
    path("prints/<int:pk>/file.pdf", views.village_print_file, name="print_file"),
]
