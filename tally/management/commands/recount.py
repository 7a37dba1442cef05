"""Rebuild tallies from the votes, round by round (one poll, or all), and report any difference."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from polls.models import Poll
from tally.recount import tallies_rebuild


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", nargs="?", help="the poll (default: every poll)")
        parser.add_argument(
            "--check", action="store_true", help="change nothing; exit 1 if any tally differs"
        )

    def handle(self, *args: Any, slug: str | None, check: bool, **options: Any) -> None:
        polls = Poll.objects.all()
        if slug is not None:
            polls = polls.filter(slug=slug)
            if not polls.exists():
                raise CommandError(_("There is no poll %(slug)r.") % {"slug": slug})
        differences = tallies_rebuild(polls=polls, fix=not check)
        if not differences:
            self.stdout.write(_("All tallies agree with the votes."))
            return
        for d in differences:
            self.stdout.write(
                _("%(poll)s round %(round)d: %(option)s tallied %(tallied)s, counted %(counted)s")
                % {"poll": d.poll, "round": d.round, "option": d.option,
                   "tallied": d.tallied, "counted": d.counted}
            )  # fmt: skip
        if check:
            sys.exit(1)
        fixed = len(differences)
        self.stdout.write(
            ngettext(
                "%(n)d tally fixed to match the votes.",
                "%(n)d tallies fixed to match the votes.",
                fixed,
            )
            % {"n": fixed}
        )
