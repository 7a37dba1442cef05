"""`python manage.py purge [--older-than DAYS] [--dry-run]`: remove now what links answers
to people in every poll and event quiet for longer than its retention (or than DAYS),
as the worker's daily cron does (events/retention.py), and print what it removes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from events.retention import purge


def _days(text: str) -> int:
    days = int(text)
    if days < 0:
        raise ValueError(text)
    return days


class Command(BaseCommand):
    help = (
        "Remove what links answers to people (voter keys, names, e-mail addresses, "
        "nicknames, askers' names) where it is kept long enough; the counts stay."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=_days,
            metavar="DAYS",
            help="purge everything whose last answer is this many days old or more "
            "(default: each event's retention, else VOTING_RETENTION_DAYS)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="print what would be removed, remove nothing"
        )

    def handle(self, *args: Any, older_than: int | None, dry_run: bool, **_o: Any) -> None:
        purged = purge(older_than=older_than, dry_run=dry_run)
        for done in purged:
            self.stdout.write(done.line())
        if not purged:
            self.stdout.write(_("Nothing to remove."))
        elif dry_run:
            self.stdout.write(_("Dry run: nothing was removed."))
