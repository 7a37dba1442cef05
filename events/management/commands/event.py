"""Move an event: event <slug> next|previous|goto N|lobby|end, as the projector does."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from events.models import Event
from events.selectors import event_state
from events.services import MOVES, EventError, event_move


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("action", choices=MOVES)
        parser.add_argument("position", nargs="?", type=int, help="for goto: the question, from 1")

    def handle(
        self, *args: Any, slug: str, action: str, position: int | None, **options: Any
    ) -> None:
        event = Event.objects.filter(slug=slug).first()
        if event is None:
            raise CommandError(_("There is no event %(slug)r.") % {"slug": slug}, returncode=2)
        try:
            event = event_move(event=event, action=action, position=position)
        except EventError as error:
            raise CommandError(str(error), returncode=2) from None
        state = event_state(event)
        if state["stage"] == Event.Stage.QUESTION:
            said = _("%(slug)s: question %(n)d of %(count)d, %(poll)s.") % {
                "slug": slug, "n": state["position"], "count": state["count"], "poll": state["poll"]
            }  # fmt: skip
        elif state["stage"] == Event.Stage.ENDED:
            said = _("%(slug)s: ended.") % {"slug": slug}
        else:
            said = _("%(slug)s: in the lobby.") % {"slug": slug}
        self.stdout.write(said)
