"""Presenters and hosts: who may make polls and events (the presenters' group), and whom
an owner lets run one with them (polls.models.PollHost, events.models.EventHost). What
each may then do is polls/rules.py's and events/rules.py's to say."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission, User
from django.db.models import Q
from django.utils.translation import gettext as _

from events.models import Event, EventHost
from polls.models import HostRole, Poll, PollHost

PRESENTERS = "presenters"
# The model permissions a presenter holds: to make polls and events and run their own
# (the rules narrow each to what the presenter owns or hosts).
PRESENTER_PERMISSIONS = {
    "polls": [
        *(f"{verb}_{model}" for verb in ("add", "change", "delete", "view")
          for model in ("poll", "option", "pollhost")),
        "view_vote", "view_invite", "view_answer", "change_answer", "view_question",
        "change_question",
    ],
    "events": [
        *(f"{verb}_{model}" for verb in ("add", "change", "delete", "view")
          for model in ("event", "eventquestion", "eventhost")),
        "view_player", "add_deck", "view_deck", "delete_deck",
    ],
}  # fmt: skip


class HostError(ValueError):
    """A host that cannot be added or removed; the message says why."""


def presenters_group() -> Group:
    """The presenters' group, with its permissions (made again should it be gone)."""
    group, _ = Group.objects.get_or_create(name=PRESENTERS)
    wanted = Q()
    for app, codenames in PRESENTER_PERMISSIONS.items():
        wanted |= Q(content_type__app_label=app, codename__in=codenames)
    group.permissions.set(Permission.objects.filter(wanted))
    return group


def presenter_make(*, username: str, email: str = "", password: str | None) -> tuple[User, bool]:
    """The user made a presenter (staff, in the presenters' group): a new account, or the
    one of that name; and whether it is new. With no password, one cannot sign in with
    a password (an identity provider's account)."""
    user, made = User.objects.get_or_create(username=username, defaults={"email": email})
    if made:
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
    user.is_staff = True
    user.save()
    user.groups.add(presenters_group())
    return user, made


def host_set(*, thing: Poll | Event, user: User, role: str) -> None:
    """Make the user a host of the poll or event, in this role (a host already: the role
    changes). A poll in an event has the event's hosts: add them to the event."""
    if role not in HostRole.values:
        raise HostError(_("No role %(role)r: co-host or moderator.") % {"role": role})
    if thing.owner_id == user.pk:
        raise HostError(_("%(user)s owns it.") % {"user": user.username})
    if isinstance(thing, Poll):
        if hasattr(thing, "event_question"):
            raise HostError(_("This poll is in an event: its hosts are the event's."))
        PollHost.objects.update_or_create(poll=thing, user=user, defaults={"role": role})
    else:
        EventHost.objects.update_or_create(event=thing, user=user, defaults={"role": role})


def host_remove(*, thing: Poll | Event, user: User) -> bool:
    """Take the user off the poll's or event's hosts; whether they were one."""
    hosts = (
        PollHost.objects.filter(poll=thing)
        if isinstance(thing, Poll)
        else (EventHost.objects.filter(event=thing))
    )
    removed, _ = hosts.filter(user=user).delete()
    return bool(removed)


def hosts_of(thing: Poll | Event) -> list[tuple[str, str]]:
    """The owner and hosts of a poll or event: (username, role), the owner first; a poll
    in an event has the event's."""
    place = getattr(thing, "event_question", None)
    if place is not None:
        return hosts_of(place.event)
    hosts = thing.hosts.select_related("user").order_by("user__username")
    owner = [(thing.owner.username, "owner")] if thing.owner is not None else []
    return owner + [(host.user.username, host.role) for host in hosts]
