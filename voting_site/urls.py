from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from tally.admin import dashboard_urlpatterns
from voting_site import media, metrics, views

# The words of the apps' scripts (locale/*/LC_MESSAGES/djangojs.po), not the admin's.
javascript_catalog = JavaScriptCatalog.as_view(packages=["polls", "tally", "events"])

urlpatterns = [
    path("hits/", views.hits, name="hits"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("media/<path:name>", media.media_file, name="media"),
    # The language switcher's form posts to set_language here; the live pages' scripts
    # take their words from the JavaScript catalogue, in the page's language.
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", javascript_catalog, name="javascript-catalog"),
    # django-rq's dashboard (queues, workers, failed jobs), under the admin, for those with
    # its permission (tally/admin.py).
    path("admin/rq/", include((dashboard_urlpatterns(), "django_rq"))),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("polls.urls")),
    path("", include("tally.urls")),
    path("", include("events.urls")),
]

handler400 = views.bad_request
handler403 = views.permission_denied
handler404 = views.page_not_found
handler500 = views.server_error
