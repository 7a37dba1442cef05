"""Run a poll from a script: poll <slug> open|close|reveal|hide|reset, as the projector does."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from polls.models import Poll
from polls.services import CONTROL_ACTIONS, control_record, poll_control


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("action", choices=CONTROL_ACTIONS)

    def handle(self, *args: Any, slug: str, action: str, **options: Any) -> None:
        poll = Poll.objects.filter(slug=slug).first()
        if poll is None:
            raise CommandError(_("There is no poll %(slug)r.") % {"slug": slug})
        poll_control(poll=poll, action=action)
        control_record(by=None, thing=poll, action=action)
        done = {
            "open": _("%(slug)s opened."),
            "close": _("%(slug)s closed."),
            "reveal": _("%(slug)s: results shown."),
            "hide": _("%(slug)s: results hidden."),
            "reset": _("%(slug)s: a new round started."),
        }[action]
        now = (
            _("Now %(state)s, round %(round)d, results shown to voters.")
            if poll.results_visible()
            else _("Now %(state)s, round %(round)d, results hidden from voters.")
        )
        state = {"state": poll.state_at().label, "round": poll.round}
        self.stdout.write(f"{done % {'slug': slug}} {now % state}")
