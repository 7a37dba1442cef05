"""The presenter's home, `/host/`: the events and polls they own or host, newest first,
each with its pages (present, remote, report), its edit form and a copy of their own.

A poll inside an event is reached through its event; the polls listed are those that
stand alone. Superusers may run everything, but their home lists only their own: the
admin lists the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

# The user's part, in a word (HostRole's labels say what each may do).
ROLE_NAMES = {OWNER: _("owner"), HostRole.CO_HOST: _("co-host"), HostRole.MODERATOR: _("moderator")}


@dataclass(frozen=True)
class Kind:
    """What the home offers for each event, or for each poll: its facts (a template), its
    pages (URL names and labels), the admin's edit form, the copy button's view and who
    may make one."""

    facts: str
    pages: tuple[tuple[str, StrPromise], ...]
    edit: str
    copy: str
    add_permission: str


EVENTS = Kind(
    facts="events/_host_event_facts.html",
    pages=(("events:present", _("Present")), ("events:remote", _("Remote")),
           ("events:report", _("Report"))),
    edit="admin:events_event_change",
    copy="events:copy",
    add_permission="events.add_event",
)  # fmt: skip
POLLS = Kind(
    facts="events/_host_poll_facts.html",
    pages=(("tally:present", _("Present")), ("tally:remote", _("Remote")),
           ("tally:results", _("Results"))),
    edit="admin:polls_poll_change",
    copy="events:poll-copy",
    add_permission="polls.add_poll",
)  # fmt: skip


@dataclass(frozen=True)
class Hosted:
    """An event or a poll on the home page, with the user's part in it and the links
    that part allows."""

    thing: Any  # an Event or a Poll
    role: str
    kind: Kind
    may_add: bool

    @property
    def role_name(self) -> str:
        return str(ROLE_NAMES[self.role])

    @property
    def pages(self) -> list[tuple[str, str]]:
        pages = [
            (str(label), reverse(name, args=[self.thing.slug])) for name, label in self.kind.pages
        ]
        if getattr(self.thing, "identifies", False):  # an event of named or signed-in people
            url = reverse("events:gradebook-xlsx", args=[self.thing.slug])
            pages.append((str(_("Gradebook")), url))
        return pages

    @property
    def edit_url(self) -> str | None:
        """Its edit form, for its owner and co-hosts."""
        if self.role not in (OWNER, HostRole.CO_HOST):
            return None
        return reverse(self.kind.edit, args=[self.thing.pk])

    @property
    def copy_url(self) -> str | None:
        """Where a copy is made, for those who may edit it and make their own."""
        if self.edit_url is None or not self.may_add:
            return None
        return reverse(self.kind.copy, args=[self.thing.slug])


def _listed(
    user: Any, kind: Kind, owned: Iterable[Any], hosted: Iterable[tuple[Any, str]]
) -> list[Hosted]:
    """What the user owns and what they host (each with its role), newest first."""
    may_add = user.has_perm(kind.add_permission)
    rows = [Hosted(thing, OWNER, kind, may_add) for thing in owned]
    rows += [Hosted(thing, role, kind, may_add) for thing, role in hosted]
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
    sections = [
        ("host-events", _("Events"), _listed(
            user, EVENTS, events.filter(owner=user),
            ((e, event_roles[e.pk]) for e in events.filter(pk__in=event_roles)),
        )),
        ("host-polls", _("Polls"), _listed(
            user, POLLS, alone.filter(owner=user),
            ((p, poll_roles[p.pk]) for p in alone.filter(pk__in=poll_roles)),
        )),
    ]  # fmt: skip
    context: dict[str, Any] = {
        "sections": [section for section in sections if section[2]],
        "may_add_event": user.has_perm(EVENTS.add_permission),
        "may_add_poll": user.has_perm(POLLS.add_permission),
    }
    return render(request, "events/host.html", context)


def _copy_view(
    kind: Kind, find: Callable[[str], Any], permission: str, duplicate: Callable[[Any, Any], Any]
) -> Callable[..., HttpResponseBase]:
    """The copy button's view: a copy owned by whoever asks (who may edit the original
    and make their own), then its edit form."""

    @require_POST
    @staff_only(find, permission)
    def copy(request: HttpRequest, slug: str) -> HttpResponse:
        if not request.user.has_perm(kind.add_permission):
            raise PermissionDenied
        made = duplicate(find(slug), request.user)
        return see_other(reverse(kind.edit, args=[made.pk]))

    return copy


# An event's copy has its questions (new polls), a poll's its options; neither has votes.
event_copy = _copy_view(
    EVENTS, event_named, "events.change_event", lambda e, who: event_duplicate(event=e, owner=who)
)
poll_copy = _copy_view(
    POLLS, poll_named, "polls.change_poll", lambda p, who: poll_duplicate(poll=p, owner=who)
)
