"""Create an open poll: createpoll "Question?" "Option A" "Option B" [...] ("slug=Label" too);
open answers take none: createpoll "One word for today?" --kind open."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from polls.models import Poll
from polls.services import PollError, poll_create


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("question")
        parser.add_argument(
            "--owner",
            default="",
            metavar="USERNAME",
            help="who owns it (default: no one: superusers')",
        )
        parser.add_argument(
            "options",
            nargs="*",
            metavar="option",
            help='"Label" or "slug=Label" (not for a rating)',
        )
        parser.add_argument(
            "--slug", default="", help="the poll's slug (default: from the question)"
        )
        parser.add_argument(
            "--kind",
            choices=Poll.Kind.values,
            default=Poll.Kind.SINGLE,
            help="single (default), multiple, rating, ranking or open (typed answers)",
        )
        parser.add_argument(
            "--min", type=int, default=1, help="multiple: how many a voter picks at least (1)"
        )
        parser.add_argument(
            "--max",
            type=int,
            default=None,
            help="multiple: how many at most; ranking: how many places (default: all)",
        )
        parser.add_argument(
            "--scale", default="1-5", help="rating: the lowest and highest score (1-5)"
        )
        parser.add_argument("--low-label", default="", help="rating: the lowest score's label")
        parser.add_argument("--high-label", default="", help="rating: the highest score's label")
        parser.add_argument(
            "--max-length",
            type=int,
            default=100,
            metavar="N",
            help="open: the most characters an answer may have (100)",
        )
        parser.add_argument(
            "--answers",
            type=int,
            default=1,
            metavar="N",
            help="open: how many answers each voter may give (1)",
        )
        parser.add_argument(
            "--moderation",
            choices=Poll.Moderation.values,
            default=Poll.Moderation.NONE,
            help="open: none (default: answers shown at once) or approve (each waits for "
            "the presenter's approval)",
        )
        parser.add_argument(
            "--keep-profanity",
            action="store_true",
            help="open: show answers as typed (by default, profanity is masked as ***)",
        )
        parser.add_argument(
            "--correct",
            default="",
            metavar="SLUGS",
            help="single or multiple: the right answers' slugs, comma-separated (a,b), "
            "marked on the results once voting closes",
        )
        parser.add_argument(
            "--seconds",
            type=int,
            default=20,
            metavar="N",
            help="as a quiz's question: its time limit, 5 to 240 seconds (20)",
        )
        parser.add_argument("--final", action="store_true", help="a voter's first vote is final")
        parser.add_argument(
            "--no-receipts",
            action="store_true",
            help="no receipts: a voter cannot show anyone how they voted",
        )
        parser.add_argument(
            "--invites",
            action="store_true",
            help="by invitation only: each voter enters a one-time code (make them with `invites`)",
        )
        parser.add_argument(
            "--voters-per-address",
            type=int,
            default=None,
            metavar="N",
            help="at most N voters from one network address, each round (default: no cap)",
        )
        parser.add_argument(
            "--results",
            choices=Poll.Visibility.values,
            default=Poll.Visibility.ALWAYS,
            help="when voters see the results: always (default), once they have voted, "
            "once the presenter reveals them, or once the poll is closed",
        )

    def handle(self, *args: Any, question: str, options: list[str], **flags: Any) -> None:
        pairs = [
            tuple(option.split("=", 1)) if "=" in option else ("", option) for option in options
        ]
        scale = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", flags["scale"])
        if scale is None:
            raise CommandError(
                _("--scale takes two scores like 1-5, not %(given)r.") % {"given": flags["scale"]},
                returncode=2,
            )
        owner = None
        if flags["owner"]:
            owner = get_user_model().objects.filter(username=flags["owner"]).first()
            if owner is None:
                raise CommandError(_("No user %(user)r.") % {"user": flags["owner"]}, returncode=2)
        try:
            poll = poll_create(
                question=question,
                options=pairs,  # type: ignore[arg-type]
                slug=flags["slug"],
                kind=flags["kind"],
                min_choices=flags["min"],
                max_choices=flags["max"],
                scale=(int(scale[1]), int(scale[2])),
                scale_labels=(flags["low_label"], flags["high_label"]),
                voters_may_change=not flags["final"],
                receipts=not flags["no_receipts"],
                results_visibility=flags["results"],
                requires_invite=flags["invites"],
                voters_per_address=flags["voters_per_address"],
                max_length=flags["max_length"],
                answers_per_voter=flags["answers"],
                moderation=flags["moderation"],
                masks_profanity=not flags["keep_profanity"],
                correct=[slug.strip() for slug in flags["correct"].split(",") if slug.strip()],
                seconds=flags["seconds"],
                owner=owner,
            )
        except PollError as error:
            # Bad arguments: one line, and status 2, as Django's commands say it.
            raise CommandError(str(error), returncode=2) from None
        self.stdout.write(
            _("Created %(slug)s: /polls/%(slug)s/ (join code %(code)s: /j/%(code)s)")
            % {"slug": poll.slug, "code": poll.code}
        )
        if poll.requires_invite:
            self.stdout.write(
                _("By invitation only: make codes with `manage.py invites %(slug)s N`.")
                % {"slug": poll.slug}
            )
