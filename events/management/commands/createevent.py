"""Create an event of polls, in order: createevent "Title" poll-slug … [--slug S] [--pace P]
[--quiz [--seconds N] [--no-speed]]."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from events.models import Event
from events.services import EventError, event_create
from polls.models import Poll


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("title")
        parser.add_argument("polls", nargs="+", metavar="poll", help="the polls' slugs, in order")
        parser.add_argument("--slug", default="", help="the event's slug (default: from the title)")
        parser.add_argument(
            "--owner",
            default="",
            metavar="USERNAME",
            help="who owns it (default: no one: superusers')",
        )
        parser.add_argument(
            "--pace",
            choices=Event.Pace.values,
            default=Event.Pace.PRESENTER,
            help="presenter (default: everyone on the question shown) or audience (a survey)",
        )
        parser.add_argument(
            "--participants",
            choices=Event.Participation.values,
            default=Event.Participation.ANONYMOUS,
            help="anonymous (default: each browser), named (each types their name) or "
            "signed-in (each signs in through the institution); the last two have a gradebook",
        )
        parser.add_argument(
            "--retention-days",
            type=int,
            metavar="DAYS",
            help="days after the last answer until what links answers to people is removed "
            "(default and most: VOTING_RETENTION_DAYS)",
        )
        parser.add_argument(
            "--no-erasure",
            action="store_true",
            help="named or signed-in participants may see their data, but not erase it",
        )
        parser.add_argument(
            "--keep-open",
            action="store_true",
            help="moving on neither opens the question shown nor closes the one left",
        )

        parser.add_argument(
            "--quiz",
            action="store_true",
            help="a quiz: players, a leaderboard and a podium; each question with a right "
            "answer is timed and scored, the others asked as in any event",
        )
        parser.add_argument(
            "--seconds",
            type=int,
            help="a quiz: every scored question's time limit, 5 to 240 (default: each poll's, 20)",
        )
        parser.add_argument(
            "--no-speed",
            action="store_true",
            help="a quiz: every right answer earns 1,000 points, however fast",
        )

    def handle(self, *args: Any, title: str, polls: list[str], **flags: Any) -> None:
        found = {poll.slug: poll for poll in Poll.objects.filter(slug__in=polls)}
        missing = [slug for slug in polls if slug not in found]
        if missing:
            raise CommandError(
                _("There is no poll %(slugs)s.") % {"slugs": ", ".join(missing)}, returncode=2
            )
        if not flags["quiz"] and (flags["seconds"] is not None or flags["no_speed"]):
            message = _("--seconds and --no-speed are a quiz's: add --quiz.")
            raise CommandError(message, returncode=2)
        owner = None
        if flags["owner"]:
            owner = get_user_model().objects.filter(username=flags["owner"]).first()
            if owner is None:
                raise CommandError(_("No user %(user)r.") % {"user": flags["owner"]}, returncode=2)
        try:
            event = event_create(
                title=title,
                polls=[found[slug] for slug in polls],
                slug=flags["slug"],
                pace=flags["pace"],
                opens_questions=not flags["keep_open"],
                quiz=flags["quiz"],
                speed=not flags["no_speed"],
                seconds=flags["seconds"],
                owner=owner,
                participation=flags["participants"],
                participants_may_erase=not flags["no_erasure"],
                retention_days=flags["retention_days"],
            )
        except EventError as error:
            raise CommandError(str(error), returncode=2) from None
        self.stdout.write(
            _("Created %(slug)s: /events/%(slug)s/ (join code %(code)s: /j/%(code)s)")
            % {"slug": event.slug, "code": event.code}
        )
