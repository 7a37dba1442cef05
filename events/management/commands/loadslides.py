"""Make a PDF's pages slides of an event, in order, after its last item or at position
N: loadslides <event-slug> deck.pdf [--at N]. The pages are rendered here, in this
process (the admin's upload has the worker do it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from events.decks import DeckError, deck_pages, deck_render
from events.models import Deck, Event


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the event's slug")
        parser.add_argument("file", type=Path, help="a PDF")
        parser.add_argument("--at", type=int, default=None, help="the first slide's position")

    def handle(self, *args: Any, slug: str, file: Path, at: int | None, **_o: Any) -> None:
        event = Event.objects.filter(slug=slug).first()
        if event is None:
            raise CommandError(_("There is no event %(slug)r.") % {"slug": slug}, returncode=2)
        try:
            content = file.read_bytes()
            deck_pages(content)
        except OSError as error:
            raise CommandError(str(error), returncode=2) from None
        except DeckError as error:
            raise CommandError(str(error), returncode=2) from None
        deck = Deck.objects.create(event=event, name=file.name[:200], at=at)
        deck.file.save(file.name, ContentFile(content))
        deck_render(deck.pk)
        deck.refresh_from_db()
        if deck.state == Deck.State.FAILED:
            raise CommandError(deck.message, returncode=1)
        self.stdout.write(
            _("Made %(n)d slides of %(file)s in %(slug)s.")
            % {"n": deck.done, "file": file.name, "slug": slug}
        )
