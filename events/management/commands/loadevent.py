"""Make a new event from a file that dumpevent wrote (YAML or JSON), or from an archive
that `dumpevent --archive` wrote (a zip, with the images): loadevent FILE."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from events.files import event_loads, event_unarchive
from events.services import EventError


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            content = file.read_bytes()
            zipped = zipfile.is_zipfile(file)
            text = "" if zipped else content.decode("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(str(error), returncode=2) from None
        try:
            event = event_unarchive(content) if zipped else event_loads(text)
        except EventError as error:
            raise CommandError(str(error), returncode=2) from None
        self.stdout.write(
            _("Created %(slug)s: /events/%(slug)s/ (join code %(code)s: /j/%(code)s)")
            % {"slug": event.slug, "code": event.code}
        )
