from django.urls import path

from fupin.microcredit import views

app_name = "microcredit"

urlpatterns = [
    path("", views.loan_list, name="list"),
    path("export/", views.loan_export, name="export"),
    path("new/<int:household>/", views.loan_new, name="new"),
    path("<int:pk>/", views.loan_detail, name="detail"),
]
