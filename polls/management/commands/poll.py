"""Run a poll from a script: poll <slug> open|close|reveal|hide|reset, as the projector does."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from polls.models import Poll
from polls.services import CONTROL_ACTIONS, poll_control


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("action", choices=CONTROL_ACTIONS)

    def handle(self, *args: Any, slug: str, action: str, **options: Any) -> None:
        poll = Poll.objects.filter(slug=slug).first()
        if poll is None:
            raise CommandError(f"There is no poll {slug!r}.")
        poll_control(poll=poll, action=action)
        shown = "shown" if poll.results_visible() else "hidden"
        self.stdout.write(
            f"{slug}: {action} done. Now {poll.state_at().value}, round {poll.round}, "
            f"results {shown} for voters."
        )
