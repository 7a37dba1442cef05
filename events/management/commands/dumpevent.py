"""Write an event and its questions as a file (YAML) to standard output: dumpevent <slug>;
with its images too, as an archive: dumpevent <slug> --archive FILE.zip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from events.files import event_archive, event_dumps
from events.models import Event


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument(
            "--archive", type=Path, metavar="FILE.zip", help="a zip of the file and its images"
        )

    def handle(self, *args: Any, slug: str, archive: Path | None, **options: Any) -> None:
        event = Event.objects.filter(slug=slug).first()
        if event is None:
            raise CommandError(_("There is no event %(slug)r.") % {"slug": slug}, returncode=2)
        if archive is None:
            self.stdout.write(event_dumps(event), ending="")
            return
        try:
            archive.write_bytes(event_archive(event))
        except OSError as error:
            raise CommandError(str(error), returncode=2) from None
        self.stdout.write(_("Wrote %(file)s.") % {"file": archive})
