from django.contrib import admin
from django.urls import include, path

from voting_site import metrics, views

urlpatterns = [
    path("hits/", views.hits, name="hits"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    # django-rq's dashboard (queues, workers, failed jobs), staff only, under the admin.
    path("admin/rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
    path("", include("polls.urls")),
    path("", include("tally.urls")),
]
