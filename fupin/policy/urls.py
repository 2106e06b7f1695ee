from django.urls import path

from fupin.policy import views

app_name = "policy"
urlpatterns = [
    path("", views.policy_list, name="list"),
    path("<int:pk>/", views.policy_detail, name="detail"),
    path("<int:pk>/new-version/", views.policy_new_version, name="new_version"),
    path("households/<int:pk>/attestations/", views.household_attest, name="attest"),
    path("attestations/<int:pk>/file/", views.attestation_file, name="attestation_file"),
]
