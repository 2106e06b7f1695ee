from django.urls import path

from fupin.health import views

app_name = "health"

urlpatterns = [
    path("", views.reimbursement_list, name="reimbursement_list"),
    path("export/", views.export, name="export"),
    path("new/<int:household>/", views.reimbursement_new, name="reimbursement_new"),
    path("<int:pk>/", views.reimbursement_detail, name="reimbursement_detail"),
    path("cover/", views.cover_list, name="cover_list"),
    path("cover/new/<int:household>/", views.cover_new, name="cover_new"),
    path("cover/<int:pk>/", views.cover_detail, name="cover_detail"),
]
