"""Write an event and its questions as a file (YAML) to standard output: dumpevent <slug>."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from events.files import event_dumps
from events.models import Event


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")

    def handle(self, *args: Any, slug: str, **options: Any) -> None:
        event = Event.objects.filter(slug=slug).first()
        if event is None:
            raise CommandError(_("There is no event %(slug)r.") % {"slug": slug}, returncode=2)
        self.stdout.write(event_dumps(event), ending="")
