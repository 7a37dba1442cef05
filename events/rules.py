"""Who may do what with an event: the rules of polls/rules.py, for the event itself (its
questions follow them through polls/rules.py's poll_role)."""

from __future__ import annotations

from typing import Any

import rules
from django.db.models import Q

from events.models import Event
from polls.models import HostRole
from polls.rules import OWNER, role_in


def event_role(user: Any, event: Event | None) -> str | None:
    """The user's part in running the event: "owner", a host's role, or None."""
    if event is None or not user.is_authenticated:
        return None
    return role_in(event.owner_id, event.hosts, user)


def events_run_by(user: Any) -> Q:
    """The events the user runs (any part), as a filter for the admin's lists."""
    if user.is_superuser:
        return Q()
    if not user.is_authenticated:
        return Q(pk__in=[])
    return Q(pk__in=Event.objects.filter(Q(owner=user) | Q(hosts__user=user)).values("pk"))


@rules.predicate
def owns_event(user: Any, event: Event | None) -> bool:
    return event_role(user, event) == OWNER


@rules.predicate
def edits_event(user: Any, event: Event | None) -> bool:
    return event_role(user, event) in (OWNER, HostRole.CO_HOST)


@rules.predicate
def runs_event(user: Any, event: Event | None) -> bool:
    return event_role(user, event) is not None


rules.add_perm("events.view_event", rules.is_superuser | runs_event)
rules.add_perm("events.present_event", rules.is_superuser | runs_event)
rules.add_perm("events.change_event", rules.is_superuser | edits_event)
rules.add_perm("events.delete_event", rules.is_superuser | owns_event)
rules.add_perm("events.host_event", rules.is_superuser | owns_event)
