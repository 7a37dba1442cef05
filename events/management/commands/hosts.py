"""`python manage.py hosts <slug> add|remove USERNAME [--role co-host|moderator]`, and
`hosts <slug> list`: whom the owner of an event (or of a poll in no event) lets run it
with them. The slug is an event's, or else a poll's; a user is named by username or
e-mail."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from events.models import Event
from events.presenters import HostError, host_remove, host_set, hosts_of
from polls.models import HostRole, Poll
from polls.selectors import user_named


class Command(BaseCommand):
    help = "List, add or remove the hosts of an event or a poll."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="an event's slug, or else a poll's")
        parser.add_argument("action", choices=["list", "add", "remove"])
        parser.add_argument("user", nargs="?", default="", help="a username or an e-mail")
        parser.add_argument("--role", choices=HostRole.values, default=HostRole.CO_HOST)

    def handle(self, *args: Any, slug: str, action: str, user: str, role: str, **_o: Any) -> None:
        thing: Event | Poll | None = Event.objects.filter(slug=slug).first()
        if thing is None:
            thing = Poll.objects.filter(slug=slug).first()
        if thing is None:
            raise CommandError(_("No event or poll %(slug)r.") % {"slug": slug}, returncode=2)
        if action == "list":
            for name, part in hosts_of(thing):
                self.stdout.write(f"{name}\t{part}")
            return
        if not user:
            raise CommandError(_("Name the user to %(action)s.") % {"action": action}, returncode=2)
        found = user_named(user)
        if found is None:
            raise CommandError(_("No user %(user)r.") % {"user": user}, returncode=2)
        try:
            if action == "add":
                host_set(thing=thing, user=found, role=role)
                self.stdout.write(
                    _("%(user)s hosts %(slug)s as %(role)s.")
                    % {"user": found.username, "slug": slug, "role": role}
                )
            elif host_remove(thing=thing, user=found):
                self.stdout.write(
                    _("%(user)s no longer hosts %(slug)s.") % {"user": found.username, "slug": slug}
                )
            else:
                raise CommandError(
                    _("%(user)s does not host %(slug)s.") % {"user": found.username, "slug": slug},
                    returncode=2,
                )
        except HostError as error:
            raise CommandError(str(error), returncode=2) from None
