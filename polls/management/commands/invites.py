"""Make N one-time invite codes for a poll (which becomes invitation-only); prints one per line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from polls.invites import MAX_INVITES_AT_ONCE, invites_make
from polls.models import Poll


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("count", type=int, help=f"how many (1 to {MAX_INVITES_AT_ONCE:,})")

    def handle(self, *args: Any, slug: str, count: int, **options: Any) -> None:
        poll = Poll.objects.filter(slug=slug).first()
        if poll is None:
            raise CommandError(_("There is no poll %(slug)r.") % {"slug": slug})
        if not 1 <= count <= MAX_INVITES_AT_ONCE:
            raise CommandError(
                _("Make 1 to %(most)s invite codes at once, not %(count)d.")
                % {"most": f"{MAX_INVITES_AT_ONCE:,}", "count": count}
            )
        for invite in invites_make(poll=poll, count=count):
            self.stdout.write(str(invite))
        if not poll.requires_invite:
            poll.requires_invite = True
            poll.save(update_fields=["requires_invite", "updated_at"])
            self.stderr.write(_("%(slug)s is by invitation only from now on.") % {"slug": slug})
