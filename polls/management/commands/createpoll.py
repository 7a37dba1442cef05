"""Create an open poll: createpoll "Question?" "Option A" "Option B" [...] ("slug=Label" too)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from polls.models import Poll
from polls.services import PollError, poll_create


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("question")
        parser.add_argument("options", nargs="+", metavar="option", help='"Label" or "slug=Label"')
        parser.add_argument(
            "--slug", default="", help="the poll's slug (default: from the question)"
        )
        parser.add_argument(
            "--results",
            choices=Poll.Visibility.values,
            default=Poll.Visibility.ALWAYS,
            help="when voters see the results: always (default), once they have voted, "
            "once the presenter reveals them, or once the poll is closed",
        )

    def handle(
        self, *args: Any, question: str, options: list[str], slug: str, results: str, **rest: Any
    ) -> None:
        pairs = [
            tuple(option.split("=", 1)) if "=" in option else ("", option) for option in options
        ]
        try:
            poll = poll_create(
                question=question,
                options=pairs,  # type: ignore[arg-type]
                slug=slug,
                results_visibility=results,
            )
        except PollError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Created {poll.slug}: /polls/{poll.slug}/ (join code {poll.code}: /j/{poll.code})"
        )
