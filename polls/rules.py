"""Who may do what with a poll: its owner, its hosts by role, and superusers (django-rules,
found by rules' autodiscovery; events/rules.py says the same of events). A poll in an
event is run by the event's owner and hosts.

    owner       everything: edit, present, delete, choose the hosts
    co-host     everything but delete and choose the hosts
    moderator   present, the remote and its controls, moderation, exports; no edits

Asked with an object (`user.has_perm("polls.present_poll", poll)`) these rules answer;
asked without one, Django's model permissions do (a presenter's group), as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rules
from django.db.models import Q

from polls.models import HostRole, Poll

OWNER = "owner"


def role_in(owner_id: int | None, hosts: Any, user: Any) -> str | None:
    """The user's part given an owner's id and a hosts' manager: "owner", a host's role,
    or None."""
    if owner_id is not None and owner_id == user.pk:
        return OWNER
    return hosts.filter(user=user).values_list("role", flat=True).first()


def poll_role(user: Any, poll: Poll | None) -> str | None:
    """The user's part in running the poll, or None: an event's question takes the event's."""
    if poll is None or not user.is_authenticated:
        return None
    place = getattr(poll, "event_question", None)  # a poll in no event has none
    if place is not None:
        return role_in(place.event.owner_id, place.event.hosts, user)
    return role_in(poll.owner_id, poll.hosts, user)


def polls_run_by(user: Any) -> Q:
    """The polls the user runs (any part), as a filter: the rules above, said to the
    database, for the admin's lists, searches and autocompletes."""
    if user.is_superuser:
        return Q()
    if not user.is_authenticated:
        return Q(pk__in=[])
    alone = Q(event_question__isnull=True) & (Q(owner=user) | Q(hosts__user=user))
    in_event = Q(event_question__event__owner=user) | Q(event_question__event__hosts__user=user)
    return Q(pk__in=Poll.objects.filter(alone | in_event).values("pk"))


def role_perms_add(app: str, model: str, role_of: Callable[[Any, Any], str | None]) -> None:
    """The five permissions of a thing its owner and hosts run (`role_of` says a user's
    part in one): `<app>.view_`, `present_` (any part), `change_` (owner, co-host),
    `delete_` and `host_` (owner); superusers, each."""
    owns = rules.predicate(lambda user, thing: role_of(user, thing) == OWNER, name=f"owns_{model}")
    edits = rules.predicate(
        lambda user, thing: role_of(user, thing) in (OWNER, HostRole.CO_HOST),
        name=f"edits_{model}",
    )
    runs = rules.predicate(
        lambda user, thing: role_of(user, thing) is not None, name=f"runs_{model}"
    )
    for action, predicate in (("view", runs), ("present", runs), ("change", edits),
                              ("delete", owns), ("host", owns)):  # fmt: skip
        rules.add_perm(f"{app}.{action}_{model}", rules.is_superuser | predicate)


role_perms_add("polls", "poll", poll_role)
