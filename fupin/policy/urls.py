from django.urls import path

from fupin.policy import views

app_name = "policy"
urlpatterns = [
    path("", views.policy_list, name="list"),
    path("<int:pk>/", views.policy_detail, name="detail"),
    path("<int:pk>/new-version/", views.policy_new_version, name="new_version"),
]
