"""The presenter's home, `/host/`: the events and polls they own or host, newest first,
each with its pages (present, remote, report), its edit form and a copy of their own.

A poll inside an event is reached through its event; the polls listed are those that
stand alone. Superusers may run everything, but their home lists only their own: the
admin lists the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from events.models import Event, EventHost
from events.services import event_duplicate
from events.views import event_named
from polls.models import HostRole, Poll, PollHost
from polls.presenter import poll_named
from polls.rules import OWNER
from polls.services import poll_duplicate
from voting_site.middleware import staff_only, with_user
from voting_site.responses import see_other

# The user's part, in a word (HostRole's labels say what each may do).
ROLE_NAMES = {OWNER: _("owner"), HostRole.CO_HOST: _("co-host"), HostRole.MODERATOR: _("moderator")}


@dataclass(frozen=True)
class Hosted:
    """An event or a poll on the home page, with the user's part in it."""

    thing: Any  # an Event or a Poll
    role: str

    @property
    def role_name(self) -> str:
        return str(ROLE_NAMES[self.role])

    @property
    def may_edit(self) -> bool:
        return self.role in (OWNER, HostRole.CO_HOST)


def _listed(owned: Iterable[Any], hosted: Iterable[tuple[Any, str]]) -> list[Hosted]:
    """What the user owns and what they host (each with its role), newest first."""
    rows = [Hosted(thing, OWNER) for thing in owned]
    rows += [Hosted(thing, role) for thing, role in hosted]
    rows.sort(key=lambda row: row.thing.created_at, reverse=True)
    return rows


@require_GET
@never_cache
@with_user
def host_home(request: HttpRequest) -> HttpResponseBase:
    """The signed-in presenter's events and polls; anyone else signs in first."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not user.is_staff:
        raise PermissionDenied
    events = Event.objects.annotate(question_count=Count("questions"))
    event_roles = dict(EventHost.objects.filter(user=user).values_list("event_id", "role"))
    alone = Poll.objects.filter(event_question__isnull=True)
    poll_roles = dict(PollHost.objects.filter(user=user).values_list("poll_id", "role"))
    context: dict[str, Any] = {
        "events": _listed(
            events.filter(owner=user),
            ((e, event_roles[e.pk]) for e in events.filter(pk__in=event_roles)),
        ),
        "polls": _listed(
            alone.filter(owner=user),
            ((p, poll_roles[p.pk]) for p in alone.filter(pk__in=poll_roles)),
        ),
        "may_add_event": user.has_perm("events.add_event"),
        "may_add_poll": user.has_perm("polls.add_poll"),
    }
    return render(request, "events/host.html", context)


@require_POST
@staff_only(event_named, "events.change_event")
def event_copy(request: HttpRequest, slug: str) -> HttpResponse:
    """A copy of the event (its questions too, no votes), owned by whoever asks; then its
    edit form."""
    if not request.user.has_perm("events.add_event"):
        raise PermissionDenied
    copy = event_duplicate(event=Event.objects.get(slug=slug), owner=request.user)
    return see_other(reverse("admin:events_event_change", args=[copy.pk]))


@require_POST
@staff_only(poll_named, "polls.change_poll")
def poll_copy(request: HttpRequest, slug: str) -> HttpResponse:
    """A copy of the poll (its options too, no votes), owned by whoever asks; then its
    edit form."""
    if not request.user.has_perm("polls.add_poll"):
        raise PermissionDenied
    copy = poll_duplicate(poll=Poll.objects.get(slug=slug), owner=request.user)
    return see_other(reverse("admin:polls_poll_change", args=[copy.pk]))
