from django.urls import path

from fupin.employment import views

app_name = "employment"

urlpatterns = [
    path("", views.post_list, name="posts"),
    path("posts/new/", views.post_new, name="post_new"),
    path("posts/<int:pk>/", views.post_detail, name="post"),
    path("holdings/<int:pk>/", views.holding_detail, name="holding"),
    path("pending/", views.pending, name="pending"),
    path("propose/<int:household>/", views.propose, name="propose"),
    path("jobs/", views.placement_list, name="placements"),
    path("jobs/new/<int:household>/", views.placement_new, name="placement_new"),
    path("jobs/<int:pk>/", views.placement_detail, name="placement"),
    path("export/posts/", views.export_posts, name="export_posts"),
    path("export/jobs/", views.export_jobs, name="export_jobs"),
]
