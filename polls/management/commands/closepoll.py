"""Close a poll, by slug, so it takes no more votes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from polls.models import Poll
from polls.services import poll_close


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")

    def handle(self, *args: Any, slug: str, **options: Any) -> None:
        poll = Poll.objects.filter(slug=slug).first()
        if poll is None:
            raise CommandError(_("There is no poll %(slug)r.") % {"slug": slug})
        if not poll.is_open:
            self.stdout.write(_("%(slug)s was closed already.") % {"slug": slug})
            return
        poll_close(poll=poll)
        self.stdout.write(_("Closed %(slug)s.") % {"slug": slug})
