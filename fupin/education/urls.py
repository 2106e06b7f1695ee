from django.urls import path

from fupin.education import views

app_name = "education"

urlpatterns = [
    path("", views.aid_list, name="aid_list"),
    path("export/", views.export, name="export"),
    path("new/<int:household>/", views.aid_new, name="aid_new"),
    path("<int:pk>/", views.aid_detail, name="aid_detail"),
    path("dropouts/", views.dropout_list, name="dropout_list"),
    path("dropouts/new/<int:household>/", views.dropout_new, name="dropout_new"),
    path("dropouts/<int:pk>/", views.dropout_detail, name="dropout_detail"),
]
