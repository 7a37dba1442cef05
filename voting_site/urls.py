from django.contrib import admin
from django.urls import include, path

from voting_site import views

urlpatterns = [
    path("hits/", views.hits, name="hits"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("", include("polls.urls")),
    path("", include("tally.urls")),
]
