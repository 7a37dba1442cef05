"""Move an event: event <slug> next|previous|goto N|lobby|end|leaderboard, as the projector
does; and a quiz question's clock: event <slug> time +N|untimed, event <slug> end-question."""

from __future__ import annotations

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from events.models import Event
from events.selectors import event_state
from events.services import MOVES, EventError, event_clock, event_move
from polls.services import control_record
from voting_site.numbers import whole_number

CLOCK_ACTIONS = ("time", "end-question")


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("action", choices=(*MOVES, *CLOCK_ACTIONS))
        parser.add_argument(
            "value",
            nargs="?",
            help="for goto: the question, from 1; for time: +N seconds, or untimed",
        )

    def handle(self, *args: Any, slug: str, action: str, value: str | None, **options: Any) -> None:
        event = Event.objects.filter(slug=slug).first()
        if event is None:
            raise CommandError(_("There is no event %(slug)r.") % {"slug": slug}, returncode=2)
        try:
            if action in CLOCK_ACTIONS:
                event_clock(event=event, change=_clock_change(action, value))
                event.refresh_from_db()
            else:
                position = whole_number(value)
                event = event_move(event=event, action=action, position=position)
                control_record(by=None, thing=event, action=action, detail=str(position or ""))
        except EventError as error:
            raise CommandError(str(error), returncode=2) from None
        self.stdout.write(_said(event))


def _clock_change(action: str, value: str | None) -> str | int:
    if action == "end-question":
        return "end"
    if value == "untimed":
        return "untimed"
    if value is None or not re.fullmatch(r"\+?[0-9]{1,3}", value):
        raise CommandError(_("Say how much time to add, as +30, or untimed."), returncode=2)
    return int(value)


def _said(event: Event) -> str:
    """Where the event stands, in a line."""
    state = event_state(event)
    slug = event.slug
    if state["stage"] in (Event.Stage.QUESTION, Event.Stage.LEADERBOARD):
        said = _("%(slug)s: question %(n)d of %(count)d, %(poll)s.") % {
            "slug": slug, "n": state["position"], "count": state["count"], "poll": state["poll"]
        }  # fmt: skip
        clock = state.get("clock")
        if clock and clock["running"] and clock["remaining_ms"] is not None:
            seconds = -(-clock["remaining_ms"] // 1000)
            said += " " + _("%(seconds)d s left.") % {"seconds": seconds}
        if state["stage"] == Event.Stage.LEADERBOARD:
            said += " " + _("The leaderboard is shown.")
        return said
    if state["stage"] == Event.Stage.ENDED:
        return _("%(slug)s: ended.") % {"slug": slug}
    return _("%(slug)s: in the lobby.") % {"slug": slug}
