"""Create an open poll: createpoll "Question?" "Option A" "Option B" [...] ("slug=Label" too)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from polls.services import PollError, poll_create


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("question")
        parser.add_argument("options", nargs="+", metavar="option", help='"Label" or "slug=Label"')
        parser.add_argument(
            "--slug", default="", help="the poll's slug (default: from the question)"
        )

    def handle(self, *args: Any, question: str, options: list[str], slug: str, **rest: Any) -> None:
        pairs = [
            tuple(option.split("=", 1)) if "=" in option else ("", option) for option in options
        ]
        try:
            poll = poll_create(question=question, options=pairs, slug=slug)  # type: ignore[arg-type]
        except PollError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Created {poll.slug}: /polls/{poll.slug}/")
