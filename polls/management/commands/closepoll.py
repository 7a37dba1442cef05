"""Close a poll, by slug, so it takes no more votes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from polls.models import Poll
from polls.services import poll_close


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")

    def handle(self, *args: Any, slug: str, **options: Any) -> None:
        poll = Poll.objects.filter(slug=slug).first()
        if poll is None:
            raise CommandError(f"There is no poll {slug!r}.")
        if not poll.is_open:
            self.stdout.write(f"{slug} was closed already.")
            return
        poll_close(poll=poll)
        self.stdout.write(f"Closed {slug}.")
