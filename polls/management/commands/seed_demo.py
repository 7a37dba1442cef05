"""Create the demo poll `cats-vs-dogs` (Cats or Dogs), if it is not there already."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from polls.models import DEMO_SLUG, Option, Poll


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-no-polls", action="store_true", help="Do nothing if there is any poll at all."
        )

    def handle(self, *args: Any, if_no_polls: bool, **options: Any) -> None:
        if if_no_polls and Poll.objects.exists():
            return
        poll, created = Poll.objects.get_or_create(
            slug=DEMO_SLUG, defaults={"question": "Cats or dogs?"}
        )
        for position, (slug, label) in enumerate([("cats", "Cats"), ("dogs", "Dogs")]):
            Option.objects.get_or_create(
                poll=poll, slug=slug, defaults={"label": label, "position": position}
            )
        said = _("Created the demo poll: %(url)s") if created else _("Kept the demo poll: %(url)s")
        self.stdout.write(said % {"url": poll.get_absolute_url()})
