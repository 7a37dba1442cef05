"""Write a poll's results per round (or, with --votes, every vote, without voter keys) as CSV."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from polls.exports import csv_lines, votes_rows
from polls.models import Poll
from tally.exports import results_rows


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument(
            "--votes", action="store_true", help="every vote (round, option, cast time)"
        )

    def handle(self, *args: Any, slug: str, votes: bool, **options: Any) -> None:
        poll = Poll.objects.filter(slug=slug).first()
        if poll is None:
            raise CommandError(_("There is no poll %(slug)r.") % {"slug": slug})
        rows = votes_rows(poll) if votes else results_rows(poll)
        for line in csv_lines(rows):
            self.stdout.write(line, ending="")
