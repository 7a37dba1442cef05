"""The admin site, as presenters meet it: named for the product, the presenters' apps
first, and the operators' tools (sign-in lockouts, background jobs) shown only to
superusers, under names a presenter can read.

Django's own Spanish gives every model "el" and "agregado" ("El votación … fue agregado
correctamente"): the messages below are Django's, kept here so that `make messages`
keeps them in this project's catalog, which is read before Django's and says them
without a gender.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# The order of the index: what a presenter works with first.
APPS_ORDER = ["events", "polls", "tally", "auth", "axes", "django_rq"]
# Third-party apps that are the operators' (superusers'), with the names they go by here.
OPERATORS_APPS = {"axes": _("Sign-in lockouts"), "django_rq": _("Background jobs")}

DJANGO_MESSAGES = [
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The {name} “{obj}” was added successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
    gettext_noop("Successfully deleted %(count)d %(items)s."),
    gettext_noop("Add %(name)s"),
    gettext_noop("Add another %(verbose_name)s"),
    # django-axes' models, which it does not translate into Spanish.
    gettext_noop("access attempts"),
    gettext_noop("access failures"),
    gettext_noop("access logs"),
]


class VotingAdminSite(AdminSite):
    site_header = _("Live voting")
    site_title = _("Live voting: administration")
    index_title = _("Events, polls and people")
    site_url = "/host/"  # "View site": the presenter's home, their events and polls

    def get_app_list(
        self, request: HttpRequest, app_label: str | None = None
    ) -> list[dict[str, Any]]:
        apps = super().get_app_list(request, app_label)
        if not request.user.is_superuser:
            apps = [app for app in apps if app["app_label"] not in OPERATORS_APPS]
        for app in apps:
            if app["app_label"] in OPERATORS_APPS:
                app["name"] = OPERATORS_APPS[app["app_label"]]
            if app["app_label"] == "django_rq":
                for model in app["models"]:
                    model["name"] = _("Queues")
        known = len(APPS_ORDER)
        return sorted(
            apps,
            key=lambda app: (
                APPS_ORDER.index(app["app_label"]) if app["app_label"] in APPS_ORDER else known
            ),
        )


class VotingAdminConfig(AdminConfig):
    default_site = "voting_site.admin.VotingAdminSite"
