"""Who may do what with an event: the rules of polls/rules.py, for the event itself (its
questions follow them through polls/rules.py's poll_role)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from events.models import Event
from polls.rules import role_in, role_perms_add


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


role_perms_add("events", "event", event_role)
